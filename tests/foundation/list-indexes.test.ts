import {
  CompiledQuery, DummyDriver, Kysely, MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler, sql, SqliteAdapter,
  SqliteIntrospector, SqliteQueryCompiler,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Dialect } from '../../src/db/index.js';
import type { Database } from '../../src/db/schema.js';
import { outboxStats } from '../../src/mail/dispatcher.js';
import { listActivity } from '../../src/modules/activity/queries.js';
import { listApprovals } from '../../src/modules/approvals/queries.js';
import { countAudit, listAudit } from '../../src/modules/audit-log/queries.js';
import { countOpenIncidents, countOpenTickets } from '../../src/modules/dashboard/queries.js';
import { listDowntime } from '../../src/modules/downtime/queries.js';
import { listEmails } from '../../src/modules/email-log/queries.js';
import { listHandovers } from '../../src/modules/handovers/queries.js';
import { listIncidentSummaries } from '../../src/modules/incidents/queries.js';
import { deliverySummary, listNotifications, unreadCount } from '../../src/modules/notifications/queries.js';
import { listOncall } from '../../src/modules/oncall/queries.js';
import { listTickets } from '../../src/modules/tickets/queries.js';
import { listUsers } from '../../src/modules/users/queries.js';
import { listDeliveries } from '../../src/webhooks/deliveries.js';
import type { Cursor } from '../../src/pagination.js';
import { scoped, type Actor } from '../../src/tenancy.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

/**
 * The lists and counts indexed by migrations/007_list_indexes.ts keep reading their index range in
 * the order they return, on both databases: EXPLAIN of the statement the application's own query
 * function sends (compiled for the dialect, run against a few thousand rows per table spread over
 * four processes, after ANALYZE) must use the expected index and must not sort (filesort, temporary
 * table, temp B-tree) or scan the table. A query change or a dropped index that loses this fails here.
 */

const PROCESSES = 4;
const ROWS = 6000;
/** audit_log, activity_log and email_outbox. */
const BIG_ROWS = 20000;
const DAY = 86_400_000;

interface Actors {
  /** An incident of the operator's process with downtime linked. */
  incidentId: number;
  op: Actor;
  mgr: Actor;
  admin: Actor;
  client: Actor;
  superAll: Actor;
  now: Date;
  /** Well inside each table's time span: a deep page. */
  deep: Cursor;
}

interface Case {
  name: string;
  run: (db: Db, a: Actors) => Promise<unknown>;
  /**
   * The table the list reads and the index it must read it through; several where either is an
   * in-order read of a range (MariaDB may walk the time index of every process and skip the others').
   */
  table: string;
  index: string | string[];
}

const CASES: Case[] = [
  // "All processes" lists, newest first: the list's own table first (MariaDB), through its (time, id) index.
  { name: 'tickets, every process', table: 'tickets', index: 'ix_tickets_created_at_id', run: (db, a) => listTickets(db, a.superAll, {}, null, 25) },
  { name: 'tickets, every process, deep page', table: 'tickets', index: 'ix_tickets_created_at_id', run: (db, a) => listTickets(db, a.superAll, {}, a.deep, 25) },
  { name: 'incidents, every process', table: 'incidents', index: 'ix_incidents_opened_at_id', run: (db, a) => listIncidentSummaries(db, a.superAll, {}, null, 25) },
  { name: 'approvals, every process', table: 'approvals', index: 'ix_approvals_submitted_at_id', run: (db, a) => listApprovals(db, a.superAll, {}, null, 25) },
  { name: 'handovers, every process', table: 'handovers', index: 'ix_handovers_handover_time_id', run: (db, a) => listHandovers(db, a.superAll, {}, null, 25) },
  { name: 'notifications, every process', table: 'notifications', index: 'ix_notifications_sent_at_id', run: (db, a) => listNotifications(db, a.superAll, {}, null, 25) },
  { name: 'users, every process', table: 'users', index: 'ix_users_created_at', run: (db, a) => listUsers(db, a.superAll, {}, null, 25) },
  { name: 'email log, every process', table: 'email_outbox', index: 'ix_email_outbox_channel_created_at', run: (db, a) => listEmails(db, a.superAll, {}, null, 25) },
  { name: 'webhook deliveries, every process', table: 'email_outbox', index: 'ix_email_outbox_channel_created_at', run: (db, a) => listDeliveries(db, a.superAll, {}, null, 25) },
  // One process's lists and their filters.
  { name: 'approvals of a process', table: 'approvals', index: 'ix_approvals_process_id_submitted_at_id', run: (db, a) => listApprovals(db, a.mgr, {}, null, 25) },
  { name: 'approvals of a process, deep page', table: 'approvals', index: ['ix_approvals_process_id_submitted_at_id', 'ix_approvals_submitted_at_id'], run: (db, a) => listApprovals(db, a.mgr, {}, a.deep, 25) },
  { name: "an operator's own approvals", table: 'approvals', index: 'ix_approvals_submitted_by_submitted_at', run: (db, a) => listApprovals(db, a.op, {}, null, 25) },
  { name: "an incident's downtime", table: 'downtime_events', index: 'ix_downtime_events_incident_id_started_at', run: (db, a) => listDowntime(db, a.op, { incidentId: a.incidentId }, null, 25) },
  { name: 'ongoing downtime', table: 'downtime_events', index: 'ix_downtime_events_process_id_ended_at_started_at', run: (db, a) => listDowntime(db, a.op, { status: 'ongoing' }, null, 25) },
  {
    name: 'ongoing downtime count', table: 'downtime_events', index: 'ix_downtime_events_process_id_ended_at_started_at',
    run: (db, a) => scoped(db.selectFrom('downtime_events'), a.op, 'downtime_events.process_id')
      .select((eb) => eb.fn.countAll<number>().as('n')).where('downtime_events.ended_at', 'is', null).executeTakeFirst(),
  },
  { name: 'pending handovers', table: 'handovers', index: 'ix_handovers_process_id_acknowledged_at_handover_time', run: (db, a) => listHandovers(db, a.op, { status: 'pending' }, null, 25) },
  {
    name: 'handovers waiting for me (count)', table: 'handovers', index: 'ix_handovers_recipient_id_acknowledged_at',
    run: (db, a) => scoped(db.selectFrom('handovers'), a.op, 'handovers.process_id').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('handovers.recipient_id', '=', a.op.userId).where('handovers.acknowledged_at', 'is', null).executeTakeFirst(),
  },
  { name: 'notification bell: unread count', table: 'notifications', index: 'ix_notifications_process_id_direction_sent_at', run: (db, a) => unreadCount(db, a.op) },
  { name: 'notification delivery summary', table: 'email_outbox', index: 'ix_email_outbox_notification_id_status', run: (db) => deliverySummary(db, [3, 5, 7, 9]) },
  { name: 'users of a process', table: 'users', index: 'ix_users_process_id_created_at', run: (db, a) => listUsers(db, a.admin, {}, null, 25) },
  { name: 'users of a process by role', table: 'users', index: 'ix_users_process_id_role_created_at', run: (db, a) => listUsers(db, a.admin, { role: 'operator' }, null, 25) },
  { name: 'audit log: an action', table: 'audit_log', index: 'ix_audit_log_process_id_action_created_at', run: (db, a) => listAudit(db, a.admin, { action: 'ticket.create' }, null, 25) },
  { name: 'audit log: an entity type', table: 'audit_log', index: 'ix_audit_log_process_id_entity_type_created_at', run: (db, a) => listAudit(db, a.admin, { action: 'incident' }, null, 25) },
  { name: 'audit log: an entity type, deep page', table: 'audit_log', index: 'ix_audit_log_process_id_entity_type_created_at', run: (db, a) => listAudit(db, a.admin, { action: 'incident' }, a.deep, 25) },
  { name: 'audit log count: an entity type', table: 'audit_log', index: 'ix_audit_log_process_id_entity_type_created_at', run: (db, a) => countAudit(db, a.admin, { action: 'incident' }) },
  { name: 'email log: a status', table: 'email_outbox', index: 'ix_email_outbox_channel_process_id_status_created_at', run: (db, a) => listEmails(db, a.admin, { status: 'failed' }, null, 25) },
  { name: 'email log: counts by status', table: 'email_outbox', index: 'ix_email_outbox_channel_process_id_status_created_at', run: (db, a) => outboxStats(db, a.admin) },
  { name: 'webhook deliveries: a status', table: 'email_outbox', index: 'ix_email_outbox_channel_process_id_status_created_at', run: (db, a) => listDeliveries(db, a.admin, { status: 'failed' }, null, 25) },
  { name: 'activity feed: a type', table: 'activity_log', index: 'ix_activity_log_process_id_entity_type_id', run: (db, a) => listActivity(db, a.op, { type: 'ticket' }, null, 25) },
  // The point here: each event's notification is looked up by primary key, never all of them listed.
  { name: "activity feed: a client's", table: 'activity_log', index: ['ix_activity_log_process_id_id', 'PRIMARY'], run: (db, a) => listActivity(db, a.client, {}, null, 25) },
  { name: "activity feed: a client's, deep page", table: 'activity_log', index: ['ix_activity_log_process_id_id', 'PRIMARY'], run: (db, a) => listActivity(db, a.client, {}, { at: a.now, id: BIG_ROWS / 2 }, 25) },
  { name: "activity feed: an operator's, deep page", table: 'activity_log', index: ['ix_activity_log_process_id_id', 'PRIMARY'], run: (db, a) => listActivity(db, a.op, {}, { at: a.now, id: BIG_ROWS / 2 }, 25) },
  { name: 'on-call rows after a cursor', table: 'oncall_schedules', index: 'ix_oncall_schedules_process_id_date', run: (db, a) => listOncall(db, a.op, {}, { at: new Date(a.now.getTime() - 30 * DAY), id: 1 }, 50) },
  { name: 'on-call rows of every process', table: 'oncall_schedules', index: 'ix_oncall_schedules_date', run: (db, a) => listOncall(db, a.superAll, { from: '2026-06-01', to: '2026-06-30' }, null, 50) },
  { name: 'dashboard: open incidents', table: 'incidents', index: 'ix_incidents_process_id_status_opened_at', run: (db, a) => countOpenIncidents(db, a.op) },
  { name: 'dashboard: open tickets of every process', table: 'tickets', index: 'ix_tickets_status_created_at', run: (db, a) => countOpenTickets(db, a.superAll) },
];

/** The statements a query function sends, compiled for the dialect without running them. */
async function capture(dialect: Dialect, run: (db: Db) => Promise<unknown>): Promise<CompiledQuery[]> {
  const out: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect: dialect === 'mysql'
      ? { createAdapter: () => new MysqlAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (k) => new MysqlIntrospector(k), createQueryCompiler: () => new MysqlQueryCompiler() }
      : { createAdapter: () => new SqliteAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (k) => new SqliteIntrospector(k), createQueryCompiler: () => new SqliteQueryCompiler() },
    log: (e) => { if (e.level === 'query') out.push(e.query); },
  });
  try {
    await run(db);
  } finally {
    await db.destroy();
  }
  return out;
}

interface Plan {
  /** The index the table is read through, or null (a full scan). */
  index: string | null;
  sorts: boolean;
  /** Another big table read in full (e.g. a subquery listing every notification). */
  scans: string[];
  lines: string[];
}

const BIG_TABLES = new Set(['incidents', 'tickets', 'downtime_events', 'approvals', 'handovers', 'notifications', 'users', 'audit_log', 'activity_log', 'email_outbox', 'oncall_schedules']);

async function explain(t: TestDb, q: CompiledQuery, table: string): Promise<Plan> {
  if (t.dialect === 'mysql') {
    const rows = (await t.db.executeQuery(CompiledQuery.raw(`EXPLAIN ${q.sql}`, [...q.parameters]))).rows as Record<string, unknown>[];
    const mine = rows.find((r) => r.table === table);
    return {
      index: mine && mine.type !== 'ALL' ? String(mine.key) : null,
      sorts: rows.some((r) => /filesort|temporary/i.test(String(r.Extra ?? ''))),
      scans: rows.filter((r) => r.type === 'ALL' && BIG_TABLES.has(String(r.table))).map((r) => String(r.table)),
      lines: rows.map((r) => `${r.select_type} ${r.table} type=${r.type} key=${r.key} rows=${r.rows} ${r.Extra ?? ''}`),
    };
  }
  const rows = (await t.db.executeQuery(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${q.sql}`, [...q.parameters]))).rows as { detail: string }[];
  const lines = rows.map((r) => r.detail);
  const mine = lines.find((l) => new RegExp(`^(SEARCH|SCAN) ${table}\\b`).test(l)) ?? '';
  return {
    index: /USING (?:COVERING )?INDEX (\w+)/.exec(mine)?.[1] ?? null,
    sorts: lines.some((l) => /TEMP B-TREE/.test(l)),
    scans: lines.map((l) => /^SCAN (\w+)$/.exec(l)?.[1]).filter((x): x is string => !!x && BIG_TABLES.has(x)),
    lines,
  };
}

/** SQL that numbers rows 1..n on both dialects (a cross join of digits). */
function numbers(n: number): string {
  const digits = '(select 0 as d union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)';
  let parts = 1;
  while (10 ** parts < n) parts++;
  const names = Array.from({ length: parts }, (_, i) => `d${i}`);
  const value = names.map((x, i) => `${x}.d * ${10 ** i}`).join(' + ');
  return `(select ${value} + 1 as seq from ${names.map((x) => `${digits} ${x}`).join(' cross join ')}) nums where nums.seq <= ${n}`;
}

async function fill(t: TestDb, now: Date): Promise<Actors> {
  const db = t.db;
  const my = t.dialect === 'mysql';
  const ago = (seconds: string) => (my
    ? `(timestamp('${now.toISOString().slice(0, 23).replace('T', ' ')}') - interval (${seconds}) second)`
    : `strftime('%Y-%m-%dT%H:%M:%fZ', '${now.toISOString()}', printf('%+d seconds', -(${seconds})))`);
  const dateAgo = (days: string) => (my
    ? `date_format(date('${now.toISOString().slice(0, 10)}') - interval (${days}) day, '%Y-%m-%d')`
    : `strftime('%Y-%m-%d', '${now.toISOString()}', printf('%+d days', -(${days})))`);
  const cat = (...xs: string[]) => (my ? `concat(${xs.join(', ')})` : xs.join(' || '));
  const div = (a: string, b: number) => (my ? `(${a} div ${b})` : `(${a} / ${b})`);
  /** Process of row `seq`, and `q`: the row's number within its process (attributes vary with it, not with the process). */
  const P = `(1 + nums.seq % ${PROCESSES})`;
  const Q = div('nums.seq', PROCESSES);

  const people: Record<string, Actor> = {};
  for (let p = 1; p <= PROCESSES; p++) {
    await db.insertInto('processes').values({ id: p, slug: `p${p}`, name: `Process ${p}`, timezone: 'UTC', created_at: now }).execute();
    for (const role of ['operator', 'manager', 'admin', 'client'] as const) {
      const email = `${role}${p}@example.com`;
      const r = await db.insertInto('users').values({
        process_id: p, email, name: `${role} ${p}`, role, is_active: true, must_change_password: false,
        tokens_valid_after: new Date(0), created_at: new Date(now.getTime() - 800 * DAY), updated_at: now,
      }).executeTakeFirst();
      if (p === 1) people[role] = { userId: Number(r.insertId), processId: 1, role, name: role, email, processSlug: 'p1', viewProcessId: null };
    }
  }
  const superUser = await db.insertInto('users').values({
    process_id: 1, email: 'root@example.com', name: 'Root', role: 'super_admin', is_active: true, must_change_password: false,
    tokens_valid_after: new Date(0), created_at: now, updated_at: now,
  }).executeTakeFirst();
  // Staff of the row's process: its operator (ids 1, 5, 9, ...) or its manager (2, 6, ...).
  const operatorOf = `((${P} - 1) * 4 + 1)`;
  const managerOf = `((${P} - 1) * 4 + 2)`;
  const spread = (k: number) => ago(`nums.seq * ${k} % 63072000`);

  const statements = [
    `insert into incidents (process_id, title, severity, status, assigned_to, opened_by, opened_at, source, updated_at)
      select ${P}, ${cat("'Incident '", 'nums.seq')}, 1 + ${Q} % 4, case when ${Q} % 50 = 0 then 'open' when ${Q} % 50 = 1 then 'in_progress' else 'resolved' end,
        ${operatorOf}, ${operatorOf}, ${spread(311)}, 'manual', ${ago('0')} from ${numbers(ROWS)}`,
    `insert into tickets (process_id, title, type, status, created_by, created_at, updated_at)
      select ${P}, ${cat("'Ticket '", 'nums.seq')}, 'incident', case when ${Q} % 20 = 0 then 'open' when ${Q} % 20 = 1 then 'in_progress' else 'closed' end,
        ${operatorOf}, ${spread(313)}, ${ago('0')} from ${numbers(ROWS)}`,
    // A tenth of the events are linked to the incident of the same number (same process).
    `insert into downtime_events (process_id, incident_id, started_at, ended_at, services_affected, impact_level, created_by, created_at)
      select ${P}, case when ${Q} % 10 = 0 then nums.seq else null end, ${spread(317)}, case when ${Q} % 100 = 0 then null else ${ago('nums.seq * 317 % 63072000 - 3600')} end, 'API', 'low', ${operatorOf}, ${ago('0')}
      from ${numbers(ROWS)}`,
    `insert into approvals (process_id, type, title, submitted_by, status, submitted_at)
      select ${P}, 'change', ${cat("'Approval '", 'nums.seq')}, case when ${Q} % 10 = 0 then ${operatorOf} else ${managerOf} end,
        case when ${Q} % 20 = 0 then 'pending' when ${Q} % 2 = 0 then 'approved' else 'rejected' end, ${spread(331)} from ${numbers(ROWS)}`,
    `insert into handovers (process_id, submitted_by, recipient_id, shift, handover_time, created_at, acknowledged_at)
      select ${P}, ${managerOf}, case when ${Q} % 10 = 0 then ${operatorOf} else ${managerOf} end, 'Day', ${spread(337)}, ${ago('0')},
        case when ${Q} % 100 = 0 then null else ${ago('0')} end from ${numbers(ROWS)}`,
    `insert into notifications (process_id, direction, subject, message, sent_by, recipients, bounces, sent_at)
      select ${P}, case when ${Q} % 4 = 0 then 'client_to_ops' else 'ops_to_client' end, ${cat("'Notice '", 'nums.seq')}, 'm', ${managerOf}, 3, 0, ${spread(347)}
      from ${numbers(ROWS)}`,
    `insert into users (process_id, email, name, role, is_active, must_change_password, tokens_valid_after, created_at, updated_at)
      select ${P}, ${cat("'bulk'", 'nums.seq', "'@example.com'")}, ${cat("'Bulk '", 'nums.seq')},
        case ${Q} % 5 when 0 then 'operator' when 1 then 'viewer' when 2 then 'client' when 3 then 'manager' else 'admin' end,
        case when ${Q} % 10 = 0 then 0 else 1 end, 0, ${ago('0')}, ${spread(349)}, ${ago('0')} from ${numbers(ROWS)}`,
    `insert into oncall_schedules (process_id, user_id, date, role, created_at)
      select ${P}, ${operatorOf}, ${dateAgo(`(${Q} % 1500) - 100`)}, 'backup', ${ago('0')} from ${numbers(ROWS)}`,
    `insert into audit_log (process_id, user_id, action, entity_type, entity_id, created_at)
      select ${P}, ${operatorOf},
        case ${Q} % 6 when 0 then 'incident.create' when 1 then 'incident.update' when 2 then 'ticket.create' when 3 then 'user.login' when 4 then 'approval.decide' else 'email.retry' end,
        case ${Q} % 6 when 0 then 'incident' when 1 then 'incident' when 2 then 'ticket' when 3 then 'user' when 4 then 'approval' else 'email' end,
        nums.seq, ${ago(`(${BIG_ROWS} - nums.seq) * 3000`)} from ${numbers(BIG_ROWS)}`,
    `insert into activity_log (process_id, user_id, entity_type, entity_id, action, summary, created_at)
      select ${P}, ${operatorOf},
        case ${Q} % 7 when 0 then 'incident' when 1 then 'ticket' when 2 then 'approval' when 3 then 'notification' when 4 then 'user' when 5 then 'email' else 'downtime' end,
        1 + ${Q} % ${ROWS}, 'create', 'summary', ${ago(`(${BIG_ROWS} - nums.seq) * 3000`)} from ${numbers(BIG_ROWS)}`,
    `insert into email_outbox (process_id, channel, to_address, subject, text, template, notification_id, status, attempts, next_attempt_at, created_at)
      select ${P}, case when ${Q} % 5 = 0 then 'webhook' else 'email' end, ${cat("'user'", `${Q} % 500`, "'@example.com'")}, ${cat("'Subject '", 'nums.seq')}, 't', 'incident.created',
        case when ${Q} % 7 = 0 then 1 + ${Q} % ${ROWS} else null end,
        case when ${Q} % 200 = 0 then 'failed' when ${Q} % 200 = 1 then 'bounced' else 'sent' end, 1,
        ${ago(`(${BIG_ROWS} - nums.seq) * 3000`)}, ${ago(`(${BIG_ROWS} - nums.seq) * 3000`)} from ${numbers(BIG_ROWS)}`,
  ];
  for (const s of statements) await sql.raw(s).execute(db);
  if (my) {
    for (const table of BIG_TABLES) await sql.raw(`ANALYZE TABLE ${table}`).execute(db);
  } else {
    await sql.raw('ANALYZE').execute(db);
  }
  const linked = await db.selectFrom('downtime_events').select('incident_id')
    .where('process_id', '=', people.operator.processId).where('incident_id', 'is not', null).orderBy('id', 'desc').executeTakeFirstOrThrow();
  return {
    incidentId: linked.incident_id!,
    op: people.operator, mgr: people.manager, admin: people.admin, client: people.client,
    superAll: { userId: Number(superUser.insertId), processId: 1, role: 'super_admin', name: 'Root', email: 'root@example.com', processSlug: 'p1', viewProcessId: null },
    now,
    deep: { at: new Date(now.getTime() - 400 * DAY), id: 1_000_000_000 },
  };
}

describe.each(DIALECTS)('list indexes on %s', (dialect) => {
  let t: TestDb;
  let actors: Actors;
  beforeAll(async () => {
    t = await createTestDb(dialect);
    actors = await fill(t, new Date('2026-06-01T12:00:00.000Z'));
  }, 120_000);
  afterAll(async () => t?.drop());

  it.each(CASES.map((c) => [c.name, c] as const))('%s reads its index in order', async (_name, c) => {
    const statements = await capture(dialect, (db) => c.run(db, actors));
    // The list or count is the last statement (the bell reads the member's row first).
    const plan = await explain(t, statements[statements.length - 1], c.table);
    const shown = `${statements[statements.length - 1].sql}\n${plan.lines.join('\n')}`;
    expect(typeof c.index === 'string' ? [c.index] : c.index, shown).toContain(plan.index);
    expect(plan.sorts, shown).toBe(false);
    expect(plan.scans, shown).toEqual([]);
  });
});
