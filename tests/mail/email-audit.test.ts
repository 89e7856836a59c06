import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { dispatchOutbox } from '../../src/mail/dispatcher.js';
import { createMailer, messageIdDomain, type Mailer } from '../../src/mail/transport.js';
import { insertApproval } from '../../src/modules/approvals/service.js';
import { accountsOf, BASE, createTestApp, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { startSmtpSink, type ReceivedMessage, type SmtpSink } from '../helpers/smtp.js';

const momo = accountsOf('momo');
const ZONE = 'Africa/Johannesburg';

/**
 * What a recipient reads in the emails of the matrix, received by a real SMTP server: the subject,
 * the times (in the process's zone, named) and where the link leads.
 */
describe.each(DIALECTS)('emails as received on %s', (dialect) => {
  let t: TestApp;
  let sink: SmtpSink;
  let mailer: Mailer;
  let momoId: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    sink = await startSmtpSink();
    mailer = createMailer(sink.smtpConfig());
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    mailer?.close();
    await sink?.stop();
    await t?.close();
  });
  beforeEach(async () => {
    await dispatchOutbox(t.db, mailer, t.clock.now());
    sink.clear();
  });

  const deliver = async () => {
    await dispatchOutbox(t.db, mailer, t.clock.now());
    const got = [...sink.messages];
    sink.clear();
    return got;
  };
  const userId = async (email: string) => (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
  const only = (msgs: ReceivedMessage[], to: string) => {
    const mine = msgs.filter((m) => m.envelopeTo.includes(to));
    expect(mine).toHaveLength(1);
    return mine[0];
  };
  /** The "View …" link of a received email: the same in the HTML and the text part. */
  const linkOf = (m: ReceivedMessage) => {
    const href = /href="([^"]+)"/.exec(m.html ?? '')![1];
    expect(m.text).toContain(href);
    return href;
  };

  it('every incident email names the severity in its subject and shows its times in the process zone', async () => {
    t.clock.set('2026-05-09T08:00:00.000Z');
    const inc = (await (await t.api(momo.operator, 'POST', '/incidents', { title: 'Card payments failing', severity: 2 })).json()) as { id: number };
    const created = only(await deliver(), momo.manager);
    expect(created.subject).toBe('[Sev 2] New incident: Card payments failing');
    // 08:00 UTC is 10:00 in Johannesburg.
    expect(created.text).toMatch(new RegExp(`Opened: +9 May 2026, 10:00 \\(${ZONE}\\)`));
    expect(created.html).toContain(`9 May 2026, 10:00 (${ZONE})`);

    await t.api(momo.manager, 'PATCH', `/incidents/${inc.id}`, { assigned_to: await userId(momo.operator) });
    expect(only(await deliver(), momo.operator).subject).toBe('[Sev 2] Assigned to you: Card payments failing');

    t.clock.advance(5 * 60_000);
    await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { status: 'in_progress' });
    expect(only(await deliver(), momo.manager).subject).toBe('[Sev 2] In progress: Card payments failing');

    t.clock.advance(12 * 60_000);
    await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { status: 'resolved' });
    const resolved = only(await deliver(), momo.client);
    expect(resolved.subject).toBe('[Sev 2] Resolved: Card payments failing (resolved in 17m)');
    expect(resolved.text).toMatch(new RegExp(`Resolved: +9 May 2026, 10:17 \\(${ZONE}\\)`));
    expect(resolved.html).toContain(`9 May 2026, 10:17 (${ZONE})`);
    expect(linkOf(resolved)).toBe(`${BASE}/incidents/${inc.id}`);
  });

  it('downtime, approval and handover emails link to their own record, which is on the page the link opens', async () => {
    const dt = (await (await t.api(momo.operator, 'POST', '/downtime', {
      started_at: t.clock.now().toISOString(), services_affected: ['USSD'], impact_level: 'medium',
    })).json()) as { id: number };
    const reported = only(await deliver(), momo.manager);
    expect(linkOf(reported)).toBe(`${BASE}/downtime#downtime-${dt.id}`);
    t.clock.advance(60 * 60_000);
    await t.api(momo.operator, 'PATCH', `/downtime/${dt.id}`, { ended_at: t.clock.now().toISOString() });
    const ended = only(await deliver(), momo.admin);
    expect(ended.text).toContain('The downtime in Momo was ended by Momo Operator after 1h 0m.');
    expect(linkOf(ended)).toBe(`${BASE}/downtime#downtime-${dt.id}`);
    expect(await (await t.page(momo.admin, '/downtime')).text()).toContain(`id="downtime-${dt.id}"`);

    const ap = (await (await t.api(momo.operator, 'POST', '/approvals', { type: 'change', title: 'Rotate TLS certs' })).json()) as { id: number };
    expect(linkOf(only(await deliver(), momo.manager))).toBe(`${BASE}/approvals#approval-${ap.id}`);
    expect(await (await t.page(momo.manager, '/approvals')).text()).toContain(`id="approval-${ap.id}"`);
    await t.api(momo.manager, 'PATCH', `/approvals/${ap.id}`, { status: 'approved' });
    expect(linkOf(only(await deliver(), momo.operator))).toBe(`${BASE}/approvals#approval-${ap.id}`);
    expect(await (await t.page(momo.operator, '/approvals')).text()).toContain(`id="approval-${ap.id}"`);

    const ho = (await (await t.api(momo.operator, 'POST', '/handovers', {
      shift: 'Night', handover_time: t.clock.now().toISOString(), recipient_id: await userId(momo.manager),
      open_incidents: 'None', actions_taken: 'Watched the queues',
    })).json()) as { id: number };
    expect(linkOf(only(await deliver(), momo.manager))).toBe(`${BASE}/handovers#handover-${ho.id}`);
    expect(await (await t.page(momo.manager, '/handovers')).text()).toContain(`id="handover-${ho.id}"`);
    await t.api(momo.manager, 'PATCH', `/handovers/${ho.id}`, { acknowledged: true });
    expect(linkOf(only(await deliver(), momo.operator))).toBe(`${BASE}/handovers#handover-${ho.id}`);
  });

  it('a refused registrant is not sent a link to a page they cannot sign in to', async () => {
    const now = t.clock.now();
    const email = `refused-${dialect}@momo.example`;
    const subject = Number((await t.db.insertInto('users').values({
      process_id: momoId, email, name: 'Refused Person', password_hash: null, role: 'client',
      is_active: false, must_change_password: false, tokens_valid_after: new Date(0), created_at: now, updated_at: now,
    }).executeTakeFirstOrThrow()).insertId);
    const approvalId = await t.db.transaction().execute((trx) => insertApproval(trx, null, {
      processId: momoId, type: 'access', title: 'Access for Refused Person', details: null, submittedBy: subject, subjectUserId: subject,
    }, now, { appUrl: BASE }));
    await deliver();
    await t.api(momo.manager, 'PATCH', `/approvals/${approvalId}`, { status: 'rejected' });
    const mail = only(await deliver(), email);
    expect(mail.subject).toBe('Your access request was rejected: Access for Refused Person');
    expect(mail.html).not.toContain('/approvals');
    expect(mail.text).not.toContain('/approvals');
    expect(mail.text).toContain('Your account was not activated, so you cannot sign in.');
  });

  it('sends from the SMTP_FROM address with a Message-ID and a Date, also when SMTP_FROM is written "Name <address>"', async () => {
    const config = loadConfig({
      NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, DATA_DIR: '/tmp/d2c-test-data', APP_URL: BASE,
      SMTP_HOST: sink.host, SMTP_PORT: String(sink.port), SMTP_IGNORE_TLS: 'on', SMTP_FROM: 'Ops Team <noreply@ops.example.com>',
    });
    const configured = createMailer(config.smtp!);
    try {
      await t.api(momo.operator, 'POST', '/incidents', { title: 'Sender check', severity: 4 });
      const res = await dispatchOutbox(t.db, configured, t.clock.now(), { messageIdDomain: messageIdDomain(config.smtp) });
      expect(res.failed + res.retried).toBe(0);
      const mail = only(sink.messages, momo.manager);
      expect(mail.envelopeFrom).toBe('noreply@ops.example.com');
      expect(mail.from).toBe('D2C OPs Platform <noreply@ops.example.com>');
      expect(mail.messageId).toMatch(/^<outbox-\d+@ops\.example\.com>$/);
      expect(Number.isNaN(Date.parse(mail.headers.date))).toBe(false);
    } finally {
      configured.close();
      sink.clear();
    }
  });
});
