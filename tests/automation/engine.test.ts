import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { countRows, firingsOf, json, MIN, openIncident, processOf, tick, timelineOf, userId } from '../escalations/helpers.js';

const momo = accountsOf('momo');
const HOUR = 60 * MIN;

/** The automation engine: threshold, custom and scheduled rules, on both databases. */
describe.each(DIALECTS)('automation engine on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await processOf(t, 'momo')).id;
    await tick(t);
  });
  afterAll(async () => t?.close());

  const rule = async (body: Record<string, unknown>) => {
    const res = await t.api(momo.manager, 'POST', '/automation-rules', { is_active: true, ...body });
    if (res.status !== 201) throw new Error(`rule not created: ${await res.text()}`);
    return json(res);
  };
  const ruleRow = (id: number) => t.db.selectFrom('automation_rules').select(['execution_count', 'last_run_at', 'is_active']).where('id', '=', id).executeTakeFirstOrThrow();
  const executions = (id: number) => t.db.selectFrom('automation_executions').select(['incident_id', 'occurrence_key', 'result', 'executed_at'])
    .where('rule_id', '=', id).orderBy('id').execute();

  it('"Severity unresolved after N minutes" fires once per incident at its threshold and escalates through a rules-only chain', async () => {
    const mgr = await userId(t, momo.manager);
    const admin = await userId(t, momo.admin);
    const chain = await json(await t.api(momo.manager, 'POST', '/escalation-chains', {
      name: 'Rules only', tiers: [{ delay_minutes: 0, user_id: mgr }, { delay_minutes: 10, user_id: admin }, { delay_minutes: 60, user_id: mgr }],
    }));
    const r = await rule({
      name: 'Sev 2 unresolved 20 min', trigger_type: 'severity_unresolved', trigger_config: { severity: 2, minutes: 20 },
      action_type: 'escalate_chain', action_config: { chain_id: chain.id },
    });
    const open = await openIncident(t, momo.operator, { title: 'Reports stale', severity: 2 });
    const acked = await openIncident(t, momo.operator, { title: 'Being looked at', severity: 2 });
    const gone = await openIncident(t, momo.operator, { title: 'Gone quickly', severity: 2 });
    await tick(t);
    // The chain has no trigger severity: nothing fires by itself.
    expect(await firingsOf(t, open.id)).toEqual([]);
    t.clock.advance(5 * MIN);
    await t.api(momo.operator, 'PATCH', `/incidents/${acked.id}`, { status: 'in_progress' });
    await t.api(momo.operator, 'PATCH', `/incidents/${gone.id}`, { status: 'resolved' });
    t.clock.advance(14 * MIN);
    expect((await tick(t)).automation.executed).toBe(0);
    t.clock.advance(1 * MIN);
    const at20 = await tick(t);
    expect(at20.automation.executed).toBe(2);
    expect(at20.escalations.fired).toBe(2);
    expect((await tick(t)).automation.executed).toBe(0);

    const row = await ruleRow(r.id);
    expect(row.execution_count).toBe(2);
    expect(row.last_run_at!.toISOString()).toBe(t.clock.now().toISOString());
    const log = await executions(r.id);
    expect(log.map((e) => [e.incident_id, e.occurrence_key])).toEqual([[open.id, `incident:${open.id}`], [acked.id, `incident:${acked.id}`]]);
    expect(log[0].result).toBe('Escalated via chain "Rules only".');
    expect(log[1].result).toBe('Escalated via chain "Rules only" (already acknowledged: no tier fires).');
    expect((await firingsOf(t, open.id)).map((f) => f.position)).toEqual([1, 2]);
    expect(await firingsOf(t, acked.id)).toEqual([]);
    expect(await timelineOf(t, open.id, 'automation')).toEqual(['Automation rule "Sev 2 unresolved 20 min" escalated via Rules only']);
    const kinds = (await t.db.selectFrom('incident_events').select('kind').where('incident_id', '=', open.id).orderBy('id').execute()).map((e) => e.kind);
    expect(kinds.slice(-3)).toEqual(['automation', 'escalation', 'escalation']);

    // The third tier follows the incident's age through the attached chain.
    t.clock.advance(40 * MIN);
    expect((await tick(t)).escalations.fired).toBe(1);
    expect((await firingsOf(t, open.id)).map((f) => f.position)).toEqual([1, 2, 3]);

    // The API shows the real count and the log.
    const api = await json(await t.api(momo.manager, 'GET', `/automation-rules/${r.id}`));
    expect(api.execution_count).toBe(2);
    const apiLog = await json(await t.api(momo.manager, 'GET', `/automation-rules/${r.id}/executions`));
    expect(apiLog.items.map((e: any) => e.incident_id)).toEqual([acked.id, open.id]);
    const page = await (await t.page(momo.manager, `/automation/${r.id}`)).text();
    expect(page).toContain('Reports stale');
    expect(page).toContain('already acknowledged');

    // A paused rule does nothing; its count stays.
    await t.api(momo.manager, 'PATCH', `/automation-rules/${r.id}`, { is_active: false });
    const later = await openIncident(t, momo.operator, { title: 'While paused', severity: 2 });
    t.clock.advance(25 * MIN);
    await tick(t);
    expect((await ruleRow(r.id)).execution_count).toBe(2);
    expect(await timelineOf(t, later.id, 'automation')).toEqual([]);
    await t.api(momo.manager, 'DELETE', `/automation-rules/${r.id}`);
  });

  it('custom rules are evaluated when an incident is created or updated, and fire once per incident', async () => {
    const r = await rule({
      name: 'Gateway watch', trigger_type: 'custom', trigger_config: { severity: [1, 2], title_contains: 'GATEWAY', process: 'momo' },
      action_type: 'email_roles', action_config: { roles: ['manager'] },
    });
    const hit = await openIncident(t, momo.operator, { title: 'Payment gateway errors', severity: 2 });
    // No tick needed: it ran with the creation.
    let mails = await t.db.selectFrom('email_outbox').select(['to_address', 'subject', 'text']).where('template', '=', 'automation.incident').where('entity_id', '=', hit.id).execute();
    expect(mails.map((m) => m.to_address)).toEqual([momo.manager]);
    expect(mails[0].subject).toBe('[Sev 2] Gateway watch: Payment gateway errors');
    expect(mails[0].text).toContain('matched this Sev 2 incident in Momo');
    expect(await timelineOf(t, hit.id, 'automation')).toEqual(['Automation rule "Gateway watch" emailed 1 person (manager)']);
    await t.api(momo.operator, 'PATCH', `/incidents/${hit.id}`, { title: 'Payment gateway errors (EU)' });
    await tick(t);
    expect((await executions(r.id)).map((e) => e.incident_id)).toEqual([hit.id]);

    const later = await openIncident(t, momo.operator, { title: 'Login slow', severity: 2 });
    const low = await openIncident(t, momo.operator, { title: 'Gateway cert renewal', severity: 4 });
    expect((await executions(r.id)).map((e) => e.incident_id)).toEqual([hit.id]);
    await t.api(momo.operator, 'PATCH', `/incidents/${later.id}`, { title: 'Login via gateway slow' });
    expect((await executions(r.id)).map((e) => e.incident_id)).toEqual([hit.id, later.id]);
    await t.api(momo.operator, 'PATCH', `/incidents/${low.id}`, { description: 'still low' });
    mails = await t.db.selectFrom('email_outbox').select(['to_address', 'subject', 'text']).where('template', '=', 'automation.incident').where('entity_id', '=', low.id).execute();
    expect(mails).toEqual([]);
    expect((await ruleRow(r.id)).execution_count).toBe(2);
    await t.api(momo.manager, 'DELETE', `/automation-rules/${r.id}`);
  });

  it('a custom rule with a minimum age fires in the tick when the incident reaches it, if its conditions still hold', async () => {
    const r = await rule({
      name: 'Open an hour', trigger_type: 'custom', trigger_config: { status: ['open'], min_age_minutes: 60 },
      action_type: 'email_roles', action_config: { roles: ['admin'] },
    });
    const stays = await openIncident(t, momo.operator, { title: 'Nobody touched it', severity: 3 });
    const taken = await openIncident(t, momo.operator, { title: 'Someone took it', severity: 3 });
    t.clock.advance(30 * MIN);
    await t.api(momo.operator, 'PATCH', `/incidents/${taken.id}`, { status: 'in_progress' });
    const mine = async () => (await executions(r.id)).map((e) => e.incident_id).filter((id) => id === stays.id || id === taken.id);
    t.clock.advance(29 * MIN);
    await tick(t);
    expect(await mine()).toEqual([]);
    t.clock.advance(1 * MIN);
    await tick(t);
    expect(await mine()).toEqual([stays.id]);
    const mails = await t.db.selectFrom('email_outbox').select('to_address').where('template', '=', 'automation.incident').where('entity_id', '=', stays.id).execute();
    expect(mails.map((m) => m.to_address)).toEqual([momo.admin]);
    await t.api(momo.manager, 'DELETE', `/automation-rules/${r.id}`);
  });

  it('a scheduled digest fires once per scheduled time in the process zone; missed times collapse into one run', async () => {
    const seededDigest = (await t.db.selectFrom('automation_rules').select('id').where('process_id', '=', momoId).where('trigger_type', '=', 'schedule').executeTakeFirstOrThrow()).id;
    const london = await rule({
      name: 'London morning', trigger_type: 'schedule', trigger_config: { cron: '0 9 * * *', timezone: 'Europe/London' },
      action_type: 'email_digest', action_config: { roles: ['manager', 'admin'] },
    });
    // Tomorrow 07:00 in Johannesburg is 05:00Z; 09:00 in London (summer time) is 08:00Z.
    const day = t.clock.now().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.parse(`${day}T00:00:00Z`) + 24 * HOUR).toISOString().slice(0, 10);
    t.clock.set(`${tomorrow}T04:59:30.000Z`);
    await tick(t);
    expect(await executions(seededDigest)).toEqual([]);
    t.clock.set(`${tomorrow}T05:00:20.000Z`);
    // The seeded digest of each of the 8 processes.
    expect((await tick(t)).automation.executed).toBe(8);
    expect((await tick(t)).automation.executed).toBe(0);
    const runs = await executions(seededDigest);
    expect(runs.map((e) => e.occurrence_key)).toEqual([`schedule:${tomorrow}T05:00:00.000Z`]);
    expect(runs[0].result).toMatch(/^Digest of \d+ open incidents? emailed to 2 people \(manager, admin\)\.$/);
    const digest = await t.db.selectFrom('email_outbox').select(['to_address', 'subject', 'text', 'html']).where('template', '=', 'automation.digest')
      .where('entity_id', '=', seededDigest).orderBy('id').execute();
    expect(digest.map((m) => m.to_address).sort()).toEqual([momo.admin, momo.manager]);
    const open = await t.db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).where('process_id', '=', momoId).where('status', '!=', 'resolved').executeTakeFirstOrThrow();
    expect(digest[0].subject).toBe(`Nightly SLA Digest: ${Number(open.n)} open incidents in Momo`);
    expect(digest[0].text).toContain('Nobody touched it');
    expect(digest[0].text).toContain('Mean time to resolve');
    expect(digest[0].text).toContain('Resolved within SLA');
    expect(digest[0].text).toContain('Past resolution target');
    expect(digest[0].text).toMatch(/\b(1 is past the resolution target of its|([02-9]|\d\d+) are past the resolution target of their) severity\./);

    t.clock.set(`${tomorrow}T08:00:10.000Z`);
    await tick(t);
    expect((await executions(london.id)).map((e) => e.occurrence_key)).toEqual([`schedule:${tomorrow}T08:00:00.000Z`]);
    expect((await ruleRow(london.id)).execution_count).toBe(1);

    // Three days without a tick: one digest for the latest time, not three.
    const later = new Date(Date.parse(`${tomorrow}T00:00:00Z`) + 3 * 24 * HOUR).toISOString().slice(0, 10);
    t.clock.set(`${later}T06:00:00.000Z`);
    await tick(t);
    expect((await executions(seededDigest)).map((e) => e.occurrence_key)).toEqual([
      `schedule:${tomorrow}T05:00:00.000Z`, `schedule:${later}T05:00:00.000Z`,
    ]);
    expect((await ruleRow(seededDigest)).execution_count).toBe(2);
    await t.api(momo.manager, 'DELETE', `/automation-rules/${london.id}`);
  });

  it('a first start does not catch up on scheduled times older than one tick', async () => {
    const fresh = await createTestApp(dialect);
    try {
      // 07:00:30 in Johannesburg: the digest's time is 30 s old, within one tick: it runs once.
      fresh.clock.set('2026-05-10T05:00:30.000Z');
      const first = await tick(fresh);
      expect(first.automation.executed).toBe(8);
      expect(await countRows(fresh, 'automation_executions', (q) => q.where('occurrence_key', '=', 'schedule:2026-05-10T05:00:00.000Z'))).toBe(8);
    } finally {
      await fresh.close();
    }
    const late = await createTestApp(dialect);
    try {
      // Two hours after the digest's time, on a first start: nothing to catch up.
      late.clock.set('2026-05-10T07:00:00.000Z');
      const first = await tick(late);
      expect(first.automation.executed).toBe(0);
      expect(await countRows(late, 'automation_executions', (q) => q.where('occurrence_key', 'like', 'schedule:%'))).toBe(0);
    } finally {
      await late.close();
    }
  });
});
