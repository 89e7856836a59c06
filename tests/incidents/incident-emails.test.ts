import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerTick } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/log.js';
import { dispatchOutbox } from '../../src/mail/dispatcher.js';
import { createMailer, type Mailer } from '../../src/mail/transport.js';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const momo = accountsOf('momo');

/** The incident rows of the email matrix, delivered through a real SMTP server on loopback. */
describe.each(DIALECTS)('incident emails over SMTP on %s', (dialect) => {
  let t: TestApp;
  let sink: SmtpSink;
  let mailer: Mailer;
  let everyone: string[];

  beforeAll(async () => {
    t = await createTestApp(dialect);
    sink = await startSmtpSink();
    mailer = createMailer(sink.smtpConfig());
    const momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    // "All process users" in the matrix: the client stakeholder too.
    everyone = (await t.db.selectFrom('users').select('email').where('process_id', '=', momoId)
      .where('is_active', '=', true).execute()).map((u) => u.email).sort();
    // Seeded mail is not part of this test.
    await t.db.deleteFrom('email_outbox').execute();
  });
  afterAll(async () => {
    mailer?.close();
    await sink?.stop();
    await t?.close();
  });

  const deliver = async () => dispatchOutbox(t.db, mailer, t.clock.now());
  const recipientsOf = (subjectPart: string) => sink.messages.filter((m) => m.subject.includes(subjectPart)).map((m) => m.to.toLowerCase()).sort();

  it('sends Created to all process users (the client stakeholder too), Assigned to the assignee only, In Progress and Resolved (with the duration) to all', async () => {
    const created = (await (await t.api(momo.operator, 'POST', '/incidents', { title: 'Wallet top-ups failing', severity: 1 })).json()) as { id: number };
    await deliver();
    expect(recipientsOf('Wallet top-ups failing')).toEqual(everyone);
    expect(recipientsOf('Wallet top-ups failing')).toContain(momo.client);
    expect(recipientsOf('Wallet top-ups failing')).toContain(momo.viewer);
    const first = sink.messages.find((m) => m.subject.includes('Wallet top-ups failing'))!;
    expect(first.from).toContain('D2C OPs Platform');
    expect(first.text).toContain('Wallet top-ups failing');
    expect(first.html).toContain('/incidents/' + created.id);
    sink.clear();

    const opId = (await t.db.selectFrom('users').select('id').where('email', '=', momo.operator).executeTakeFirstOrThrow()).id;
    await t.api(momo.manager, 'PATCH', `/incidents/${created.id}`, { assigned_to: opId });
    await deliver();
    expect(sink.messages.map((m) => m.to.toLowerCase())).toEqual([momo.operator]);
    expect(sink.messages[0].subject).toMatch(/assigned to you/i);
    sink.clear();

    t.clock.advance(4 * 60_000);
    await t.api(momo.operator, 'PATCH', `/incidents/${created.id}`, { status: 'in_progress' });
    await deliver();
    expect(recipientsOf('Wallet top-ups failing')).toEqual(everyone);
    expect(sink.messages.every((m) => /in progress/i.test(m.subject))).toBe(true);
    sink.clear();

    t.clock.advance(13 * 60_000);
    await t.api(momo.operator, 'PATCH', `/incidents/${created.id}`, { status: 'resolved' });
    await deliver();
    expect(recipientsOf('Wallet top-ups failing')).toEqual(everyone);
    expect(sink.messages[0].subject).toMatch(/resolved/i);
    expect(sink.messages[0].text).toContain('17m');
    expect(sink.messages[0].html).toContain('Momo Operator');
    sink.clear();
  });

  it('the worker sends the Unattended reminder once, and mail written while SMTP is down arrives once after it returns', async () => {
    await sink.stop();
    const inc = (await (await t.api(momo.operator, 'POST', '/incidents', { title: 'Nobody on it', severity: 2 })).json()) as { id: number };
    const deps = { db: t.db, config: t.deps.config, log: createLogger('silent') };
    t.clock.advance(31 * 60_000);
    await workerTick(deps, t.clock.now());
    await workerTick(deps, t.clock.now());
    const down = await deliver();
    expect(down.sent).toBe(0);
    const waiting = await t.db.selectFrom('email_outbox').select('status').where('entity_id', '=', inc.id).execute();
    expect(waiting.length).toBe(everyone.length * 2);
    expect(waiting.every((r) => r.status === 'retrying')).toBe(true);

    await sink.start();
    t.clock.advance(2 * 3_600_000);
    await deliver();
    await deliver();
    expect(recipientsOf('Nobody on it').length).toBe(everyone.length * 2);
    const reminders = sink.messages.filter((m) => /unattended/i.test(m.subject));
    expect(reminders.map((m) => m.to.toLowerCase()).sort()).toEqual(everyone);
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(sink.messages.length);
  });
});
