import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { session } from '../../src/auth/session.js';
import type { Deps } from '../../src/deps.js';
import { DomainError } from '../../src/errors.js';
import { apiError } from '../../src/http/api.js';
import type { AppEnv, Ctx } from '../../src/http/env.js';
import { crossOriginProtection } from '../../src/http/security.js';
import { enqueueEmails } from '../../src/mail/outbox.js';
import { emailLogApi, emailLogPages } from '../../src/modules/email-log/routes.js';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * The Email Log routes on the platform's real middleware (session, CSRF, error mapping), mounted on
 * their own app so the test does not depend on how the lead wires them into createApp.
 */
function emailLogApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('requestId', 'test');
    await next();
  });
  app.use('*', session);
  app.use('*', crossOriginProtection(deps.config.appUrl));
  app.route('/', emailLogPages);
  app.route('/api/v1', emailLogApi);
  app.onError((err, c) => {
    if (err instanceof DomainError) {
      if (c.req.path.startsWith('/api/')) return apiError(c as Ctx, err);
      return c.text(err.message, err.status);
    }
    throw err;
  });
  return app;
}

interface ListBody {
  items: { id: number; process_id: number | null; to_address: string; subject: string; status: string; created_at: string }[];
  next_cursor: string | null;
}

describe.each(DIALECTS)('Email Log on %s', (dialect) => {
  let t: TestApp;
  let app: Hono<AppEnv>;
  let momoId: number;
  let igniteId: number;
  const momo = accountsOf('momo');
  const ignite = accountsOf('ignite');

  const request = (path: string, init: RequestInit = {}, a: Hono<AppEnv> = app) => Promise.resolve(a.request(`${BASE}${path}`, init));
  const page = async (email: string, path: string, a?: Hono<AppEnv>) =>
    request(path, { headers: { cookie: await t.cookie(email) } }, a);
  const post = async (email: string, path: string, headers: Record<string, string> = {}) =>
    request(path, { method: 'POST', headers: { cookie: await t.cookie(email), origin: BASE, ...headers } });
  const api = async (email: string, path: string, method = 'GET') =>
    request(`/api/v1${path}`, { method, headers: { authorization: `Bearer ${await t.token(email)}` } });
  const rowOf = (subject: string) => t.db.selectFrom('email_outbox').selectAll().where('subject', '=', subject).executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await createTestApp(dialect);
    app = emailLogApp(t.deps);
    const ps = await t.db.selectFrom('processes').select(['id', 'slug']).execute();
    momoId = ps.find((p) => p.slug === 'momo')!.id;
    igniteId = ps.find((p) => p.slug === 'ignite')!.id;
  });
  afterAll(async () => t?.close());

  beforeEach(async () => {
    await t.db.deleteFrom('email_outbox').execute();
    const now = t.clock.now();
    const mail = (processId: number, to: string, subject: string) => ({
      to, subject, html: `<p>${subject}</p>`, text: subject, template: 'test.log', processId,
    });
    await enqueueEmails(t.db, [
      mail(momoId, 'ops.momo@d2ctelcare.com', 'Momo queued mail'),
      mail(momoId, 'mgr.momo@d2ctelcare.com', 'Momo failed mail'),
      mail(momoId, 'viewer.momo@d2ctelcare.com', 'Momo sent mail'),
      mail(momoId, 'nobody@momo.com', 'Momo bounced <b>mail</b>'),
      mail(igniteId, 'ops.ignite@d2ctelcare.com', 'Ignite failed mail'),
    ], now);
    await t.db.updateTable('email_outbox').set({ status: 'failed', attempts: 8, last_error: 'EENVELOPE: 554 nope '.repeat(20) })
      .where('subject', 'in', ['Momo failed mail', 'Ignite failed mail']).execute();
    await t.db.updateTable('email_outbox').set({ status: 'sent', attempts: 1, sent_at: now }).where('subject', '=', 'Momo sent mail').execute();
    await t.db.updateTable('email_outbox').set({ status: 'bounced', attempts: 1, last_error: '550 user unknown' })
      .where('subject', '=', 'Momo bounced <b>mail</b>').execute();
  });

  it('shows an admin the emails of their own process only', async () => {
    const res = await page(momo.admin, '/email-log');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Momo queued mail');
    expect(html).toContain('Momo failed mail');
    expect(html).toContain('Momo bounced &lt;b&gt;mail&lt;/b&gt;');
    expect(html).not.toContain('Momo bounced <b>mail</b>');
    expect(html).not.toContain('Ignite failed mail');
    expect(html).toContain('<time');
    expect(html).toMatch(/data-count="all"[^>]*>4</);
    expect(html).toMatch(/data-count="failed"[^>]*>1</);
    // The last error is truncated, with the whole text in the title.
    expect(html).toContain(`title="${'EENVELOPE: 554 nope '.repeat(20)}"`);
    // Retry only where it makes sense.
    const failed = await rowOf('Momo failed mail');
    const sent = await rowOf('Momo sent mail');
    expect(html).toContain(`action="/email-log/${failed.id}/retry"`);
    expect(html).not.toContain(`action="/email-log/${sent.id}/retry"`);

    const other = await (await page(ignite.admin, '/email-log')).text();
    expect(other).toContain('Ignite failed mail');
    expect(other).not.toContain('Momo queued mail');
  });

  it('shows a super admin every process', async () => {
    const html = await (await page(SUPER_ADMIN, '/email-log')).text();
    expect(html).toContain('Momo queued mail');
    expect(html).toContain('Ignite failed mail');
    expect(html).toMatch(/data-count="all"[^>]*>5</);
    const body = (await (await api(SUPER_ADMIN, '/email-log')).json()) as ListBody;
    expect(body.items.map((i) => i.process_id).sort()).toEqual([momoId, momoId, momoId, momoId, igniteId].sort());
  });

  it.each(['operator', 'viewer', 'client', 'manager'] as const)('answers 403 to a %s', async (role) => {
    expect((await page(momo[role], '/email-log')).status).toBe(403);
    expect((await api(momo[role], '/email-log')).status).toBe(403);
    const failed = await rowOf('Momo failed mail');
    expect((await post(momo[role], `/email-log/${failed.id}/retry`)).status).toBe(403);
    expect((await rowOf('Momo failed mail')).status).toBe('failed');
  });

  it('sends a signed-out visitor to the sign-in page', async () => {
    const res = await request('/email-log');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain('/login');
  });

  it('filters by status and by recipient or subject text', async () => {
    const failedOnly = await (await page(momo.admin, '/email-log?status=failed')).text();
    expect(failedOnly).toContain('Momo failed mail');
    expect(failedOnly).not.toContain('Momo queued mail');
    expect(failedOnly).toMatch(/data-tab="failed"[^>]*aria-current="page"|aria-current="page"[^>]*data-tab="failed"/);

    const byRecipient = await (await page(momo.admin, '/email-log?q=NOBODY@momo')).text();
    expect(byRecipient).toContain('Momo bounced');
    expect(byRecipient).not.toContain('Momo queued mail');

    const wildcard = await (await page(momo.admin, '/email-log?q=%25')).text();
    expect(wildcard).toContain('No emails match');

    const api1 = (await (await api(momo.admin, '/email-log?status=bounced')).json()) as ListBody;
    expect(api1.items.map((i) => i.subject)).toEqual(['Momo bounced <b>mail</b>']);
    expect((await api(momo.admin, '/email-log?status=nonsense')).status).toBe(400);
  });

  it('pages with a keyset cursor, newest first', async () => {
    const first = (await (await api(momo.admin, '/email-log?limit=3')).json()) as ListBody;
    expect(first.items).toHaveLength(3);
    expect(first.next_cursor).toBeTruthy();
    const ids = first.items.map((i) => i.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    const second = (await (await api(momo.admin, `/email-log?limit=3&cursor=${first.next_cursor}`)).json()) as ListBody;
    expect(second.items).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
    expect(ids).not.toContain(second.items[0].id);
    expect(second.items[0].created_at).toMatch(/Z$/);
    expect((await api(momo.admin, '/email-log?cursor=garbage')).status).toBe(400);
  });

  it('retries a failed email of the own process and answers 404 for another process', async () => {
    const foreign = await rowOf('Ignite failed mail');
    expect((await post(momo.admin, `/email-log/${foreign.id}/retry`)).status).toBe(404);
    expect((await api(momo.admin, `/email-log/${foreign.id}/retry`, 'POST')).status).toBe(404);
    expect((await rowOf('Ignite failed mail')).status).toBe('failed');
    expect((await post(momo.admin, '/email-log/999999/retry')).status).toBe(404);

    t.clock.advance(60_000);
    const failed = await rowOf('Momo failed mail');
    const res = await post(momo.admin, `/email-log/${failed.id}/retry`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/email-log');
    const after = await rowOf('Momo failed mail');
    expect(after.status).toBe('queued');
    expect(after.attempts).toBe(0);
    expect(after.next_attempt_at.toISOString()).toBe(t.clock.now().toISOString());
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'email.retry').where('entity_id', '=', failed.id).execute();
    expect(audit).toHaveLength(1);

    // A queued or sent email cannot be retried.
    expect((await post(momo.admin, `/email-log/${failed.id}/retry`)).status).toBe(409);
    const sent = await rowOf('Momo sent mail');
    expect((await api(momo.admin, `/email-log/${sent.id}/retry`, 'POST')).status).toBe(409);
  });

  it('swaps the row in place for htmx and lets a super admin retry any process', async () => {
    const bounced = await rowOf('Momo bounced <b>mail</b>');
    const res = await post(momo.admin, `/email-log/${bounced.id}/retry`, { 'hx-request': 'true' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<tr')).toBe(true);
    expect(html).toContain('data-status="queued"');
    expect(res.headers.get('hx-trigger')).toContain('toast');

    const foreign = await rowOf('Ignite failed mail');
    const apiRes = await api(SUPER_ADMIN, `/email-log/${foreign.id}/retry`, 'POST');
    expect(apiRes.status).toBe(200);
    expect(((await apiRes.json()) as { status: string }).status).toBe('queued');
  });

  it('says when SMTP is not configured, and not when it is', async () => {
    expect(t.deps.config.smtp).toBeNull();
    const without = await (await page(momo.admin, '/email-log')).text();
    expect(without).toContain('SMTP is not configured');
    const configured = emailLogApp({
      ...t.deps,
      config: { ...t.deps.config, smtp: { host: '127.0.0.1', port: 2525, from: 'ops@example.com', ignoreTls: true } },
    });
    const withSmtp = await (await page(momo.admin, '/email-log', configured)).text();
    expect(withSmtp).not.toContain('SMTP is not configured');
    expect(withSmtp).toContain('Momo queued mail');
  });
});
