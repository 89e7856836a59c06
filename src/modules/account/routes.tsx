import { Hono } from 'hono';
import { PasswordPage } from '../../../views/account/PasswordPage.js';
import { requireAuth, setSessionCookie } from '../../auth/session.js';
import { issueToken } from '../../auth/tokens.js';
import { DomainError } from '../../errors.js';
import { readForm } from '../../http/api.js';
import { actorOf, type AppEnv } from '../../http/env.js';
import { flash, renderPage, shellProps } from '../../http/render.js';
import { changeOwnPassword } from './service.js';

export const accountPages = new Hono<AppEnv>();

accountPages.get('/account/password', requireAuth, async (c) => {
  const actor = actorOf(c);
  return renderPage(c, <PasswordPage shell={await shellProps(c, 'Change password')} required={Boolean(actor.mustChangePassword)} />);
});

accountPages.post('/account/password', requireAuth, async (c) => {
  const { db, clock, config } = c.get('deps');
  const actor = actorOf(c);
  const form = await readForm(c);
  const now = clock();
  try {
    await changeOwnPassword(db, actor, form, now);
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 422) throw err;
    return renderPage(c, <PasswordPage shell={await shellProps(c, 'Change password')} required={Boolean(actor.mustChangePassword)} errors={err.fields} />, 422);
  }
  // This session stays signed in with a token issued after the change; all older ones are revoked.
  setSessionCookie(c, await issueToken({ userId: actor.userId, processId: actor.processId, role: actor.role, processSlug: actor.processSlug }, config.jwtSecret, new Date(now.getTime() + 1)));
  flash(c, 'Your password has been changed.');
  return c.redirect('/', 302);
});
