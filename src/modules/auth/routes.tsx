import { Hono } from 'hono';
import { LoginPage } from '../../../views/auth/LoginPage.js';
import { clearSessionCookie, clientIp, requireAuth, revokeSessionToken, setSessionCookie, setViewCookie } from '../../auth/session.js';
import { DomainError, forbidden } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import { actorOf, type AppEnv } from '../../http/env.js';
import { renderPage, safeNext } from '../../http/render.js';
import { serializeUser } from '../users/serialize.js';
import { login } from './service.js';

export const authPages = new Hono<AppEnv>();

authPages.get('/login', async (c) => {
  if (c.get('actor')) return c.redirect(safeNext(c.req.query('next')), 302);
  const notice = c.req.query('signed_out') !== undefined ? 'You have been signed out.' : undefined;
  return renderPage(c, <LoginPage next={c.req.query('next')} notice={notice} />);
});

authPages.post('/login', async (c) => {
  const { db, config, clock } = c.get('deps');
  const form = await readForm(c);
  try {
    const result = await login(db, config.jwtSecret, { email: form.email, password: form.password, ip: clientIp(c) }, clock());
    setSessionCookie(c, result.token);
    return c.redirect(safeNext(form.next), 302);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    const email = (form.email ?? '').slice(0, 254);
    const props = err.fields
      ? { fieldErrors: err.fields, error: 'Please fill in both fields.' }
      : { error: err.message };
    return renderPage(c, <LoginPage email={email} next={form.next} {...props} />, err.status as 401 | 403 | 422 | 429);
  }
});

authPages.post('/logout', async (c) => {
  await revokeSessionToken(c);
  clearSessionCookie(c);
  return c.redirect('/login?signed_out', 302);
});

authPages.post('/switch-process', requireAuth, async (c) => {
  const actor = actorOf(c);
  if (actor.role !== 'super_admin') throw forbidden('Only a super admin can switch processes.');
  const form = await readForm(c);
  const slug = form.process || null;
  if (slug) {
    const exists = await c.get('deps').db.selectFrom('processes').select('id').where('slug', '=', slug).executeTakeFirst();
    if (!exists) throw new DomainError(422, 'validation_failed', 'Unknown process.', { process: 'Unknown process.' });
  }
  setViewCookie(c, slug);
  const back = c.req.header('referer');
  let path = '/';
  try {
    if (back) path = safeNext(new URL(back).pathname);
  } catch {
    path = '/';
  }
  return c.redirect(path, 302);
});

export const authApi = new Hono<AppEnv>();

authApi.post('/auth/login', async (c) => {
  const { db, config, clock } = c.get('deps');
  const body = await readJson(c);
  const result = await login(db, config.jwtSecret, { email: body.email, password: body.password, ip: clientIp(c) }, clock());
  return c.json({ token: result.token, user: result.user, must_change_password: result.mustChangePassword }, 200);
});

/** Ends the session of the Bearer token sent (an extension of API.md): later calls with it get 401. */
authApi.post('/auth/logout', requireAuth, async (c) => {
  await revokeSessionToken(c);
  return c.body(null, 204);
});

authApi.get('/me', requireAuth, async (c) => {
  const actor = actorOf(c);
  const user = await c.get('deps').db.selectFrom('users')
    .innerJoin('processes', 'processes.id', 'users.process_id')
    .selectAll('users').select('processes.slug as process_slug')
    .where('users.id', '=', actor.userId)
    .executeTakeFirstOrThrow();
  return c.json(serializeUser(user));
});
