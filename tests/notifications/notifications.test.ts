import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/password.js';
import { dispatchOutbox } from '../../src/mail/dispatcher.js';
import { createMailer, type Mailer } from '../../src/mail/transport.js';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');
const ROLES: [string, string][] = [
  ['viewer', momo.viewer], ['client', momo.client], ['operator', momo.operator], ['manager', momo.manager], ['admin', momo.admin], ['super_admin', SUPER_ADMIN],
];

interface NotificationJson {
  id: number;
  process_id: number;
  direction: string;
  subject: string;
  message: string;
  sent_by: number | null;
  sender_name: string | null;
  recipients: number;
  bounces: number;
  delivered: number | null;
  pending: number;
  sent_at: string;
  deliveries?: { to: string; status: string }[] | null;
}

interface ErrorJson {
  error: { code: string; message: string; fields?: Record<string, string> };
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

type Table = 'notifications' | 'audit_log' | 'email_outbox' | 'notification_reads';

async function count(t: TestApp, table: Table, where?: (q: any) => any): Promise<number> {
  let q: any = t.db.selectFrom(table).select(sql<number>`count(*)`.as('n'));
  if (where) q = where(q);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

async function snapshot(t: TestApp) {
  return Promise.all((['notifications', 'audit_log', 'email_outbox'] as Table[]).map((tb) => count(t, tb)));
}

describe.each(DIALECTS)('client notifications on %s', (dialect) => {
  let t: TestApp;
  let sink: SmtpSink;
  let mailer: Mailer;
  let momoId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    sink = await startSmtpSink({ rejectRecipients: ['bounce@momo-partner.example'] });
    mailer = createMailer(sink.smtpConfig());
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    await t.db.deleteFrom('email_outbox').execute();
    t.clock.advance(60_000);
  });
  afterAll(async () => {
    mailer?.close();
    await sink?.stop();
    await t?.close();
  });

  const deliver = () => dispatchOutbox(t.db, mailer, t.clock.now());

  async function post(email: string, path: string, fields: Record<string, string>, htmx = true) {
    const headers: Record<string, string> = { cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded' };
    if (htmx) headers['hx-request'] = 'true';
    return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  }

  async function get(email: string, path: string, hxTarget?: string) {
    const headers: Record<string, string> = { cookie: await t.cookie(email) };
    if (hxTarget) Object.assign(headers, { 'hx-request': 'true', 'hx-target': hxTarget });
    return t.request(path, { headers });
  }

  const bellCount = async (email: string) => {
    const res = await get(email, '/notifications/bell/count', 'bell-count');
    expect(res.status).toBe(200);
    return Number(/data-count="(\d+)"/.exec(await res.text())![1]);
  };

  it('an operator notifies every active client of the process: 201, audit, one email per client tied to the record', async () => {
    const res = await t.api(momo.operator, 'POST', '/notifications', { subject: 'Planned maintenance tonight', message: 'Payments pause 02:00-02:10.\n\nNo action needed.' });
    expect(res.status).toBe(201);
    const n = await json<NotificationJson>(res);
    expect(n).toMatchObject({ direction: 'ops_to_client', subject: 'Planned maintenance tonight', process_id: momoId, recipients: 1, bounces: 0, pending: 1, sender_name: 'Momo Operator' });
    expect(n.sent_at).toBe(t.clock.now().toISOString());
    const mails = await t.db.selectFrom('email_outbox').select(['to_address', 'notification_id', 'template']).where('notification_id', '=', n.id).execute();
    expect(mails).toEqual([{ to_address: momo.client, notification_id: n.id, template: 'notification.ops_to_client' }]);
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'notification.send').where('entity_id', '=', n.id))).toBe(1);

    await deliver();
    const got = sink.to(momo.client);
    expect(got.length).toBe(1);
    expect(got[0].subject).toBe('Planned maintenance tonight');
    expect(got[0].text).toContain('No action needed.');
    const after = await json<NotificationJson>(await t.api(momo.operator, 'GET', `/notifications/${n.id}`));
    expect(after).toMatchObject({ recipients: 1, bounces: 0, delivered: 1, pending: 0 });
    expect(after.deliveries).toEqual([{ to: momo.client, status: 'sent', sent_at: t.clock.now().toISOString() }]);
  });

  it('a client messages the ops team: its managers and admins get it; a viewer may not send', async () => {
    const res = await t.api(momo.client, 'POST', '/notifications', { subject: 'Customers see failed top-ups', message: 'Since 09:00, about 1 in 10.' });
    expect(res.status).toBe(201);
    const n = await json<NotificationJson>(res);
    expect(n).toMatchObject({ direction: 'client_to_ops', recipients: 2 });
    const to = (await t.db.selectFrom('email_outbox').select('to_address').where('notification_id', '=', n.id).execute()).map((r) => r.to_address).sort();
    expect(to).toEqual([momo.admin, momo.manager].sort());

    const before = await snapshot(t);
    const denied = await t.api(momo.viewer, 'POST', '/notifications', { subject: 'x', message: 'y' });
    expect(denied.status).toBe(403);
    expect((await post(momo.viewer, '/notifications', { subject: 'x', message: 'y' })).status).toBe(403);
    expect((await get(momo.viewer, '/notifications/new', 'modal')).status).toBe(403);
    expect(await snapshot(t)).toEqual(before);
  });

  it('counts a bounce when the SMTP server rejects a recipient, as delivery happens', async () => {
    await t.db.insertInto('users').values({
      process_id: momoId, email: 'bounce@momo-partner.example', name: 'Bouncing Client', password_hash: await hashPassword('Bounce123'), role: 'client',
      is_active: true, must_change_password: false, tokens_valid_after: new Date(0), created_at: t.clock.now(), updated_at: t.clock.now(),
    }).execute();
    await deliver();
    const n = await json<NotificationJson>(await t.api(momo.manager, 'POST', '/notifications', { subject: 'Gateway restored', message: 'All clear.' }));
    expect(n).toMatchObject({ recipients: 2, bounces: 0, pending: 2 });
    const result = await deliver();
    expect(result).toMatchObject({ sent: 1, bounced: 1 });
    const after = await json<NotificationJson>(await t.api(momo.manager, 'GET', `/notifications/${n.id}`));
    expect(after).toMatchObject({ recipients: 2, bounces: 1, delivered: 1, pending: 0 });
    expect(after.deliveries?.find((d) => d.to === 'bounce@momo-partner.example')?.status).toBe('bounced');
    const stored = await t.db.selectFrom('notifications').select(['bounces', 'recipients']).where('id', '=', n.id).executeTakeFirstOrThrow();
    expect(stored).toEqual({ bounces: 1, recipients: 2 });
    const list = await (await get(momo.manager, '/notifications', 'notification-list')).text();
    const row = list.slice(list.indexOf(`data-notification="${n.id}"`));
    expect(row.slice(0, row.indexOf('</tr>'))).toMatch(/data-testid="bounces"[^>]*>.*>1<\/span>/s);
  });

  it('sends a message at its longest even when HTML escaping makes the email larger than a MySQL TEXT (was a 500)', async () => {
    const message = '"'.repeat(10_000);
    const res = await t.api(momo.operator, 'POST', '/notifications', { subject: '"'.repeat(200), message });
    expect(res.status).toBe(201);
    const n = await json<NotificationJson>(res);
    expect(n.message).toBe(message);
    const [mail] = await t.db.selectFrom('email_outbox').select(['html', 'text']).where('notification_id', '=', n.id).execute();
    expect(mail.text).toContain(message);
    expect(mail.html === null || Buffer.byteLength(mail.html) <= 65_535).toBe(true);
  });

  it('refuses bad input with 422/409 and changes nothing', async () => {
    const before = await snapshot(t);
    const cases: [unknown, string[]][] = [
      [{}, ['subject', 'message']],
      [{ subject: '  ', message: '' }, ['subject', 'message']],
      [{ subject: 'x'.repeat(201), message: 'ok' }, ['subject']],
      [{ subject: 'ok', message: 'x'.repeat(10_001) }, ['message']],
      [{ subject: 5, message: { a: 1 } }, ['subject', 'message']],
    ];
    for (const [body, fields] of cases) {
      const res = await t.api(momo.operator, 'POST', '/notifications', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(Object.keys((await json<ErrorJson>(res)).error.fields ?? {}).sort()).toEqual(fields.sort());
    }
    expect((await t.api(momo.operator, 'POST', '/notifications', '{oops')).status).toBe(400);
    // The super admin viewing every process must say which one.
    const noProcess = await t.api(SUPER_ADMIN, 'POST', '/notifications', { subject: 'Hi', message: 'There' });
    expect(noProcess.status).toBe(422);
    expect((await t.api(SUPER_ADMIN, 'POST', '/notifications', { subject: 'Hi', message: 'There', process_id: 999999 })).status).toBe(422);
    // A process without active clients: nothing to send to.
    await t.db.updateTable('users').set({ is_active: false }).where('email', '=', 'stakeholder@sanlam.com').execute();
    const empty = await t.api('admin.sanlam@d2ctelcare.com', 'POST', '/notifications', { subject: 'Hi', message: 'There' });
    expect(empty.status).toBe(409);
    expect((await json<ErrorJson>(empty)).error.message).toContain('no active client stakeholders');
    await t.db.updateTable('users').set({ is_active: true }).where('email', '=', 'stakeholder@sanlam.com').execute();
    expect(await snapshot(t)).toEqual(before);
    expect((await t.api(momo.operator, 'GET', '/notifications?direction=sideways')).status).toBe(400);
    expect((await t.api(momo.operator, 'GET', '/notifications/abc')).status).toBe(404);
  });

  it('each role sees the right notifications; another process’s answer 404; a client sees broadcasts and only its own messages', async () => {
    const fromIgnite = await json<NotificationJson>(await t.api(ignite.client, 'POST', '/notifications', { subject: 'Ignite private note', message: 'x' }));
    for (const [role, email] of ROLES) {
      const res = await t.api(email, 'GET', '/notifications?limit=200');
      expect(res.status, role).toBe(200);
      const items = (await json<{ items: NotificationJson[] }>(res)).items;
      if (role === 'super_admin') {
        expect(items.some((i) => i.id === fromIgnite.id)).toBe(true);
        continue;
      }
      expect(items.every((i) => i.process_id === momoId), role).toBe(true);
      expect((await t.api(email, 'GET', `/notifications/${fromIgnite.id}`)).status, role).toBe(404);
      if (role === 'client') {
        const clientId = (await t.db.selectFrom('users').select('id').where('email', '=', momo.client).executeTakeFirstOrThrow()).id;
        expect(items.every((i) => i.direction === 'ops_to_client' || i.sent_by === clientId)).toBe(true);
      } else {
        expect(items.some((i) => i.direction === 'client_to_ops')).toBe(true);
      }
      const page = await t.page(email, '/notifications');
      expect(page.status, role).toBe(200);
      const html = await page.text();
      for (const col of ['Direction', 'Subject', 'Sent By', 'Recipients', 'Bounces', 'Sent At']) expect(html).toContain(col);
      expect(html).toContain('To Client');
      if (role === 'viewer') expect(html).not.toContain('data-testid="send-notification"');
      if (role === 'client') expect(html).toContain('Message the ops team');
      if (['operator', 'manager', 'admin', 'super_admin'].includes(role)) expect(html).toContain('Send Notification');
    }
    // Another process's client sees none of Momo's.
    const theirs = (await json<{ items: NotificationJson[] }>(await t.api(ignite.client, 'GET', '/notifications'))).items;
    expect(theirs.every((i) => i.process_id !== momoId)).toBe(true);
    const igniteClientMessage = await t.api(ignite.client, 'GET', `/notifications/${fromIgnite.id}`);
    expect((await json<NotificationJson>(igniteClientMessage)).deliveries).toBeNull();
  });

  it('the send modal warns as Figure 6.9b; sending through htmx closes it with a toast; errors stay in the form, escaped', async () => {
    const modal = await get(momo.operator, '/notifications/new', 'modal');
    expect(modal.status).toBe(200);
    const html = await modal.text();
    expect(html).toContain('This will send an email to all client stakeholders in your process');
    expect(html).toContain('role="dialog"');
    const clientModal = await (await get(momo.client, '/notifications/new', 'modal')).text();
    expect(clientModal).toContain('managers and admins of your process');

    const bad = await post(momo.operator, '/notifications', { subject: '<script>alert(1)</script>', message: '' });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain('Message is required.');
    expect(badHtml).not.toContain('<script>alert(1)</script>');

    const ok = await post(momo.operator, '/notifications', { subject: '<b>Bold</b> & plain', message: 'Body <i>text</i>' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('hx-trigger')).toContain('Sent to');
    expect(ok.headers.get('hx-trigger')).toContain('notifications:changed');
    expect(ok.headers.get('hx-retarget')).toBe('#modal');
    const list = await (await get(momo.viewer, '/notifications', 'notification-list')).text();
    expect(list).toContain('&lt;b&gt;Bold&lt;/b&gt; &amp; plain');
    expect(list).not.toContain('<b>Bold</b>');
    const id = Number(/data-notification="(\d+)"/.exec(list)![1]);
    const detail = await (await get(momo.viewer, `/notifications/${id}`, 'modal')).text();
    expect(detail).toContain('Body &lt;i&gt;text&lt;/i&gt;');
    expect(detail).toContain('Delivery');
    const clientDetail = await (await get(momo.client, `/notifications/${id}`, 'modal')).text();
    expect(clientDetail).not.toContain('data-testid="deliveries"');
  });

  it('POST /notifications as each role, and as an operator of another process (whose process_id is ignored)', async () => {
    const igniteId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'ignite').executeTakeFirstOrThrow()).id;
    const expected: [string, string, number, string | null][] = [
      ['viewer', momo.viewer, 403, null], ['client', momo.client, 201, 'client_to_ops'], ['operator', momo.operator, 201, 'ops_to_client'],
      ['manager', momo.manager, 201, 'ops_to_client'], ['admin', momo.admin, 201, 'ops_to_client'], ['super_admin', SUPER_ADMIN, 201, 'ops_to_client'],
      ['other process operator', ignite.operator, 201, 'ops_to_client'],
    ];
    for (const [role, who, status, direction] of expected) {
      const res = await t.api(who, 'POST', '/notifications', { subject: `Matrix ${role}`, message: 'm', process_id: momoId });
      expect(res.status, role).toBe(status);
      if (status !== 201) continue;
      const n = await json<NotificationJson>(res);
      expect(n.direction, role).toBe(direction);
      expect(n.process_id, role).toBe(who === ignite.operator ? igniteId : momoId);
      const modal = await get(who, '/notifications/new', 'modal');
      expect(modal.status, role).toBe(200);
      expect((await get(who, `/notifications/${n.id}`, 'modal')).status, role).toBe(200);
      if (who !== ignite.operator && who !== SUPER_ADMIN) expect((await t.api(ignite.operator, 'GET', `/notifications/${n.id}`)).status, role).toBe(404);
    }
  });

  it('the bell shows unread notifications for the signed-in user; opening it marks them read', async () => {
    // Start from a clean slate for these users.
    await t.db.deleteFrom('notification_reads').execute();
    for (const email of [...ROLES.map(([, e]) => e), ignite.manager, ignite.client]) await t.api(email, 'POST', '/notifications/read');
    expect(await bellCount(momo.client)).toBe(0);
    expect(await bellCount(momo.manager)).toBe(0);

    t.clock.advance(60_000);
    await t.api(momo.operator, 'POST', '/notifications', { subject: 'Bell test one', message: 'x' });
    await t.api(momo.admin, 'POST', '/notifications', { subject: 'Bell test two', message: 'y' });
    expect(await bellCount(momo.client)).toBe(2);
    expect((await json<{ unread: number }>(await t.api(momo.client, 'GET', '/notifications/unread'))).unread).toBe(2);
    // Broadcasts to clients are not for the staff's bell; a sender never counts their own.
    expect(await bellCount(momo.operator)).toBe(0);
    expect(await bellCount(ignite.client)).toBe(0);

    await t.api(momo.client, 'POST', '/notifications', { subject: 'Bell test from client', message: 'z' });
    for (const email of [momo.manager, momo.admin, momo.operator, momo.viewer]) expect(await bellCount(email), email).toBe(1);
    expect(await bellCount(momo.client)).toBe(2);
    expect(await bellCount(SUPER_ADMIN)).toBeGreaterThanOrEqual(1);
    expect(await bellCount(ignite.manager)).toBe(0);

    const open = await post(momo.client, '/notifications/bell/open', {});
    expect(open.status).toBe(200);
    const panel = await open.text();
    expect(panel).toContain('Bell test one');
    expect(panel).toContain('Bell test two');
    expect(panel).not.toContain('Bell test from client');
    expect((panel.match(/data-unread="true"/g) ?? []).length).toBe(2);
    expect(panel).toContain('hx-swap-oob="true"');
    expect(await bellCount(momo.client)).toBe(0);
    // Opening again: nothing new, the items stay listed as read.
    const again = await (await post(momo.client, '/notifications/bell/open', {})).text();
    expect((again.match(/data-unread="true"/g) ?? []).length).toBe(0);
    expect(again).toContain('Bell test one');
    // The manager's bell is untouched by the client's.
    expect(await bellCount(momo.manager)).toBe(1);
    expect((await json<{ marked: number }>(await t.api(momo.manager, 'POST', '/notifications/read'))).marked).toBe(1);
    expect(await bellCount(momo.manager)).toBe(0);

    // Every role gets a bell; signed out it quietly answers nothing.
    for (const [role, email] of ROLES) {
      expect((await get(email, '/notifications/bell/count', 'bell-count')).status, role).toBe(200);
      expect((await post(email, '/notifications/bell/open', {})).status, role).toBe(200);
      const page = await (await t.page(email, '/')).text();
      expect(page, role).toContain('hx-get="/notifications/bell/count"');
      expect(page, role).toContain('href="/profile"');
    }
    expect((await t.request('/notifications/bell/count', { headers: { 'hx-request': 'true' } })).status).toBe(204);
    expect((await t.request('/notifications/bell/open', { method: 'POST', headers: { 'hx-request': 'true', origin: BASE } })).status).toBe(204);
    expect((await t.api(null, 'GET', '/notifications')).status).toBe(401);
  });
});
