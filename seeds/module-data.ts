import { sql, type Insertable, type Kysely } from 'kysely';
import { appendAuditRows } from '../src/audit.js';
import type { Db } from '../src/db/index.js';
import type { Database, IncidentStatus, Role } from '../src/db/schema.js';
import { formatDuration, localDate, zonedInstant } from '../src/time.js';

/**
 * Demo records for every module, relative to `now`, so that each page is meaningful on first start
 * (DESIGN.md, Demo seed). Runs in one transaction; rows are inserted in batches.
 *
 * The data is kept consistent with what the background jobs would have done, so that their first tick
 * does not fire a burst of mail about demo data: open unassigned incidents older than 30 minutes have
 * their reminder sent, Sev 1 incidents have the escalation tiers that were due fired, and the
 * "Escalate Sev 1 after 30min" rule has an execution for every Sev 1 incident that stayed unresolved
 * for 30 minutes.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** On-call covers these calendar days around today (14 days). */
export const ONCALL_DAYS_BEFORE = 3;
export const ONCALL_DAYS_AFTER = 10;

// ---------------------------------------------------------------------------------------------
// Content
// ---------------------------------------------------------------------------------------------

interface Story {
  title: string;
  description: string;
  rca: string;
  services: string[];
}

const API_GATEWAY_TIMEOUT: Story = {
  title: 'API Gateway Timeout',
  description: 'Partner and mobile app API calls time out at the API gateway (HTTP 504 after 30 s). Error rate above 40% on /v1/transactions; latency p95 over 28 s.',
  rca: 'The upstream connection pool of the API gateway was exhausted after a partner retried failed calls without backoff. The pool was enlarged, the partner was rate limited per key, and an alert on pool saturation was added.',
  services: ['API Gateway', 'Partner API'],
};

const DB_REPLICATION_LAG: Story = {
  title: 'Database Replication Lag',
  description: 'Read replicas of the transactions database are 12+ minutes behind the primary; balance enquiries and reports show stale data.',
  rca: 'A long-running reconciliation query on the replica blocked the SQL apply thread.',
  services: ['Transactions DB', 'Reporting Portal'],
};

const SSL_RENEWED: Story = {
  title: 'SSL Certificate Renewed',
  description: 'Wildcard TLS certificate of the public API renewed ahead of expiry; short burst of TLS handshake errors while the edge load balancers reloaded.',
  rca: 'Planned renewal. The load balancer reload dropped in-flight TLS handshakes for about two minutes. Future renewals use a graceful reload, one node at a time.',
  services: ['Edge Load Balancer'],
};

/** Sev 1 outages resolved in the last day (slot A). */
const SEV1_OUTAGES: Story[] = [
  {
    title: 'Airtime Top-Up Service Outage',
    description: 'Airtime and data bundle purchases fail: the MNO top-up API answers 504 to every request. USSD and app purchases affected.',
    rca: 'The VPN tunnel to the MNO partner dropped after a firewall firmware upgrade on their side and did not renegotiate. The tunnel was restarted with the partner NOC; tunnel health monitoring and automatic renegotiation were added.',
    services: ['Airtime API', 'USSD Gateway'],
  },
  {
    title: 'Payment Gateway Down',
    description: 'Card and mobile money payments fail at checkout with HTTP 502 from the primary payment processor. Customers see "Payment could not be completed".',
    rca: 'The payment processor changed its DNS records during a vendor maintenance window and our resolvers kept the stale address. Primary gateway recovered after the vendor patched the DNS misconfiguration; the backup processor carried traffic meanwhile. DNS caching on payment egress was shortened and a synthetic payment probe added.',
    services: ['Payment Gateway', 'Checkout API'],
  },
  {
    title: 'Mobile Money Transfer Failures',
    description: 'Wallet-to-wallet and bank transfers stuck in PENDING; the transfer service cannot reach the switch. Customer complaints rising at the call centre.',
    rca: 'An expired client certificate on the connection to the national switch. The certificate was renewed and certificate expiry is now monitored 30 days ahead.',
    services: ['Wallet Service', 'Transfer API'],
  },
];

/** Sev 2 incidents: resolved a few days ago (slot B) and in progress now (slot D). */
const SEV2_ISSUES: Story[] = [
  {
    title: 'Mobile App Login Failure',
    description: 'Customers cannot log in to the mobile app: OTP SMS not delivered and the login endpoint answers 401 for valid sessions.',
    rca: 'The identity service signing key was rotated on one node only, so tokens issued by the other nodes were refused. Keys are now distributed from the secrets store before rotation.',
    services: ['Mobile App', 'Identity Service'],
  },
  {
    title: 'Bulk Payout Batch Failed',
    description: 'The 06:00 bulk payout batch stopped after 1,200 of 8,400 records; remaining beneficiaries not paid.',
    rca: 'A malformed beneficiary record (account number with spaces) failed validation and the batch aborted instead of skipping it. The job now quarantines bad records and continues.',
    services: ['Payout Engine', 'Bank Connector'],
  },
  {
    title: 'USSD Session Drops',
    description: 'USSD sessions drop after the second menu; about 30% of *120# sessions end with "Connection problem or invalid MMI code".',
    rca: 'The USSD aggregator shortened its session timeout to 20 s while our menu service took up to 25 s under load. Menu responses were cached and the timeout agreed with the aggregator.',
    services: ['USSD Gateway', 'Menu Service'],
  },
  {
    title: 'Checkout API Elevated Error Rate',
    description: 'Checkout API 5xx rate at 8% (baseline 0.2%) after the morning deployment; some orders charged but not confirmed.',
    rca: 'A deployment introduced an N+1 query on the order confirmation path that exhausted database connections under peak load. The release was rolled back and a load test added to the pipeline.',
    services: ['Checkout API', 'Orders DB'],
  },
];

/** Sev 3 issues: open now (slot C) and resolved earlier with the same symptoms (slot F). */
const SEV3_ISSUES: Story[] = [
  {
    title: 'SMS Delivery Delays',
    description: 'Transaction confirmation SMS delivered 10-15 minutes late; SMSC queue depth growing.',
    rca: 'The SMS aggregator throttled our sender ID after a marketing campaign exceeded the agreed throughput. Campaign traffic now uses a separate sender ID and rate limit.',
    services: ['SMS Gateway'],
  },
  {
    title: 'KYC Verification Service Slow',
    description: 'Identity verification for new accounts takes over 2 minutes; onboarding drop-off increasing.',
    rca: 'The third-party ID verification provider degraded in one region; requests were switched to their secondary region.',
    services: ['KYC Service', 'Onboarding API'],
  },
  {
    title: 'Call Centre IVR Unreachable',
    description: 'Customers calling the support line hear a busy tone; the IVR SIP trunk shows registration failures.',
    rca: 'The SIP trunk registration expired after the carrier changed its proxy address. The trunk was re-registered against the new proxy.',
    services: ['IVR', 'SIP Trunk'],
  },
  {
    title: 'Nightly Reconciliation Job Failed',
    description: 'The nightly settlement reconciliation job ended with errors; 214 transactions unmatched against the bank statement.',
    rca: 'The bank delivered the statement file late and in a new column order. The parser now maps columns by header name and the job waits for the file.',
    services: ['Reconciliation Job', 'Settlement Reports'],
  },
  {
    title: 'Notification Push Delays',
    description: 'Push notifications for completed payments arrive several minutes late on Android devices.',
    rca: 'The push provider credentials were close to their rate quota; the quota was raised and notifications are now batched.',
    services: ['Push Notifications', 'Mobile App'],
  },
];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Tables = keyof Database;

/**
 * Inserts rows in batches and answers their ids in the order given. Both engines number the rows
 * of one multi-row INSERT consecutively in VALUES order; we read them back as the ids above the
 * maximum before the insert (the seed runs alone, inside its transaction).
 */
async function insertMany<T extends Tables>(db: Db, table: T, rows: Insertable<Database[T]>[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const k = db as unknown as Kysely<any>;
  const before = await k.selectFrom(table as string).select(sql<number | null>`max(id)`.as('m')).executeTakeFirst();
  const floor = Number(before?.m ?? 0);
  for (let i = 0; i < rows.length; i += 400) {
    await k.insertInto(table as string).values(rows.slice(i, i + 400)).execute();
  }
  const ids = (await k.selectFrom(table as string).select('id').where('id', '>', floor).orderBy('id').execute())
    .map((r: { id: number }) => Number(r.id));
  if (ids.length !== rows.length) throw new Error(`seed: expected ${rows.length} new ${table} rows, found ${ids.length}`);
  return ids;
}

/** YYYY-MM-DD plus n calendar days. */
function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function statusLabel(s: IncidentStatus): string {
  return s.replace('_', ' ');
}

interface AuditItem {
  at: Date;
  processId: number;
  userId: number | null;
  action: string;
  entityType: string;
  entityId: number;
  changes?: Record<string, unknown>;
  summary: string;
}

interface EventItem {
  at: Date;
  userId: number | null;
  kind: string;
  message: string;
}

interface ProcessCtx {
  index: number;
  id: number;
  name: string;
  slug: string;
  tz: string;
  today: string;
  admin: number;
  manager: number;
  operator: number;
  client: number;
  names: Map<number, string>;
  activeClients: number;
  opsRecipients: number;
  /** Active users who receive the process's incident emails (every one, clients too). */
  incidentRecipients: number;
}

/** Who is primary on call for a calendar day: operator and manager alternate, from today − 3. */
function oncallFor(p: ProcessCtx, date: string): { primary: number; backup: number; escalation: number } {
  const start = addDays(p.today, -ONCALL_DAYS_BEFORE);
  const offset = Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY);
  const operatorFirst = ((offset % 2) + 2) % 2 === 0;
  return {
    primary: operatorFirst ? p.operator : p.manager,
    backup: operatorFirst ? p.manager : p.operator,
    escalation: p.admin,
  };
}

interface IncidentPlan {
  p: ProcessCtx;
  story: Story;
  title: string;
  severity: number;
  status: IncidentStatus;
  openedAt: Date;
  assignee: number | null;
  assignedAt: Date | null;
  /** When it went to in_progress (acknowledged_at). */
  ackAt: Date | null;
  resolvedAt: Date | null;
  rcaAt: Date | null;
  reminderAt: Date | null;
  updatedAt: Date;
}

interface IncidentSpec {
  story: Story;
  severity: number;
  status: IncidentStatus;
  openedAgo: number;
  assignee: 'operator' | 'manager' | null;
  assignAfter?: number;
  ackAfter?: number;
  resolveAfter?: number;
}

function planIncident(p: ProcessCtx, now: Date, s: IncidentSpec): IncidentPlan {
  const opened = now.getTime() - s.openedAgo;
  const at = (ms: number | undefined) => (ms === undefined ? null : new Date(opened + ms));
  const assignee = s.assignee === null ? null : p[s.assignee];
  const assignedAt = assignee === null ? null : at(s.assignAfter ?? 10 * MIN);
  const ackAt = s.status === 'open' ? null : at(s.ackAfter);
  const resolvedAt = s.status === 'resolved' ? at(s.resolveAfter) : null;
  const rcaAt = resolvedAt ? new Date(resolvedAt.getTime() - 2 * MIN) : null;
  // The unattended reminder goes out once an incident has been open and unassigned for 30 minutes.
  const reminderDue = opened + 30 * MIN;
  const stillUnattended = (assignedAt === null || assignedAt.getTime() > reminderDue)
    && (ackAt === null || ackAt.getTime() > reminderDue)
    && (resolvedAt === null || resolvedAt.getTime() > reminderDue)
    && reminderDue <= now.getTime();
  const times = [opened, ...[assignedAt, ackAt, resolvedAt, rcaAt].filter((t): t is Date => t !== null).map((t) => t.getTime())];
  return {
    p,
    story: s.story,
    title: `${p.name} ${s.story.title}`,
    severity: s.severity,
    status: s.status,
    openedAt: new Date(opened),
    assignee,
    assignedAt,
    ackAt,
    resolvedAt,
    rcaAt,
    reminderAt: stillUnattended ? new Date(reminderDue) : null,
    updatedAt: new Date(Math.max(...times)),
  };
}

/** Nine incidents per process: the document's three, plus outages and recurrences of them. */
function incidentSpecs(i: number): IncidentSpec[] {
  const jitter = i * 7 * MIN;
  const sev1 = SEV1_OUTAGES[i % SEV1_OUTAGES.length];
  const sev2Past = SEV2_ISSUES[i % SEV2_ISSUES.length];
  // Even processes: the issue in progress is a recurrence of the one resolved days ago.
  const sev2Now = SEV2_ISSUES[(i + (i % 2)) % SEV2_ISSUES.length];
  const sev3 = SEV3_ISSUES[i % SEV3_ISSUES.length];
  return [
    // The document's three.
    { story: API_GATEWAY_TIMEOUT, severity: 1, status: 'open', openedAgo: 26 * HOUR + jitter, assignee: i % 2 === 0 ? 'manager' : null, assignAfter: 8 * MIN },
    { story: DB_REPLICATION_LAG, severity: 2, status: 'in_progress', openedAgo: 27 * HOUR + jitter, assignee: 'operator', assignAfter: 5 * MIN, ackAfter: 18 * MIN },
    { story: SSL_RENEWED, severity: 4, status: 'resolved', openedAgo: 50 * HOUR + jitter, assignee: null, resolveAfter: HOUR },
    // A Sev 1 outage resolved today or yesterday.
    { story: sev1, severity: 1, status: 'resolved', openedAgo: (6 + i * 1.5) * HOUR, assignee: 'operator', assignAfter: 4 * MIN, ackAfter: 9 * MIN, resolveAfter: 105 * MIN + i * 3 * MIN },
    // A Sev 2 resolved four days ago.
    { story: sev2Past, severity: 2, status: 'resolved', openedAgo: 4 * DAY + jitter, assignee: 'manager', assignAfter: 12 * MIN, ackAfter: 20 * MIN, resolveAfter: 3 * HOUR },
    // The API gateway timed out before: resolved quickly nine days ago (a neighbour for analysis).
    { story: API_GATEWAY_TIMEOUT, severity: 1, status: 'resolved', openedAgo: 9 * DAY + jitter, assignee: 'operator', assignAfter: 3 * MIN, ackAfter: 5 * MIN, resolveAfter: 25 * MIN },
    // Fresh and unattended.
    { story: sev3, severity: 3, status: 'open', openedAgo: 40 * MIN + i * 2 * MIN, assignee: null },
    // In progress since this morning.
    { story: sev2Now, severity: 2, status: 'in_progress', openedAgo: 3 * HOUR + jitter, assignee: 'operator', assignAfter: 6 * MIN, ackAfter: 11 * MIN },
    // The same Sev 3 symptoms twelve days ago.
    { story: sev3, severity: 3, status: 'resolved', openedAgo: 12 * DAY + jitter, assignee: 'operator', assignAfter: 15 * MIN, ackAfter: 20 * MIN, resolveAfter: 2 * HOUR + 10 * MIN },
  ];
}

// ---------------------------------------------------------------------------------------------
// The seed
// ---------------------------------------------------------------------------------------------

/** Demo records for every module of every process that has its five role accounts. */
export async function seedModuleData(db: Db, now: Date): Promise<void> {
  if (db.isTransaction) await seedAll(db, now);
  else await db.transaction().execute((trx) => seedAll(trx, now));
}

async function seedAll(db: Db, now: Date): Promise<void> {
  const processes = await db.selectFrom('processes').select(['id', 'name', 'slug', 'timezone']).orderBy('id').execute();
  const users = await db.selectFrom('users').select(['id', 'process_id', 'role', 'name', 'is_active']).orderBy('id').execute();

  const ctxs: ProcessCtx[] = [];
  for (const p of processes) {
    const own = users.filter((u) => u.process_id === p.id);
    const first = (r: Role) => own.find((u) => u.role === r && u.is_active)?.id;
    const admin = first('admin');
    const manager = first('manager');
    const operator = first('operator');
    const client = first('client');
    if (!admin || !manager || !operator || !client) continue; // not a demo process
    ctxs.push({
      index: ctxs.length,
      id: p.id,
      name: p.name,
      slug: p.slug,
      tz: p.timezone,
      today: localDate(now, p.timezone),
      admin, manager, operator, client,
      names: new Map(own.map((u) => [u.id, u.name])),
      activeClients: own.filter((u) => u.role === 'client' && u.is_active).length,
      opsRecipients: own.filter((u) => (u.role === 'manager' || u.role === 'admin') && u.is_active).length,
      incidentRecipients: own.filter((u) => u.is_active).length,
    });
  }
  if (ctxs.length === 0) return;

  const audits: AuditItem[] = [];
  const name = (p: ProcessCtx, id: number | null) => (id === null ? 'the system' : p.names.get(id) ?? 'Unknown');
  const audit = (p: ProcessCtx, at: Date, userId: number | null, action: string, entityType: string, entityId: number,
    summary: string, changes?: Record<string, unknown>) => {
    audits.push({ at, processId: p.id, userId, action, entityType, entityId, summary, changes });
  };

  // --- Incidents ------------------------------------------------------------------------------
  const plans = ctxs.flatMap((p) => incidentSpecs(p.index).map((s) => planIncident(p, now, s)));
  const incidentIds = await insertMany(db, 'incidents', plans.map((pl) => ({
    process_id: pl.p.id,
    title: pl.title,
    description: pl.story.description,
    severity: pl.severity,
    status: pl.status,
    assigned_to: pl.assignee,
    opened_by: pl.p.operator,
    opened_at: pl.openedAt,
    acknowledged_at: pl.ackAt ?? pl.resolvedAt,
    resolved_at: pl.resolvedAt,
    rca: pl.resolvedAt ? pl.story.rca : null,
    reminder_sent_at: pl.reminderAt,
    source: 'manual',
    updated_at: pl.updatedAt,
  })));
  const planId = new Map(plans.map((pl, i) => [pl, incidentIds[i]]));
  const plansOf = (p: ProcessCtx) => plans.filter((pl) => pl.p === p);

  // --- Escalation chains and tiers ------------------------------------------------------------
  const setupAt = new Date(now.getTime() - 30 * DAY);
  const chainIds = await insertMany(db, 'escalation_chains', ctxs.map((p) => ({
    process_id: p.id, name: 'Sev1 Escalation', trigger_severity: 1, is_active: true,
    created_by: p.manager, created_at: setupAt, updated_at: setupAt,
  })));
  const tierSpecs = (p: ProcessCtx) => [
    { position: 1, delay: 0, user: p.operator as number | null },
    { position: 2, delay: 15, user: p.manager as number | null },
    { position: 3, delay: 30, user: null as number | null },
  ];
  const tierRows = ctxs.flatMap((p, i) => tierSpecs(p).map((t) => ({
    process_id: p.id, chain_id: chainIds[i], position: t.position, delay_minutes: t.delay,
    channels: JSON.stringify(['email']), user_id: t.user, webhook_url: null,
  })));
  const tierIds = await insertMany(db, 'escalation_tiers', tierRows);
  const tiersOf = (p: ProcessCtx) => tierSpecs(p).map((t, j) => ({ ...t, id: tierIds[p.index * 3 + j] }));
  ctxs.forEach((p, i) => audit(p, setupAt, p.manager, 'escalation_chain.create', 'escalation_chain', chainIds[i],
    'Sev1 Escalation', { name: 'Sev1 Escalation', trigger_severity: 1 }));

  // --- Automation rules -----------------------------------------------------------------------
  const ruleAt = new Date(setupAt.getTime() + HOUR);
  const sev1Runs = (p: ProcessCtx) => plansOf(p).filter((pl) => pl.severity === 1
    && (pl.resolvedAt ?? now).getTime() - pl.openedAt.getTime() > 30 * MIN
    && pl.openedAt.getTime() + 30 * MIN <= now.getTime());
  const ruleRows = ctxs.flatMap((p, i) => {
    const runs = sev1Runs(p);
    const last = runs.reduce<Date | null>((m, pl) => {
      const t = new Date(pl.openedAt.getTime() + 30 * MIN);
      return m === null || t > m ? t : m;
    }, null);
    return [
      {
        process_id: p.id, name: 'Escalate Sev 1 after 30min', trigger_type: 'severity_unresolved',
        trigger_config: JSON.stringify({ severity: 1, minutes: 30 }), action_type: 'escalate_chain',
        action_config: JSON.stringify({ chain_id: chainIds[i] }), is_active: true, execution_count: runs.length,
        last_run_at: last, created_by: p.manager, created_at: ruleAt, updated_at: ruleAt,
      },
      {
        process_id: p.id, name: 'Nightly SLA Digest', trigger_type: 'schedule',
        trigger_config: JSON.stringify({ cron: '0 0 7 * * *', timezone: p.tz }), action_type: 'email_digest',
        action_config: JSON.stringify({ roles: ['manager', 'admin'] }), is_active: true, execution_count: 0,
        last_run_at: null, created_by: p.manager, created_at: ruleAt, updated_at: ruleAt,
      },
    ];
  });
  const ruleIds = await insertMany(db, 'automation_rules', ruleRows);
  ctxs.forEach((p, i) => {
    for (const j of [0, 1]) {
      const r = ruleRows[i * 2 + j];
      audit(p, ruleAt, p.manager, 'automation_rule.create', 'automation_rule', ruleIds[i * 2 + j],
        r.name, { name: r.name, trigger_type: r.trigger_type, action_type: r.action_type });
    }
  });

  // --- Incident timelines (the incidents module's wording), escalation and automation history --
  const eventRows: Insertable<Database['incident_events']>[] = [];
  const escalationRows: Insertable<Database['escalation_executions']>[] = [];
  const automationRows: Insertable<Database['automation_executions']>[] = [];
  for (const pl of plans) {
    const p = pl.p;
    const id = planId.get(pl)!;
    const events: EventItem[] = [];
    const staffMail = `${p.incidentRecipients} people`;
    const opener = name(p, p.operator);
    events.push({ at: pl.openedAt, userId: p.operator, kind: 'created', message: `Opened by ${opener} as Sev ${pl.severity}` });
    events.push({ at: pl.openedAt, userId: p.operator, kind: 'email', message: `New Incident email sent to ${staffMail}` });
    audit(p, pl.openedAt, p.operator, 'incident.create', 'incident', id, pl.title,
      { title: pl.title, severity: pl.severity, assigned_to: null });
    if (pl.reminderAt) {
      events.push({ at: pl.reminderAt, userId: null, kind: 'email', message: `Unattended reminder email sent to ${staffMail}` });
    }
    if (pl.assignee !== null && pl.assignedAt) {
      const by = pl.assignee === p.operator ? p.operator : p.manager;
      if (by === pl.assignee) {
        events.push({ at: pl.assignedAt, userId: by, kind: 'assigned', message: `Taken by ${name(p, by)}` });
      } else {
        events.push({ at: pl.assignedAt, userId: by, kind: 'assigned', message: `Assigned to ${name(p, pl.assignee)} by ${name(p, by)}` });
        events.push({ at: pl.assignedAt, userId: by, kind: 'email', message: `Assigned to You email sent to ${name(p, pl.assignee)}` });
      }
      audit(p, pl.assignedAt, by, 'incident.update', 'incident', id, pl.title, { assigned_to: [null, pl.assignee] });
    }
    const actor = pl.assignee ?? p.operator;
    if (pl.severity === 1) {
      const until = (pl.resolvedAt ?? now).getTime();
      for (const t of tiersOf(p)) {
        const firedAt = pl.openedAt.getTime() + t.delay * MIN;
        if (firedAt > until || firedAt > now.getTime()) continue;
        const fired = new Date(firedAt);
        const target = t.user ?? oncallFor(p, localDate(fired, p.tz)).primary;
        escalationRows.push({ process_id: p.id, incident_id: id, chain_id: chainIds[p.index], tier_id: t.id, target_user_id: target, fired_at: fired });
        events.push({
          at: fired, userId: null, kind: 'escalation',
          message: `Sev1 Escalation tier ${t.position} notified ${name(p, target)} by email${t.user === null ? ' (on-call primary)' : ''}`,
        });
      }
      if (sev1Runs(p).includes(pl)) {
        const ranAt = new Date(pl.openedAt.getTime() + 30 * MIN);
        automationRows.push({
          process_id: p.id, rule_id: ruleIds[p.index * 2], incident_id: id, occurrence_key: `incident:${id}`,
          result: 'Escalated via chain "Sev1 Escalation"', executed_at: ranAt,
        });
        events.push({ at: ranAt, userId: null, kind: 'automation', message: 'Automation rule "Escalate Sev 1 after 30min" escalated via Sev1 Escalation' });
      }
    }
    if (pl.ackAt) {
      events.push({ at: pl.ackAt, userId: actor, kind: 'status', message: `Status changed from open to in progress by ${name(p, actor)}` });
      events.push({ at: pl.ackAt, userId: actor, kind: 'email', message: `In Progress email sent to ${staffMail}` });
      audit(p, pl.ackAt, actor, 'incident.update', 'incident', id, pl.title, { status: ['open', 'in_progress'] });
    }
    if (pl.rcaAt) {
      events.push({ at: pl.rcaAt, userId: actor, kind: 'rca', message: 'Root cause analysis updated' });
      audit(p, pl.rcaAt, actor, 'incident.update', 'incident', id, pl.title, { rca: [null, pl.story.rca] });
    }
    if (pl.resolvedAt) {
      const from: IncidentStatus = pl.ackAt ? 'in_progress' : 'open';
      events.push({ at: pl.resolvedAt, userId: actor, kind: 'status', message: `Status changed from ${statusLabel(from)} to resolved by ${name(p, actor)}` });
      events.push({ at: pl.resolvedAt, userId: actor, kind: 'email', message: `Resolved email sent to ${staffMail}` });
      audit(p, pl.resolvedAt, actor, 'incident.update', 'incident', id, pl.title, { status: [from, 'resolved'] });
    }
    events.sort((a, b) => a.at.getTime() - b.at.getTime());
    for (const e of events) {
      eventRows.push({
        process_id: p.id, incident_id: id, user_id: e.userId, kind: e.kind, message: e.message, data: null, created_at: e.at,
      });
    }
  }

  // --- Downtime -------------------------------------------------------------------------------
  const downtime: { p: ProcessCtx; row: Insertable<Database['downtime_events']> }[] = [];
  for (const p of ctxs) {
    const [gateway, , , outage] = plansOf(p);
    const gatewayStart = new Date(gateway.openedAt.getTime() - 4 * MIN);
    downtime.push({ p, row: {
      process_id: p.id, incident_id: planId.get(gateway)!, started_at: gatewayStart, ended_at: null,
      services_affected: JSON.stringify(['API Gateway', 'Partner API', 'Checkout API']), impact_level: 'high',
      notes: 'Partner API calls timing out at the gateway; traffic partly shifted to the standby gateway.',
      created_by: p.operator, created_at: new Date(gateway.openedAt.getTime() + 6 * MIN),
    } });
    downtime.push({ p, row: {
      process_id: p.id, incident_id: planId.get(outage)!, started_at: new Date(outage.openedAt.getTime() - 3 * MIN),
      ended_at: outage.resolvedAt, services_affected: JSON.stringify(outage.story.services), impact_level: 'high',
      notes: `${outage.story.title}: backup route held traffic for ${47 + p.index} minutes before full recovery.`,
      created_by: p.operator, created_at: new Date(outage.openedAt.getTime() + 5 * MIN),
    } });
    const maintenanceStart = zonedInstant(addDays(p.today, -3), '02:00', p.tz);
    downtime.push({ p, row: {
      process_id: p.id, incident_id: null, started_at: maintenanceStart,
      ended_at: new Date(maintenanceStart.getTime() + (40 + p.index) * MIN),
      services_affected: JSON.stringify(['Reporting Portal', 'Data Warehouse']), impact_level: p.index % 2 === 0 ? 'low' : 'medium',
      notes: p.index % 2 === 0 ? 'Planned maintenance: database minor version upgrade.' : null,
      created_by: p.operator, created_at: maintenanceStart,
    } });
  }
  const downtimeIds = await insertMany(db, 'downtime_events', downtime.map((d) => d.row));
  downtime.forEach(({ p, row }, i) => {
    const services = (JSON.parse(row.services_affected) as string[]).join(', ');
    audit(p, row.created_at as Date, p.operator, 'downtime.create', 'downtime', downtimeIds[i],
      services, { impact_level: row.impact_level, services_affected: JSON.parse(row.services_affected) });
    if (row.ended_at) {
      audit(p, row.ended_at as Date, p.operator, 'downtime.end', 'downtime', downtimeIds[i],
        services, { ended_at: [null, (row.ended_at as Date).toISOString()] });
    }
  });

  // --- Tickets --------------------------------------------------------------------------------
  interface TicketPlan { p: ProcessCtx; row: Insertable<Database['tickets']>; updates: { at: Date; by: number; changes: Record<string, unknown> }[] }
  const tickets: TicketPlan[] = [];
  for (const p of ctxs) {
    const [gateway, , ssl] = plansOf(p);
    const t = (ago: number) => new Date(now.getTime() - ago);
    const investigated = new Date(gateway.openedAt.getTime() + 12 * MIN);
    const investigating = new Date(gateway.openedAt.getTime() + 40 * MIN);
    tickets.push({ p, row: {
      process_id: p.id, title: `Investigate ${p.name} API gateway timeouts`, type: 'incident', status: 'in_progress',
      description: 'Collect gateway pool metrics and partner retry logs; propose limits per partner key.',
      assigned_to: p.operator, created_by: p.manager, incident_id: planId.get(gateway)!,
      created_at: investigated, updated_at: investigating, closed_at: null,
    }, updates: [{ at: investigating, by: p.operator, changes: { status: ['open', 'in_progress'] } }] });
    const certCreated = new Date(ssl.openedAt.getTime() - 2 * DAY);
    tickets.push({ p, row: {
      process_id: p.id, title: 'Renew wildcard TLS certificate on edge load balancers', type: 'change', status: 'closed',
      description: 'Certificate expires in 14 days. Renew and deploy to both edge nodes, one at a time.',
      assigned_to: p.operator, created_by: p.manager, incident_id: null,
      created_at: certCreated, updated_at: ssl.resolvedAt!, closed_at: ssl.resolvedAt!,
    }, updates: [{ at: ssl.resolvedAt!, by: p.operator, changes: { status: ['open', 'closed'] } }] });
    tickets.push({ p, row: {
      process_id: p.id, title: 'VPN access for new NOC analyst', type: 'access', status: 'open',
      description: 'Read-only VPN profile and monitoring dashboards for the new night-shift analyst.',
      assigned_to: null, created_by: p.operator, incident_id: null,
      created_at: t(6 * MIN + p.index * MIN), updated_at: t(6 * MIN + p.index * MIN), closed_at: null,
    }, updates: [] });
    const reportCreated = t(6 * DAY + 2 * HOUR);
    const reportClosed = t(5 * DAY + 3 * HOUR);
    tickets.push({ p, row: {
      process_id: p.id, title: `Monthly availability report for ${p.name} stakeholders`, type: 'report', status: 'closed',
      description: 'Availability, MTTA/MTTR and Sev 1 summary for the client business review.',
      assigned_to: p.manager, created_by: p.manager, incident_id: null,
      created_at: reportCreated, updated_at: reportClosed, closed_at: reportClosed,
    }, updates: [{ at: reportClosed, by: p.manager, changes: { status: ['open', 'closed'] } }] });
    const poolCreated = t(20 * HOUR);
    tickets.push({ p, row: {
      process_id: p.id, title: 'Increase database connection pool on the transactions cluster', type: 'change', status: 'open',
      description: 'Raise the pool from 50 to 120 connections after the replication lag review; needs a change window.',
      assigned_to: p.manager, created_by: p.operator, incident_id: null,
      created_at: poolCreated, updated_at: poolCreated, closed_at: null,
    }, updates: [] });
  }
  const ticketIds = await insertMany(db, 'tickets', tickets.map((t) => t.row));
  tickets.forEach(({ p, row, updates }, i) => {
    audit(p, row.created_at as Date, row.created_by ?? null, 'ticket.create', 'ticket', ticketIds[i], row.title, { title: row.title, type: row.type, assigned_to: row.assigned_to ?? null });
    for (const u of updates) audit(p, u.at, u.by, 'ticket.update', 'ticket', ticketIds[i], row.title, u.changes);
  });

  // --- Approvals ------------------------------------------------------------------------------
  const approvals: { p: ProcessCtx; row: Insertable<Database['approvals']> }[] = [];
  for (const p of ctxs) {
    const submittedApproved = new Date(now.getTime() - 2 * DAY - p.index * 20 * MIN);
    const submittedRejected = new Date(now.getTime() - 27 * HOUR - p.index * 10 * MIN);
    approvals.push({ p, row: {
      process_id: p.id, type: 'change', title: 'Deploy API gateway hotfix (connection pool limits)',
      details: 'Raise the upstream pool to 512 and add per-partner rate limits. Rollback: redeploy the previous image (5 minutes).',
      submitted_by: p.operator, reviewed_by: null, status: 'pending', note: null, subject_user_id: null,
      submitted_at: new Date(now.getTime() - 25 * MIN - p.index * MIN), reviewed_at: null,
    } });
    approvals.push({ p, row: {
      process_id: p.id, type: 'change', title: 'Database failover test in the Sunday maintenance window',
      details: 'Promote the replica, verify writes, fail back. Expected impact: 2 minutes of read-only mode.',
      submitted_by: p.operator, reviewed_by: p.manager, status: 'approved',
      note: 'Approved for Sunday 02:00-04:00 SAST. Notify client stakeholders 24 hours before.', subject_user_id: null,
      submitted_at: submittedApproved, reviewed_at: new Date(submittedApproved.getTime() + 2 * HOUR),
    } });
    approvals.push({ p, row: {
      process_id: p.id, type: 'access', title: 'Production database write access for reporting scripts',
      details: 'Requested so the reporting scripts can write summary tables directly in production.',
      submitted_by: p.operator, reviewed_by: p.admin, status: 'rejected',
      note: 'Rejected: use the read-only reporting replica and the reporting schema instead.', subject_user_id: null,
      submitted_at: submittedRejected, reviewed_at: new Date(submittedRejected.getTime() + 95 * MIN),
    } });
  }
  const approvalIds = await insertMany(db, 'approvals', approvals.map((a) => a.row));
  approvals.forEach(({ p, row }, i) => {
    audit(p, row.submitted_at as Date, row.submitted_by, 'approval.create', 'approval', approvalIds[i], row.title, { type: row.type, title: row.title });
    if (row.reviewed_by && row.reviewed_at) {
      audit(p, row.reviewed_at as Date, row.reviewed_by, `approval.${row.status}`, 'approval', approvalIds[i],
        row.title, { status: ['pending', row.status], note: row.note ?? null });
    }
  });

  // --- Shift handovers ------------------------------------------------------------------------
  const handovers: { p: ProcessCtx; row: Insertable<Database['handovers']> }[] = [];
  for (const p of ctxs) {
    // The night shift ends at 06:00 local time, the day shift at 18:00.
    let nightEnd = zonedInstant(p.today, '06:00', p.tz);
    if (nightEnd.getTime() > now.getTime()) nightEnd = zonedInstant(addDays(p.today, -1), '06:00', p.tz);
    const dayEnd = zonedInstant(addDays(localDate(nightEnd, p.tz), -1), '18:00', p.tz);
    const openAt = (at: Date) => {
      const lines = plansOf(p)
        .filter((pl) => pl.openedAt <= at && (pl.resolvedAt === null || pl.resolvedAt > at))
        .map((pl) => `- ${pl.title} (Sev ${pl.severity}, ${pl.ackAt && pl.ackAt <= at ? 'in progress' : 'open'})`);
      return lines.length ? lines.join('\n') : 'None';
    };
    handovers.push({ p, row: {
      process_id: p.id, submitted_by: p.operator, recipient_id: p.manager, shift: 'Day Shift', handover_time: dayEnd,
      open_incidents: openAt(dayEnd),
      actions_taken: 'Restarted the stuck settlement worker; confirmed the SSL renewal on both edge nodes; chased the MNO partner about intermittent top-up timeouts.',
      notes: 'Watch the API gateway error rate overnight; the partner promised a fix for their retry storm.',
      created_at: dayEnd, acknowledged_at: new Date(dayEnd.getTime() + 25 * MIN),
    } });
    handovers.push({ p, row: {
      process_id: p.id, submitted_by: p.manager, recipient_id: p.operator, shift: 'Night Shift', handover_time: nightEnd,
      open_incidents: openAt(nightEnd),
      actions_taken: 'Kept traffic on the standby gateway; failed the replica read traffic over to the primary; briefed the client on the API gateway incident.',
      notes: 'Pending change approval for the gateway hotfix. Escalate to the on-call admin if the 504 rate climbs above 20%.',
      created_at: nightEnd, acknowledged_at: null,
    } });
  }
  const handoverIds = await insertMany(db, 'handovers', handovers.map((h) => h.row));
  handovers.forEach(({ p, row }, i) => {
    const ref = `${row.shift} handover to ${name(p, row.recipient_id)}`;
    audit(p, row.created_at as Date, row.submitted_by, 'handover.submit', 'handover', handoverIds[i],
      ref, { shift: row.shift, recipient_id: row.recipient_id });
    if (row.acknowledged_at) {
      audit(p, row.acknowledged_at as Date, row.recipient_id, 'handover.acknowledge', 'handover', handoverIds[i],
        ref, { acknowledged_at: [null, (row.acknowledged_at as Date).toISOString()] });
    }
  });

  // --- On-call: today − 3 .. today + 10 in each process's zone --------------------------------
  const oncallRows: Insertable<Database['oncall_schedules']>[] = [];
  for (const p of ctxs) {
    const createdAt = new Date(now.getTime() - 4 * DAY);
    for (let d = -ONCALL_DAYS_BEFORE; d <= ONCALL_DAYS_AFTER; d++) {
      const date = addDays(p.today, d);
      const who = oncallFor(p, date);
      oncallRows.push({ process_id: p.id, user_id: who.primary, date, role: 'primary', primary_date: date, rotation_id: null, created_at: createdAt });
      oncallRows.push({ process_id: p.id, user_id: who.backup, date, role: 'backup', primary_date: null, rotation_id: null, created_at: createdAt });
      oncallRows.push({ process_id: p.id, user_id: who.escalation, date, role: 'escalation', primary_date: null, rotation_id: null, created_at: createdAt });
    }
  }

  // --- Notifications --------------------------------------------------------------------------
  const notifications: { p: ProcessCtx; row: Insertable<Database['notifications']> }[] = [];
  for (const p of ctxs) {
    const [gateway, , , outage] = plansOf(p);
    notifications.push({ p, row: {
      process_id: p.id, direction: 'ops_to_client', subject: 'Planned maintenance: Sunday 02:00-04:00 SAST',
      message: 'We will run a database failover test on Sunday between 02:00 and 04:00 SAST. Services may be read-only for about two minutes. No action is needed on your side.',
      sent_by: p.manager, recipients: p.activeClients, bounces: 0, sent_at: new Date(now.getTime() - 20 * HOUR - p.index * 5 * MIN),
    } });
    notifications.push({ p, row: {
      process_id: p.id, direction: 'client_to_ops', subject: 'Customers reporting failed partner API calls',
      message: 'Our call centre is receiving complaints about transactions timing out in the app and at partner stores. Please share an ETA and whether customers should retry.',
      sent_by: p.client, recipients: p.opsRecipients, bounces: 0, sent_at: new Date(gateway.openedAt.getTime() + 45 * MIN),
    } });
    notifications.push({ p, row: {
      process_id: p.id, direction: 'ops_to_client', subject: `Resolved: ${outage.title}`,
      message: `Service has been restored after ${formatDuration(outage.resolvedAt!.getTime() - outage.openedAt.getTime())}. A root cause summary will follow in the weekly report.`,
      sent_by: p.manager, recipients: p.activeClients, bounces: 0, sent_at: new Date(outage.resolvedAt!.getTime() + 10 * MIN),
    } });
  }
  const notificationIds = await insertMany(db, 'notifications', notifications.map((n) => n.row));
  notifications.forEach(({ p, row }, i) => {
    const sender = row.sent_by ?? null;
    audit(p, row.sent_at as Date, sender, 'notification.send', 'notification', notificationIds[i],
      row.subject, { direction: row.direction, recipients: row.recipients });
  });

  // --- Rows nobody refers to, in batches ------------------------------------------------------
  await insertMany(db, 'incident_events', eventRows);
  await insertMany(db, 'escalation_executions', escalationRows);
  await insertMany(db, 'automation_executions', automationRows);
  await insertMany(db, 'oncall_schedules', oncallRows);

  // --- Audit log and activity feed, oldest first so ids follow time ---------------------------
  audits.sort((a, b) => a.at.getTime() - b.at.getTime());
  // Chained and hashed exactly as recordAction does it (src/audit.ts).
  await appendAuditRows(db, audits.map((a) => ({
    process_id: a.processId, user_id: a.userId, action: a.action, entity_type: a.entityType, entity_id: a.entityId,
    ip: null, user_agent: null, changes: a.changes ? JSON.stringify(a.changes) : null, created_at: a.at,
  })), now);
  await insertMany(db, 'activity_log', audits.map((a) => ({
    process_id: a.processId, user_id: a.userId, entity_type: a.entityType, entity_id: a.entityId,
    action: a.action.split('.').slice(1).join('.') || a.action, summary: a.summary.slice(0, 300), created_at: a.at,
  })));
}
