import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchOutbox } from '../../src/mail/dispatcher.js';
import { createMailer, type Mailer } from '../../src/mail/transport.js';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { childTick, countRows, escalationMails, firingsOf, json, MIN, openIncident, processOf, tick, timelineOf } from './helpers.js';

const momo = accountsOf('momo');

/**
 * Exactly once under faults: engine instances in separate processes on the same database, ticking
 * together, killed mid-transaction or right after a commit, then restarted.
 */
describe.each(DIALECTS)('escalations and rules exactly once under faults on %s', (dialect) => {
  let t: TestApp;
  let sink: SmtpSink;
  let mailer: Mailer;
  let momoId: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await processOf(t, 'momo')).id;
    sink = await startSmtpSink();
    mailer = createMailer(sink.smtpConfig());
    await tick(t);
    await t.db.deleteFrom('email_outbox').execute();
  });
  afterAll(async () => {
    mailer?.close();
    await sink?.stop();
    await t?.close();
  });

  it('two instances ticking at the same moment fire each due tier and each rule exactly once', async () => {
    // Every minute at :00 in the process's zone: one scheduled time is due at the moment they tick.
    const digest = await json(await t.api(momo.manager, 'POST', '/automation-rules', {
      name: 'Digest every 5 minutes', trigger_type: 'schedule', trigger_config: { cron: '*/5 * * * *' },
      action_type: 'email_digest', action_config: { roles: ['manager'] }, is_active: true,
    }));
    const sev1Rule = await t.db.selectFrom('automation_rules').select(['id', 'execution_count'])
      .where('process_id', '=', momoId).where('trigger_type', '=', 'severity_unresolved').executeTakeFirstOrThrow();
    const incidents = [];
    for (let i = 0; i < 4; i++) incidents.push(await openIncident(t, momo.operator, { title: `Concurrent ${i}`, severity: 1 }));
    t.clock.advance(35 * MIN);
    expect(t.clock.now().getUTCMinutes() % 5).toBe(0);

    const a = childTick(t.testDb.url, t.clock.now());
    const b = childTick(t.testDb.url, t.clock.now());
    await Promise.all([a.ready, b.ready]);
    a.go();
    b.go();
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code, ra.stderr + rb.stderr]).toEqual([0, 0, '']);

    // 4 incidents x 3 tiers, and the Sev 1 rule once per incident, the digest once.
    expect(ra.result.escalations.fired + rb.result.escalations.fired).toBe(12);
    expect(ra.result.automation.executed + rb.result.automation.executed).toBe(5);
    for (const inc of incidents) {
      expect((await firingsOf(t, inc.id)).map((f) => f.position)).toEqual([1, 2, 3]);
      // Tier 3 pages the on-call primary, who is the operator or the manager of tiers 1 and 2 (the seed
      // alternates them): all three tiers are due in this tick, so one email each, whichever instance fired.
      expect((await escalationMails(t, inc.id)).map((m) => m.to_address)).toEqual([momo.operator, momo.manager]);
      expect(await timelineOf(t, inc.id, 'escalation')).toHaveLength(3);
      expect(await timelineOf(t, inc.id, 'automation')).toHaveLength(1);
    }
    const rule = await t.db.selectFrom('automation_rules').select('execution_count').where('id', '=', sev1Rule.id).executeTakeFirstOrThrow();
    expect(rule.execution_count).toBe(sev1Rule.execution_count + 4);
    const digestRow = await t.db.selectFrom('automation_rules').select('execution_count').where('id', '=', digest.id).executeTakeFirstOrThrow();
    expect(digestRow.execution_count).toBe(1);
    expect(await countRows(t, 'email_outbox', (q) => q.where('template', '=', 'automation.digest'))).toBe(1);
    // A third instance a moment later finds nothing left to do.
    const again = await tick(t);
    expect(again.escalations.fired + again.automation.executed).toBe(0);
    await t.api(momo.manager, 'DELETE', `/automation-rules/${digest.id}`);
  });

  it('a tick killed after claiming, inside its transaction, leaves nothing behind; the restart fires once', async () => {
    const inc = await openIncident(t, momo.operator, { title: 'Killed mid-claim', severity: 1 });
    const before = await countRows(t, 'escalation_executions');
    const mails = await countRows(t, 'email_outbox');
    const crashed = await runChild(t, { CRASH: 'after-claim', TASKS: 'escalations' });
    expect(crashed.code).toBe(3);
    expect(await countRows(t, 'escalation_executions')).toBe(before);
    expect(await countRows(t, 'email_outbox')).toBe(mails);
    expect(await timelineOf(t, inc.id, 'escalation')).toEqual([]);
    // Restart.
    expect((await tick(t)).escalations.fired).toBe(1);
    expect((await tick(t)).escalations.fired).toBe(0);
    expect(await escalationMails(t, inc.id)).toHaveLength(1);
  });

  it('a tick killed after a firing committed, before sending: the email waits in the outbox, arrives once, and the restart does not re-fire', async () => {
    await dispatchOutbox(t.db, mailer, t.clock.now());
    sink.clear();
    const inc = await openIncident(t, momo.operator, { title: 'Killed before sending', severity: 1 });
    t.clock.advance(16 * MIN);
    const crashed = await runChild(t, { CRASH: 'after-commit', TASKS: 'escalations' });
    expect(crashed.code).toBe(3);
    // The first tier committed with its email; the second was not reached.
    expect((await firingsOf(t, inc.id)).map((f) => f.position)).toEqual([1]);
    const queued = await escalationMails(t, inc.id);
    expect(queued.map((m) => m.status)).toEqual(['queued']);
    expect(sink.messages).toHaveLength(0);

    // Restart: the worker fires what is left, never tier 1 again; the dispatcher sends both.
    await tick(t);
    expect((await tick(t)).escalations.fired).toBe(0);
    expect((await firingsOf(t, inc.id)).map((f) => f.position)).toEqual([1, 2]);
    expect(await escalationMails(t, inc.id)).toHaveLength(2);
    await dispatchOutbox(t.db, mailer, t.clock.now());
    await dispatchOutbox(t.db, mailer, t.clock.now());
    const received = sink.messages.filter((m) => m.subject.includes('Escalation tier') && m.subject.includes('Killed before sending'));
    expect(received.map((m) => m.subject.replace(/ \(open .*\)$/, '')).sort()).toEqual([
      '[Sev 1] Escalation tier 1: Killed before sending',
      '[Sev 1] Escalation tier 2: Killed before sending',
    ]);
    expect(received.find((m) => m.subject.includes('tier 1'))!.to.toLowerCase()).toBe(momo.operator);
  });
});

async function runChild(t: TestApp, env: Record<string, string>) {
  const c = childTick(t.testDb.url, t.clock.now(), env);
  await c.ready;
  c.go();
  return c.done;
}
