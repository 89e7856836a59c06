import { Hono } from 'hono';
import { PasswordPage } from '../../../views/account/PasswordPage.js';
import { requireAuth, setSessionCookie } from '../../auth/session.js';
import { issueToken } from '../../auth/tokens.js';
import { DomainError } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, renderPage, shellProps } from '../../http/render.js';
import { changeOwnPassword } from './service.js';

/**
 * A token issued just after the password change at `now`, which revoked every older one: the session
 * (page) or client (API) that made the change carries on with it.
 */
function tokenAfterChange(c: Ctx, now: Date): Promise<string> {
  const actor = actorOf(c);
  const claims = { userId: actor.userId, processId: actor.processId, role: actor.role, processSlug: actor.processSlug };
  return issueToken(claims, c.get('deps').config.jwtSecret, new Date(now.getTime() + 1));
}

export const accountPages = new Hono<AppEnv>();

accountPages.get('/account/password', requireAuth, async (c) => {
  const actor = actorOf(c);
  return renderPage(c, <PasswordPage shell={await shellProps(c, 'Change password')} required={Boolean(actor.mustChangePassword)} />);
});

accountPages.post('/account/password', requireAuth, async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const form = await readForm(c);
  const now = clock();
  try {
    await changeOwnPassword(db, actor, form, now);
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 422) throw err;
    return renderPage(c, <PasswordPage shell={await shellProps(c, 'Change password')} required={Boolean(actor.mustChangePassword)} errors={err.fields} />, 422);
  }
  setSessionCookie(c, await tokenAfterChange(c, now));
  flash(c, 'Your password has been changed.');
  return c.redirect('/', 302);
});

export const accountApi = new Hono<AppEnv>();

/**
 * The API twin of the password page, and the way out for an API client whose account must change
 * its default password: `{current_password, new_password}` -> 200 `{token}`, a token issued after
 * the change (every older one, this request's included, stops working).
 */
accountApi.post('/me/password', requireAuth, async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const body = await readJson(c);
  const now = clock();
  // The API asks for the new password once; the page's confirmation field guards against typos.
  await changeOwnPassword(db, actor, { ...body, confirm_password: body.confirm_password ?? body.new_password }, now);
  return c.json({ token: await tokenAfterChange(c, now) }, 200);
});
