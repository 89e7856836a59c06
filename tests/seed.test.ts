import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Database } from '../src/db/schema.js';
import { localDate } from '../src/time.js';
import { seedDemo } from '../seeds/demo.js';
import { createTestDb, DIALECTS, type TestDb } from './helpers/db.js';

const NOW = new Date('2026-05-09T08:26:00.000Z');

/** Every table the seed may write, to compare counts before and after a second run. */
const TABLES: (keyof Database)[] = [
  'processes', 'users', 'incidents', 'incident_events', 'downtime_events', 'tickets', 'approvals', 'handovers',
  'escalation_chains', 'escalation_tiers', 'escalation_executions', 'automation_rules', 'automation_executions',
  'oncall_rotations', 'oncall_schedules', 'notifications', 'notification_reads', 'audit_log', 'activity_log',
  'verification_codes', 'password_tokens', 'email_outbox', 'integrations', 'ai_insights',
];

describe.each(DIALECTS)('demo seed (%s)', (dialect) => {
  let t: TestDb;
  let firstRun: boolean;
  let seedMs: number;

  beforeAll(async () => {
    t = await createTestDb(dialect);
    const started = performance.now();
    firstRun = await seedDemo(t.db, NOW);
    seedMs = performance.now() - started;
  });

  afterAll(async () => {
    await t?.drop();
  });

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const row = await t.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      out[table] = Number(row.n);
    }
    return out;
  }

  it('creates the 8 processes and 41 accounts with the expected roles', async () => {
    expect(firstRun).toBe(true);
    const processes = await t.db.selectFrom('processes').select(['name', 'timezone']).execute();
    expect(processes.map((p) => p.name).sort()).toEqual(['Ignite', 'MBA', 'MobiHive', 'Momo', 'RDG', 'Sanlam', 'Sunking', 'Muzanu'].sort());
    expect(new Set(processes.map((p) => p.timezone))).toEqual(new Set(['Africa/Johannesburg']));
    const users = await t.db.selectFrom('users').select(['role']).execute();
    expect(users).toHaveLength(41);
    const byRole: Record<string, number> = {};
    for (const u of users) byRole[u.role] = (byRole[u.role] ?? 0) + 1;
    expect(byRole).toEqual({ super_admin: 1, admin: 8, manager: 8, operator: 8, client: 8, viewer: 8 });
  });

  it('gives every process open incidents, including an open Sev 1, with consistent times', async () => {
    const processes = await t.db.selectFrom('processes').select(['id', 'name']).execute();
    const incidents = await t.db.selectFrom('incidents').selectAll().execute();
    for (const p of processes) {
      const own = incidents.filter((i) => i.process_id === p.id);
      expect(own.length, p.name).toBeGreaterThanOrEqual(6);
      expect(own.some((i) => i.status === 'open'), p.name).toBe(true);
      expect(own.some((i) => i.status === 'open' && i.severity === 1), p.name).toBe(true);
      expect(new Set(own.map((i) => i.status))).toEqual(new Set(['open', 'in_progress', 'resolved']));
      expect(own.some((i) => i.assigned_to === null)).toBe(true);
      expect(own.some((i) => i.assigned_to !== null)).toBe(true);
      expect(own.some((i) => i.title === `${p.name} API Gateway Timeout` && i.severity === 1 && i.status === 'open')).toBe(true);
    }
    for (const i of incidents) {
      expect(i.opened_at).toBeInstanceOf(Date);
      expect(i.opened_at.getTime()).toBeLessThanOrEqual(NOW.getTime() - 30 * 60_000);
      expect(i.opened_at.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 14 * 86_400_000);
      expect(i.updated_at.getTime()).toBeGreaterThanOrEqual(i.opened_at.getTime());
      expect(i.updated_at.getTime()).toBeLessThanOrEqual(NOW.getTime());
      if (i.status === 'resolved') {
        expect(i.resolved_at, i.title).not.toBeNull();
        expect(i.resolved_at!.getTime()).toBeGreaterThan(i.opened_at.getTime());
        expect(i.rca).toBeTruthy();
      } else {
        expect(i.resolved_at).toBeNull();
      }
      if (i.status === 'in_progress') expect(i.acknowledged_at).not.toBeNull();
    }
  });

  it('writes a timeline for every incident, in order', async () => {
    const incidents = await t.db.selectFrom('incidents').select(['id', 'opened_at']).execute();
    const events = await t.db.selectFrom('incident_events').select(['incident_id', 'kind', 'created_at', 'id']).orderBy('id').execute();
    for (const i of incidents) {
      const own = events.filter((e) => e.incident_id === i.id);
      expect(own[0]?.kind).toBe('created');
      expect(own[0].created_at.getTime()).toBe(i.opened_at.getTime());
      for (let k = 1; k < own.length; k++) expect(own[k].created_at.getTime()).toBeGreaterThanOrEqual(own[k - 1].created_at.getTime());
    }
  });

  it('ends every ended downtime after it started and keeps one ongoing per process', async () => {
    const rows = await t.db.selectFrom('downtime_events').selectAll().execute();
    expect(rows.length).toBeGreaterThanOrEqual(16);
    for (const d of rows) {
      expect(Array.isArray(JSON.parse(d.services_affected))).toBe(true);
      expect(['low', 'medium', 'high']).toContain(d.impact_level);
      if (d.ended_at) expect(d.ended_at.getTime()).toBeGreaterThan(d.started_at.getTime());
    }
    const processes = await t.db.selectFrom('processes').select('id').execute();
    for (const p of processes) expect(rows.filter((d) => d.process_id === p.id && d.ended_at === null)).toHaveLength(1);
  });

  it('puts exactly one primary on call per process and day for 14 days', async () => {
    const processes = await t.db.selectFrom('processes').select(['id', 'timezone']).execute();
    const rows = await t.db.selectFrom('oncall_schedules').select(['process_id', 'date', 'role', 'primary_date']).execute();
    for (const p of processes) {
      const today = localDate(NOW, p.timezone);
      const base = Date.parse(`${today}T00:00:00Z`);
      const days = Array.from({ length: 14 }, (_, k) => new Date(base + (k - 3) * 86_400_000).toISOString().slice(0, 10));
      const own = rows.filter((r) => r.process_id === p.id);
      expect(new Set(own.map((r) => r.date))).toEqual(new Set(days));
      for (const day of days) {
        const ofDay = own.filter((r) => r.date === day);
        expect(ofDay.filter((r) => r.role === 'primary')).toHaveLength(1);
        expect(ofDay.map((r) => r.role).sort()).toEqual(['backup', 'escalation', 'primary']);
      }
      for (const r of own) expect(r.primary_date).toBe(r.role === 'primary' ? r.date : null);
    }
  });

  it('keeps each automation rule\'s execution count equal to its executions', async () => {
    const rules = await t.db.selectFrom('automation_rules').selectAll().execute();
    const executions = await t.db.selectFrom('automation_executions').select(['rule_id', 'process_id']).execute();
    expect(rules).toHaveLength(16);
    for (const r of rules) {
      const own = executions.filter((e) => e.rule_id === r.id);
      expect(r.execution_count, r.name).toBe(own.length);
      for (const e of own) expect(e.process_id).toBe(r.process_id);
    }
    const escalate = rules.filter((r) => r.name === 'Escalate Sev 1 after 30min');
    expect(escalate).toHaveLength(8);
    for (const r of escalate) {
      expect(r.execution_count).toBe(2);
      expect(r.last_run_at).not.toBeNull();
      const chainId = JSON.parse(r.action_config).chain_id;
      const chain = await t.db.selectFrom('escalation_chains').select(['process_id']).where('id', '=', chainId).executeTakeFirstOrThrow();
      expect(chain.process_id).toBe(r.process_id);
    }
    const digest = rules.filter((r) => r.name === 'Nightly SLA Digest');
    expect(digest.map((r) => r.execution_count)).toEqual(Array(8).fill(0));
    expect(JSON.parse(digest[0].trigger_config)).toEqual({ cron: '0 0 7 * * *', timezone: 'Africa/Johannesburg' });
  });

  it('builds a three-tier Sev1 Escalation chain per process from its own users', async () => {
    const chains = await t.db.selectFrom('escalation_chains').selectAll().where('name', '=', 'Sev1 Escalation').execute();
    expect(chains).toHaveLength(8);
    const users = new Map((await t.db.selectFrom('users').select(['id', 'process_id', 'role']).execute()).map((u) => [u.id, u]));
    for (const c of chains) {
      expect(c.trigger_severity).toBe(1);
      const tiers = await t.db.selectFrom('escalation_tiers').selectAll().where('chain_id', '=', c.id).orderBy('position').execute();
      expect(tiers.map((x) => x.position)).toEqual([1, 2, 3]);
      expect(tiers.map((x) => x.delay_minutes)).toEqual([0, 15, 30]);
      expect(tiers[2].user_id).toBeNull();
      for (const tier of tiers) {
        expect(tier.process_id).toBe(c.process_id);
        expect(JSON.parse(tier.channels)).toEqual(['email']);
        if (tier.user_id !== null) expect(users.get(tier.user_id)?.process_id).toBe(c.process_id);
      }
      expect(users.get(tiers[0].user_id!)?.role).toBe('operator');
      expect(users.get(tiers[1].user_id!)?.role).toBe('manager');
    }
  });

  it('never points a tenant row at a user of another process', async () => {
    const users = new Map((await t.db.selectFrom('users').select(['id', 'process_id']).execute()).map((u) => [u.id, u.process_id]));
    const refs: { table: string; rows: { process_id: number; user: number | null }[] }[] = [
      { table: 'incidents.assigned_to', rows: await t.db.selectFrom('incidents').select(['process_id', 'assigned_to as user']).execute() },
      { table: 'incidents.opened_by', rows: await t.db.selectFrom('incidents').select(['process_id', 'opened_by as user']).execute() },
      { table: 'tickets.assigned_to', rows: await t.db.selectFrom('tickets').select(['process_id', 'assigned_to as user']).execute() },
      { table: 'handovers.recipient_id', rows: await t.db.selectFrom('handovers').select(['process_id', 'recipient_id as user']).execute() },
      { table: 'handovers.submitted_by', rows: await t.db.selectFrom('handovers').select(['process_id', 'submitted_by as user']).execute() },
      { table: 'escalation_tiers.user_id', rows: await t.db.selectFrom('escalation_tiers').select(['process_id', 'user_id as user']).execute() },
      { table: 'escalation_executions.target_user_id', rows: await t.db.selectFrom('escalation_executions').select(['process_id', 'target_user_id as user']).execute() },
      { table: 'oncall_schedules.user_id', rows: await t.db.selectFrom('oncall_schedules').select(['process_id', 'user_id as user']).execute() },
      { table: 'approvals.reviewed_by', rows: await t.db.selectFrom('approvals').select(['process_id', 'reviewed_by as user']).execute() },
      { table: 'notifications.sent_by', rows: await t.db.selectFrom('notifications').select(['process_id', 'sent_by as user']).execute() },
      { table: 'audit_log.user_id', rows: (await t.db.selectFrom('audit_log').select(['process_id', 'user_id as user']).execute()).map((r) => ({ process_id: r.process_id!, user: r.user })) },
    ];
    for (const { table, rows } of refs) {
      expect(rows.length, table).toBeGreaterThan(0);
      for (const r of rows) if (r.user !== null) expect(users.get(r.user), table).toBe(r.process_id);
    }
    // Incidents referenced from other modules belong to the same process.
    const incidents = new Map((await t.db.selectFrom('incidents').select(['id', 'process_id']).execute()).map((i) => [i.id, i.process_id]));
    for (const table of ['tickets', 'downtime_events', 'incident_events', 'escalation_executions', 'automation_executions'] as const) {
      const rows = await t.db.selectFrom(table).select(['process_id', 'incident_id']).execute();
      for (const r of rows) if (r.incident_id !== null) expect(incidents.get(r.incident_id), table).toBe(r.process_id);
    }
  });

  it('fills the other modules of every process', async () => {
    const processes = await t.db.selectFrom('processes').select('id').execute();
    const tickets = await t.db.selectFrom('tickets').selectAll().execute();
    const approvals = await t.db.selectFrom('approvals').selectAll().execute();
    const handovers = await t.db.selectFrom('handovers').selectAll().execute();
    const notifications = await t.db.selectFrom('notifications').selectAll().execute();
    for (const p of processes) {
      const ownTickets = tickets.filter((x) => x.process_id === p.id);
      expect(new Set(ownTickets.map((x) => x.type))).toEqual(new Set(['incident', 'change', 'access', 'report']));
      expect(new Set(ownTickets.map((x) => x.status))).toEqual(new Set(['open', 'in_progress', 'closed']));
      expect(ownTickets.some((x) => x.incident_id !== null)).toBe(true);
      for (const x of ownTickets) expect(x.closed_at === null).toBe(x.status !== 'closed');
      expect(approvals.filter((x) => x.process_id === p.id).map((x) => x.status).sort()).toEqual(['approved', 'pending', 'rejected']);
      const ownHandovers = handovers.filter((x) => x.process_id === p.id);
      expect(ownHandovers.some((x) => x.acknowledged_at !== null)).toBe(true);
      expect(ownHandovers.some((x) => x.acknowledged_at === null)).toBe(true);
      const ownNotes = notifications.filter((x) => x.process_id === p.id);
      expect(new Set(ownNotes.map((x) => x.direction))).toEqual(new Set(['ops_to_client', 'client_to_ops']));
      for (const n of ownNotes) expect(n.recipients).toBeGreaterThan(0);
    }
    for (const a of approvals) expect(a.reviewed_by !== null && a.reviewed_by !== a.submitted_by).toBe(a.status !== 'pending');
  });

  it('logs audit and activity entries, none in the future, some within the last hour', async () => {
    const audit = await t.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    const activity = await t.db.selectFrom('activity_log').selectAll().orderBy('id').execute();
    expect(activity).toHaveLength(audit.length);
    for (let k = 1; k < activity.length; k++) expect(activity[k].created_at.getTime()).toBeGreaterThanOrEqual(activity[k - 1].created_at.getTime());
    for (const a of audit) {
      expect(a.created_at.getTime()).toBeLessThanOrEqual(NOW.getTime());
      expect(a.action.startsWith(`${a.entity_type}.`)).toBe(true);
    }
    const actions = new Set(audit.map((a) => a.action));
    for (const action of ['incident.create', 'incident.update', 'ticket.create', 'approval.create', 'approval.approved',
      'approval.rejected', 'handover.submit', 'handover.acknowledge', 'downtime.create', 'downtime.end']) {
      expect(actions.has(action), action).toBe(true);
    }
    const processes = await t.db.selectFrom('processes').select('id').execute();
    for (const p of processes) {
      expect(activity.filter((a) => a.process_id === p.id && a.created_at.getTime() > NOW.getTime() - 3_600_000).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('is quick', () => {
    // Mostly password hashing; the module data itself takes a fraction of this.
    expect(seedMs).toBeLessThan(10_000);
  });

  it('is idempotent: a second run adds nothing', async () => {
    const before = await counts();
    expect(await seedDemo(t.db, new Date(NOW.getTime() + 3_600_000))).toBe(false);
    expect(await counts()).toEqual(before);
  });
});
