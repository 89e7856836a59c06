import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertedId } from '../../src/db/index.js';
import { outboxJob, startJobs } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/log.js';
import { testConfig } from '../helpers/app.js';
import { backoffMs, classifySendError, dispatchOutbox, outboxMessageId, outboxStats } from '../../src/mail/dispatcher.js';
import { enqueueEmails, type OutgoingEmail } from '../../src/mail/outbox.js';
import { genericEmail } from '../../src/mail/templates.js';
import { createMailer, getMailer, messageIdDomain, transportOptions, type Mailer } from '../../src/mail/transport.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const DOMAIN = 'd2c-ops.test';
const HOUR = 3_600_000;

describe('transport settings', () => {
  const base = { host: 'smtp.example.com', port: 587, from: 'ops@d2ctelcare.com', ignoreTls: false };
  it('uses one pool of 5 connections, TLS on 465 and STARTTLS otherwise, auth only with a user', () => {
    const starttls = transportOptions(base);
    expect(starttls).toMatchObject({ pool: true, maxConnections: 5, secure: false, requireTLS: true, ignoreTLS: false });
    expect(starttls.auth).toBeUndefined();
    const tls = transportOptions({ ...base, port: 465, user: 'u', pass: 'p' });
    expect(tls).toMatchObject({ secure: true, requireTLS: false, auth: { user: 'u', pass: 'p' } });
    expect(transportOptions({ ...base, ignoreTls: true })).toMatchObject({ secure: false, requireTLS: false, ignoreTLS: true });
  });
  it('shares one mailer per configuration and derives the Message-ID domain from the sender', () => {
    expect(getMailer(base)).toBe(getMailer({ ...base }));
    expect(getMailer(base)).not.toBe(getMailer({ ...base, port: 2525 }));
    getMailer(base).close();
    getMailer({ ...base, port: 2525 }).close();
    expect(messageIdDomain(base)).toBe('d2ctelcare.com');
    expect(messageIdDomain(null)).toBe('d2c-ops.local');
  });
});

describe('backoff and error classification', () => {
  it('backs off exponentially from 30 s, capped at 1 h, with bounded jitter', () => {
    const mid = () => 0.5;
    expect(backoffMs(1, mid)).toBe(30_000);
    expect(backoffMs(2, mid)).toBe(60_000);
    expect(backoffMs(3, mid)).toBe(120_000);
    expect(backoffMs(8, mid)).toBe(HOUR);
    expect(backoffMs(50, mid)).toBe(HOUR);
    for (let i = 0; i < 200; i++) {
      const attempts = 1 + (i % 10);
      const ms = backoffMs(attempts);
      const nominal = Math.min(HOUR, 30_000 * 2 ** (attempts - 1));
      expect(ms).toBeGreaterThanOrEqual(nominal * 0.8 - 1);
      expect(ms).toBeLessThanOrEqual(Math.min(HOUR, nominal * 1.2) + 1);
    }
  });

  it('sorts SMTP failures into bounce, retry and give up', () => {
    expect(classifySendError({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', message: 'rejected' }).kind).toBe('bounced');
    expect(classifySendError({ code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO', message: 'later' }).kind).toBe('transient');
    expect(classifySendError({ code: 'EMESSAGE', responseCode: 554, command: 'DATA', message: 'spam' }).kind).toBe('permanent');
    expect(classifySendError({ code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM', message: 'sender' }).kind).toBe('permanent');
    expect(classifySendError({ code: 'EPROTOCOL', responseCode: 421, message: 'closing' }).kind).toBe('transient');
    expect(classifySendError({ code: 'ESOCKET', message: 'connect ECONNREFUSED' }).kind).toBe('transient');
    expect(classifySendError({ code: 'ETIMEDOUT', message: 'Greeting never received' }).kind).toBe('transient');
    expect(classifySendError(new Error('something odd')).kind).toBe('transient');
  });
});

describe.each(DIALECTS)('email outbox dispatcher on %s', (dialect) => {
  let t: TestDb;
  let sink: SmtpSink;
  let mailer: Mailer;
  let processId: number;
  let now: Date;

  const email = (to: string, subject: string, extra: Partial<OutgoingEmail> = {}): OutgoingEmail => {
    const rendered = genericEmail({ appUrl: 'http://localhost:3000', subject, heading: subject, lines: [`Hello ${to}`, 'Ünïcödé ✓ line'] });
    return { to, ...rendered, template: 'test.generic', processId, ...extra };
  };
  const rows = () => t.db.selectFrom('email_outbox').selectAll().orderBy('id').execute();
  const run = (opts: Parameters<typeof dispatchOutbox>[3] = {}) => dispatchOutbox(t.db, mailer, now, { messageIdDomain: DOMAIN, ...opts });

  beforeAll(async () => {
    t = await createTestDb(dialect);
    sink = await startSmtpSink();
    mailer = createMailer(sink.smtpConfig());
    const created = new Date('2026-05-01T00:00:00.000Z');
    processId = insertedId(await t.db.insertInto('processes').values({
      slug: 'momo', name: 'Momo', description: null, timezone: 'Africa/Johannesburg', created_at: created,
    }).executeTakeFirstOrThrow());
  });

  afterAll(async () => {
    mailer?.close();
    await sink?.stop();
    await t?.drop();
  });

  beforeEach(async () => {
    await t.db.deleteFrom('email_outbox').execute();
    sink.clear();
    sink.rejectRecipients.clear();
    sink.tempFail = false;
    if (!sink.running) await sink.start();
    now = new Date('2026-05-09T08:00:00.000Z');
  });

  it('delivers queued mail exactly once, with recipient, subject, Message-ID and text + html parts', async () => {
    await enqueueEmails(t.db, [
      email('a@example.com', 'First message'),
      email('b@example.com', 'Ünïcödé subject — “quoted” ✓ and a rather long tail so that the header gets folded and encoded'),
      email('c@example.com', 'Third message'),
    ], now);
    const result = await run();
    expect(result).toEqual({ sent: 3, bounced: 0, retried: 0, failed: 0 });
    expect(sink.messages).toHaveLength(3);

    const stored = await rows();
    for (const row of stored) {
      expect(row.status).toBe('sent');
      expect(row.sent_at?.toISOString()).toBe(now.toISOString());
      expect(row.attempts).toBe(1);
      expect(row.claimed_by).toBeNull();
      expect(row.message_id).toBe(outboxMessageId(row.id, DOMAIN));
      const got = sink.to(row.to_address);
      expect(got).toHaveLength(1);
      expect(got[0].subject).toBe(row.subject);
      expect(got[0].messageId).toBe(`<outbox-${row.id}@${DOMAIN}>`);
      expect(got[0].from).toContain('D2C OPs Platform');
      expect(got[0].text).toContain(`Hello ${row.to_address}`);
      expect(got[0].text).toContain('Ünïcödé ✓ line');
      expect(got[0].html).toContain('D2C Telcare | D2C OPs Platform');
      expect(got[0].html).toContain(`Hello ${row.to_address}`);
    }

    // Nothing is due any more: a second run sends nothing.
    expect(await run()).toEqual({ sent: 0, bounced: 0, retried: 0, failed: 0 });
    now = new Date(now.getTime() + HOUR);
    expect(await run()).toEqual({ sent: 0, bounced: 0, retried: 0, failed: 0 });
    expect(sink.messages).toHaveLength(3);
  });

  it('stores and sends a mail larger than a MySQL TEXT: the text is shortened with a note, an over-long HTML part is left out', async () => {
    const long = `${'€'.repeat(30_000)}END`;
    await enqueueEmails(t.db, [{ to: 'big@example.com', subject: 'Big', html: `<p>${'&quot;'.repeat(20_000)}</p>`, text: long, template: 'test.big', processId }], now);
    const [row] = await rows();
    expect(row.html).toBeNull();
    expect(Buffer.byteLength(row.text)).toBeLessThanOrEqual(60_000);
    expect(row.text.startsWith('€'.repeat(19_000))).toBe(true);
    expect(row.text).not.toContain('\uFFFD');
    expect(row.text).toMatch(/… \(shortened: read the whole message on the platform\)$/);
    expect(await run()).toEqual({ sent: 1, bounced: 0, retried: 0, failed: 0 });
    const [got] = sink.to('big@example.com');
    expect(got.html).toBeNull();
    expect(got.text).toContain('shortened');
  });

  it('keeps mail while SMTP is down and delivers it once the server is back', async () => {
    await sink.stop();
    const addresses = ['d1@example.com', 'd2@example.com', 'd3@example.com', 'd4@example.com'];
    await enqueueEmails(t.db, addresses.map((a) => email(a, `Outage test ${a}`)), now);

    const down = await run();
    expect(down).toEqual({ sent: 0, bounced: 0, retried: 4, failed: 0 });
    for (const row of await rows()) {
      expect(row.status).toBe('retrying');
      expect(row.attempts).toBe(1);
      expect(row.next_attempt_at.getTime()).toBeGreaterThan(now.getTime());
      expect(row.next_attempt_at.getTime()).toBeLessThanOrEqual(now.getTime() + 36_000);
      expect(row.last_error).toBeTruthy();
      expect(row.claimed_by).toBeNull();
    }
    // Not due yet: the same instant claims nothing.
    expect(await run()).toEqual({ sent: 0, bounced: 0, retried: 0, failed: 0 });

    await sink.start();
    now = new Date(now.getTime() + 2 * 60_000);
    const up = await run();
    expect(up).toEqual({ sent: 4, bounced: 0, retried: 0, failed: 0 });
    for (const a of addresses) expect(sink.to(a)).toHaveLength(1);
    expect(sink.messages).toHaveLength(4);
    for (const row of await rows()) {
      expect(row.status).toBe('sent');
      expect(row.attempts).toBe(2);
    }
    const stats = await outboxStats(t.db, null);
    expect(stats.sent).toBe(4);
    expect(stats.total).toBe(4);
  });

  it('two dispatchers racing on the same rows send each email exactly once', async () => {
    const addresses = Array.from({ length: 24 }, (_, i) => `race${i}@example.com`);
    await enqueueEmails(t.db, addresses.map((a) => email(a, `Race ${a}`)), now);
    const [a, b, c] = await Promise.all([
      run({ workerId: 'worker-a', batchSize: 5 }),
      run({ workerId: 'worker-b', batchSize: 5 }),
      run({ workerId: 'worker-c', batchSize: 7 }),
    ]);
    expect(a.sent + b.sent + c.sent).toBe(24);
    expect(sink.messages).toHaveLength(24);
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(24);
    for (const addr of addresses) expect(sink.to(addr)).toHaveLength(1);
    expect((await rows()).every((r) => r.status === 'sent')).toBe(true);
  });

  it('takes over a crashed claim once its lease has expired, and leaves a live one alone', async () => {
    await enqueueEmails(t.db, [email('crashed@example.com', 'Crashed claim'), email('live@example.com', 'Live claim')], now);
    const [crashed, live] = await rows();
    await t.db.updateTable('email_outbox')
      .set({ status: 'sending', claimed_by: 'dead-worker', claimed_until: new Date(now.getTime() - 60_000) })
      .where('id', '=', crashed.id).execute();
    await t.db.updateTable('email_outbox')
      .set({ status: 'sending', claimed_by: 'busy-worker', claimed_until: new Date(now.getTime() + 60_000) })
      .where('id', '=', live.id).execute();

    expect(await run({ workerId: 'rescuer' })).toEqual({ sent: 1, bounced: 0, retried: 0, failed: 0 });
    expect(sink.to('crashed@example.com')).toHaveLength(1);
    expect(sink.to('live@example.com')).toHaveLength(0);
    const after = await rows();
    expect(after.find((r) => r.id === crashed.id)?.status).toBe('sent');
    expect(after.find((r) => r.id === live.id)?.status).toBe('sending');
  });

  it('counts a recipient rejected with 550 as a bounce on the notification', async () => {
    const notificationId = insertedId(await t.db.insertInto('notifications').values({
      process_id: processId, direction: 'ops_to_client', subject: 'Maintenance tonight', message: 'Heads up',
      sent_by: null, recipients: 2, bounces: 0, sent_at: now,
    }).executeTakeFirstOrThrow());
    sink.rejectRecipients.add('nobody@example.com');
    await enqueueEmails(t.db, [
      email('nobody@example.com', 'Maintenance tonight', { notificationId }),
      email('somebody@example.com', 'Maintenance tonight', { notificationId }),
    ], now);

    expect(await run()).toEqual({ sent: 1, bounced: 1, retried: 0, failed: 0 });
    const bounced = (await rows()).find((r) => r.to_address === 'nobody@example.com')!;
    expect(bounced.status).toBe('bounced');
    expect(bounced.last_error).toContain('550');
    const n = await t.db.selectFrom('notifications').select('bounces').where('id', '=', notificationId).executeTakeFirstOrThrow();
    expect(n.bounces).toBe(1);
    expect(sink.to('somebody@example.com')).toHaveLength(1);
    expect(sink.to('nobody@example.com')).toHaveLength(0);

    // A bounce is final: later runs neither resend it nor count it again.
    now = new Date(now.getTime() + 2 * HOUR);
    expect(await run()).toEqual({ sent: 0, bounced: 0, retried: 0, failed: 0 });
    const again = await t.db.selectFrom('notifications').select('bounces').where('id', '=', notificationId).executeTakeFirstOrThrow();
    expect(again.bounces).toBe(1);
  });

  it('retries a temporary 421 and gives up once maxAttempts is reached', async () => {
    sink.tempFail = true;
    await enqueueEmails(t.db, [email('later@example.com', 'Temporary failure')], now);

    expect(await run({ maxAttempts: 3 })).toEqual({ sent: 0, bounced: 0, retried: 1, failed: 0 });
    let [row] = await rows();
    expect(row.status).toBe('retrying');
    expect(row.attempts).toBe(1);
    // The server answers 421 and closes the connection; nodemailer reports the reply or the close.
    expect(row.last_error).toMatch(/421|connection/i);
    expect(row.next_attempt_at.getTime()).toBeGreaterThan(now.getTime());

    now = new Date(now.getTime() + 2 * HOUR);
    expect(await run({ maxAttempts: 3 })).toEqual({ sent: 0, bounced: 0, retried: 1, failed: 0 });
    now = new Date(now.getTime() + 2 * HOUR);
    expect(await run({ maxAttempts: 3 })).toEqual({ sent: 0, bounced: 0, retried: 0, failed: 1 });
    [row] = await rows();
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(3);
    expect(row.last_error).toMatch(/^Gave up after 3 attempts/);
    expect(sink.messages).toHaveLength(0);

    // Failed is final for the dispatcher.
    now = new Date(now.getTime() + 2 * HOUR);
    sink.tempFail = false;
    expect(await run({ maxAttempts: 3 })).toEqual({ sent: 0, bounced: 0, retried: 0, failed: 0 });
  });

  it('a temporary failure heals on a later try', async () => {
    sink.tempFail = new Set(['flaky@example.com']);
    await enqueueEmails(t.db, [email('flaky@example.com', 'Flaky'), email('fine@example.com', 'Fine')], now);
    expect(await run()).toEqual({ sent: 1, bounced: 0, retried: 1, failed: 0 });
    sink.tempFail = false;
    now = new Date(now.getTime() + HOUR);
    expect(await run()).toEqual({ sent: 1, bounced: 0, retried: 0, failed: 0 });
    expect(sink.to('flaky@example.com')).toHaveLength(1);
    expect(sink.to('fine@example.com')).toHaveLength(1);
  });

  it('only sends the email channel', async () => {
    await enqueueEmails(t.db, [email('sms@example.com', 'Not an email')], now);
    await t.db.updateTable('email_outbox').set({ channel: 'sms' }).execute();
    expect(await run()).toEqual({ sent: 0, bounced: 0, retried: 0, failed: 0 });
    const [row] = await rows();
    expect(row.status).toBe('queued');
    expect(sink.messages).toHaveLength(0);
  });
});

describe('job scheduler', () => {
  it('runs an interval job with the clock, never overlapping itself, and stop() waits for the run in progress', async () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    const fixed = new Date('2026-05-09T08:00:00.000Z');
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let finished = 0;
    const seen: Date[] = [];
    const jobs = startJobs({ clock: () => fixed, log }, [
      {
        name: 'slow',
        intervalSeconds: 1,
        run: async (now) => {
          seen.push(now);
          runs++;
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setTimeout(r, 1500));
          running--;
          finished++;
        },
      },
      { name: 'broken', intervalSeconds: 1, run: async () => { throw new Error('boom'); } },
      null,
    ]);
    await new Promise((r) => setTimeout(r, 2600));
    await jobs.stop();
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(maxRunning).toBe(1);
    expect(finished).toBe(runs);
    expect(seen.every((d) => d.getTime() === fixed.getTime())).toBe(true);
    expect(lines.some((l) => l.includes('"job failed"') && l.includes('boom'))).toBe(true);
    const after = runs;
    await new Promise((r) => setTimeout(r, 1200));
    expect(runs).toBe(after);
  });

  it('creates no outbox job without SMTP settings', () => {
    const config = testConfig({ smtp: null });
    expect(outboxJob({ config, db: null as never })).toBeNull();
    const job = outboxJob({ config: testConfig({ smtp: { host: '127.0.0.1', port: 2525, from: 'ops@example.com', ignoreTls: true } }), db: null as never });
    expect(job?.name).toBe('email-outbox');
    expect(job?.intervalSeconds).toBe(10);
  });
});
