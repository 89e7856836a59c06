import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCallAt } from '../../src/modules/oncall/lookup.js';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import {
  countRows, escalationMails, firingsOf, json, MIN, openIncident, processOf, setOnCall, tick, timelineOf, userId,
} from './helpers.js';

const momo = accountsOf('momo');

/** The escalation engine, driven by the worker tick with a test clock, on both databases. */
describe.each(DIALECTS)('escalation engine on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let tz: string;
  let sev1Chain: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    ({ id: momoId, timezone: tz } = await processOf(t, 'momo'));
    sev1Chain = (await t.db.selectFrom('escalation_chains').select('id').where('process_id', '=', momoId).executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  it('does not re-fire the seeded history on its first tick, nor page for tiers due long before it', async () => {
    // An open Sev 1 incident opened 26 hours ago whose firings were lost: history, not a page now.
    const old = await t.db.selectFrom('incidents').select('id').where('process_id', '=', momoId).where('severity', '=', 1)
      .where('status', '=', 'open').executeTakeFirstOrThrow();
    await t.db.deleteFrom('escalation_executions').where('incident_id', '=', old.id).execute();
    const executions = await countRows(t, 'escalation_executions');
    const ruleRuns = await countRows(t, 'automation_executions');
    const mails = await countRows(t, 'email_outbox');
    const first = await tick(t);
    expect(first.escalations.fired).toBe(0);
    expect(first.automation.executed).toBe(0);
    expect(await countRows(t, 'escalation_executions')).toBe(executions);
    expect(await countRows(t, 'automation_executions')).toBe(ruleRuns);
    expect(await countRows(t, 'email_outbox')).toBe(mails);
  });

  it('fires each tier once when the incident is old enough: its user, then the on-call primary; the email names incident, age and tier', async () => {
    const inc = await openIncident(t, momo.operator, { title: 'Wallet <b>top-ups</b> failing', severity: 1 });
    expect((await tick(t)).escalations.fired).toBe(1);
    expect((await tick(t)).escalations.fired).toBe(0);
    let firings = await firingsOf(t, inc.id);
    expect(firings.map((f) => f.position)).toEqual([1]);
    expect(firings[0].target_user_id).toBe(await userId(t, momo.operator));
    let mails = await escalationMails(t, inc.id);
    expect(mails.map((m) => m.to_address)).toEqual([momo.operator]);
    expect(mails[0].subject).toBe('[Sev 1] Escalation tier 1: Wallet <b>top-ups</b> failing (open 0m)');
    expect(mails[0].text).toContain('tier 1 of 3 of the escalation chain “Sev1 Escalation”');
    expect(mails[0].text).toMatch(/Open for:\s+0m/);

    t.clock.advance(14 * MIN);
    expect((await tick(t)).escalations.fired).toBe(0);
    t.clock.advance(1 * MIN);
    expect((await tick(t)).escalations.fired).toBe(1);
    t.clock.advance(15 * MIN);
    expect((await tick(t)).escalations.fired).toBe(1);
    expect((await tick(t)).escalations.fired).toBe(0);

    firings = await firingsOf(t, inc.id);
    expect(firings.map((f) => f.position)).toEqual([1, 2, 3]);
    const primary = (await onCallAt(t.db, momoId, t.clock.now())).primary!;
    expect(firings[1].target_user_id).toBe(await userId(t, momo.manager));
    expect(firings[2].target_user_id).toBe(primary.id);
    mails = await escalationMails(t, inc.id);
    expect(mails.map((m) => m.to_address)).toEqual([momo.operator, momo.manager, primary.email]);
    expect(mails[2].subject).toContain('Escalation tier 3');
    expect(mails[2].subject).toContain('(open 30m)');
    expect(mails[2].text).toContain('as the on-call primary');
    expect(await timelineOf(t, inc.id, 'escalation')).toEqual([
      'Sev1 Escalation tier 1 notified Momo Operator by email',
      'Sev1 Escalation tier 2 notified Momo Manager by email',
      `Sev1 Escalation tier 3 notified ${primary.name} by email (on-call primary)`,
    ]);
    // Shown on the chain too.
    const chain = await json(await t.api(momo.manager, 'GET', `/escalation-chains/${sev1Chain}`));
    expect(chain.last_fired_at).toBe(t.clock.now().toISOString());
    const log = await json(await t.api(momo.manager, 'GET', `/escalation-chains/${sev1Chain}/executions?limit=3`));
    expect(log.items.map((e: any) => [e.incident_id, e.tier_position])).toEqual([[inc.id, 3], [inc.id, 2], [inc.id, 1]]);
    const page = await (await t.page(momo.manager, `/escalations/${sev1Chain}`)).text();
    expect(page).toContain('Wallet &lt;b&gt;top-ups&lt;/b&gt; failing');
  });

  it('acknowledging stops the remaining tiers at once, including tiers due in the same tick', async () => {
    const a = await openIncident(t, momo.operator, { title: 'Acknowledged quickly', severity: 1 });
    await tick(t);
    expect((await t.api(momo.operator, 'PATCH', `/incidents/${a.id}`, { status: 'in_progress' })).status).toBe(200);
    const resolved = await openIncident(t, momo.operator, { title: 'Resolved quickly', severity: 1 });
    expect((await t.api(momo.operator, 'PATCH', `/incidents/${resolved.id}`, { status: 'resolved' })).status).toBe(200);

    // Tier 1 and tier 2 of B are due in the same tick; B is acknowledged right after tier 1 fires.
    const b = await openIncident(t, momo.operator, { title: 'Acknowledged mid-tick', severity: 1 });
    t.clock.advance(40 * MIN);
    const result = await tick(t, {
      afterCommit: async ({ kind, incidentId }) => {
        if (kind === 'tier' && incidentId === b.id) expect((await t.api(momo.operator, 'PATCH', `/incidents/${b.id}`, { status: 'in_progress' })).status).toBe(200);
      },
    });
    expect((await firingsOf(t, a.id)).map((f) => f.position)).toEqual([1]);
    expect(await firingsOf(t, resolved.id)).toEqual([]);
    expect((await firingsOf(t, b.id)).map((f) => f.position)).toEqual([1]);
    expect(result.escalations.fired).toBe(1);
    expect(result.escalations.skipped).toBe(2);
    expect(await escalationMails(t, b.id)).toHaveLength(1);
    t.clock.advance(60 * MIN);
    expect((await tick(t)).escalations.fired).toBe(0);
  });

  it('falls back to the backup when there is no primary, and records a tier that reaches nobody', async () => {
    const now = t.clock.now();
    const chain = await json(await t.api(momo.manager, 'POST', '/escalation-chains', {
      name: 'Sev 3 on-call', trigger_severity: 3, tiers: [{ delay_minutes: 0, channels: ['email'] }],
    }));
    expect(chain.tiers[0].user_id).toBeNull();
    await setOnCall(t, momoId, tz, now, {});
    const lonely = await openIncident(t, momo.operator, { title: 'Nobody on call', severity: 3 });
    expect((await tick(t)).escalations.fired).toBe(1);
    const [nobody] = await firingsOf(t, lonely.id);
    expect(nobody.target_user_id).toBeNull();
    expect(await escalationMails(t, lonely.id)).toEqual([]);
    expect(await timelineOf(t, lonely.id, 'escalation')).toEqual(['Sev 3 on-call tier 1 reached nobody: no user on the tier and nobody on call']);

    await setOnCall(t, momoId, tz, now, { backup: await userId(t, momo.admin) });
    const backed = await openIncident(t, momo.operator, { title: 'Backup on call', severity: 3 });
    expect((await tick(t)).escalations.fired).toBe(1);
    expect((await escalationMails(t, backed.id)).map((m) => m.to_address)).toEqual([momo.admin]);
    expect(await timelineOf(t, backed.id, 'escalation')).toEqual(['Sev 3 on-call tier 1 notified Momo Admin by email (on-call backup)']);
    expect((await t.api(momo.manager, 'DELETE', `/escalation-chains/${chain.id}`)).status).toBe(204);
  });

  it('a severity raised to the chain\'s, or a reopened incident, gets every tier that is due at once, in order', async () => {
    await setOnCall(t, momoId, tz, t.clock.now(), { primary: await userId(t, momo.manager) });
    const inc = await openIncident(t, momo.operator, { title: 'Slow then down', severity: 2 });
    await tick(t);
    t.clock.advance(40 * MIN);
    await tick(t);
    expect(await firingsOf(t, inc.id)).toEqual([]);
    const ruleBefore = await t.db.selectFrom('automation_rules').select(['id', 'execution_count'])
      .where('process_id', '=', momoId).where('trigger_type', '=', 'severity_unresolved').executeTakeFirstOrThrow();
    expect((await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { severity: 1 })).status).toBe(200);
    const r = await tick(t);
    expect(r.escalations.fired).toBe(3);
    expect(r.automation.executed).toBe(1);
    expect((await firingsOf(t, inc.id)).map((f) => f.position)).toEqual([1, 2, 3]);
    const ruleAfter = await t.db.selectFrom('automation_rules').select(['execution_count', 'last_run_at']).where('id', '=', ruleBefore.id).executeTakeFirstOrThrow();
    expect(ruleAfter.execution_count).toBe(ruleBefore.execution_count + 1);
    expect(ruleAfter.last_run_at!.toISOString()).toBe(t.clock.now().toISOString());
    const events = await timelineOf(t, inc.id);
    expect(events.filter((m) => m.startsWith('Automation rule'))).toEqual(['Automation rule "Escalate Sev 1 after 30min" escalated via Sev1 Escalation']);
    // Tier 2's user and tier 3's on-call primary are the same manager: one email for both tiers.
    expect((await escalationMails(t, inc.id)).map((m) => m.to_address)).toEqual([momo.operator, momo.manager]);
    expect(await timelineOf(t, inc.id, 'escalation')).toEqual([
      'Sev1 Escalation tier 1 notified Momo Operator by email',
      'Sev1 Escalation tier 2 notified Momo Manager by email',
      'Sev1 Escalation tier 3 reached Momo Manager again (on-call primary): already emailed about this incident this minute',
    ]);
    expect((await tick(t)).escalations.fired).toBe(0);

    // Resolved after tier 1, reopened 40 minutes later: tiers 2 and 3 fire, tier 1 does not again.
    const again = await openIncident(t, momo.operator, { title: 'Comes back', severity: 1 });
    await tick(t);
    await t.api(momo.operator, 'PATCH', `/incidents/${again.id}`, { status: 'resolved' });
    t.clock.advance(40 * MIN);
    await tick(t);
    expect((await firingsOf(t, again.id)).map((f) => f.position)).toEqual([1]);
    await t.api(momo.operator, 'PATCH', `/incidents/${again.id}`, { status: 'open' });
    expect((await tick(t)).escalations.fired).toBe(2);
    expect((await firingsOf(t, again.id)).map((f) => f.position)).toEqual([1, 2, 3]);
  });

  it('a webhook tier queues a Slack-compatible webhook with the incident and the tier', async () => {
    const chain = await json(await t.api(momo.manager, 'POST', '/escalation-chains', {
      name: 'Sev 4 to chat', trigger_severity: 4,
      tiers: [{ delay_minutes: 0, channels: ['email', 'webhook'], user_id: await userId(t, momo.operator), webhook_url: 'https://chat.example.com/hooks/abc' }],
    }));
    const inc = await openIncident(t, momo.operator, { title: 'Certificate warning', severity: 4 });
    await tick(t);
    const hooks = await t.db.selectFrom('email_outbox').select(['to_address', 'text', 'status'])
      .where('channel', '=', 'webhook').where('entity_id', '=', inc.id).execute();
    expect(hooks).toHaveLength(1);
    expect(hooks[0].to_address).toBe('https://chat.example.com/hooks/abc');
    const payload = JSON.parse(hooks[0].text);
    expect(payload.text).toContain('Certificate warning');
    expect(payload.incident.id).toBe(inc.id);
    expect(payload.tier.position).toBe(1);
    expect(payload.chain.name).toBe('Sev 4 to chat');
    expect(payload.target.email).toBe(momo.operator);
    expect(await timelineOf(t, inc.id, 'escalation')).toEqual(['Sev 4 to chat tier 1 notified Momo Operator by email and webhook']);
    await t.api(momo.manager, 'DELETE', `/escalation-chains/${chain.id}`);
  });

  it('after an hour down, fires the tiers that became due meanwhile exactly once, oldest due first', async () => {
    const chain = await json(await t.api(momo.manager, 'POST', '/escalation-chains', {
      name: 'Sev 3 ladder', trigger_severity: 3,
      tiers: [0, 15, 30, 45].map((d) => ({ delay_minutes: d, channels: ['email'], user_id: null })),
    }));
    const a = await openIncident(t, momo.operator, { title: 'Before the outage', severity: 3 });
    await tick(t);
    expect((await firingsOf(t, a.id)).map((f) => f.position)).toEqual([1]);
    // The worker is down for an hour; an incident is opened 5 minutes into it.
    const start = t.clock.now().getTime();
    t.clock.advance(5 * MIN);
    const b = await openIncident(t, momo.operator, { title: 'During the outage', severity: 3 });
    t.clock.advance(55 * MIN);
    const r = await tick(t);
    expect(r.escalations.fired).toBe(7);
    const fired = await t.db.selectFrom('escalation_executions')
      .innerJoin('escalation_tiers', 'escalation_tiers.id', 'escalation_executions.tier_id')
      .innerJoin('incidents', 'incidents.id', 'escalation_executions.incident_id')
      .select(['escalation_executions.id', 'incidents.opened_at', 'escalation_tiers.delay_minutes', 'escalation_executions.incident_id'])
      .where('escalation_executions.chain_id', '=', chain.id)
      .orderBy('escalation_executions.id').execute();
    const dues = fired.map((f) => (f.opened_at.getTime() + f.delay_minutes * MIN - start) / MIN);
    expect(dues).toEqual([0, 5, 15, 20, 30, 35, 45, 50]);
    expect(fired.map((f) => f.incident_id)).toEqual([a.id, b.id, a.id, b.id, a.id, b.id, a.id, b.id]);
    expect(new Set(fired.map((f) => `${f.incident_id}:${f.delay_minutes}`)).size).toBe(8);
    expect((await tick(t)).escalations.fired).toBe(0);
    // Every tier reaches the on-call primary: the catch-up tick emails them once per incident, in due
    // order (B's tier 1, then A's tier 2), and notes the other tiers on the timeline.
    const mails = await t.db.selectFrom('email_outbox').select(['entity_id', 'subject']).where('template', '=', 'escalation.tier')
      .where('entity_id', 'in', [a.id, b.id]).orderBy('id').execute();
    expect(mails.map((m) => m.entity_id)).toEqual([a.id, b.id, a.id]);
    expect(mails.map((m) => /Escalation tier (\d)/.exec(m.subject)?.[1])).toEqual(['1', '1', '2']);
    const again = (await timelineOf(t, b.id, 'escalation')).filter((m) => m.includes('again'));
    expect(again).toHaveLength(3);
    expect(again[0]).toMatch(/^Sev 3 ladder tier 2 reached .+ again \(on-call primary\): already emailed about this incident this minute$/);
  });
});
