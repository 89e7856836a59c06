import { MysqlAdapter, sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/index.js';
import { processFilter, scoped, type Actor } from '../../tenancy.js';
import { hinted } from './hint.js';
import type { Range } from './sources.js';

/**
 * The SLA report: for the incidents opened in the range, MTTA (mean time from opening to
 * acknowledgement, i.e. the first move to in progress or resolved) and MTTR (mean time from opening
 * to resolution), by severity and by process, and how many were resolved within the target of their
 * severity. Added up by the database (one grouped statement), the same on both databases.
 */

/** Resolution targets in minutes: Sev 1 4 h, Sev 2 8 h, Sev 3 24 h, Sev 4 72 h. */
export const SLA_TARGET_MINUTES: Record<number, number> = { 1: 240, 2: 480, 3: 1440, 4: 4320 };

export interface SlaGroup {
  key: string;
  label: string;
  opened: number;
  acknowledged: number;
  mtta_minutes: number | null;
  resolved: number;
  mttr_minutes: number | null;
  resolved_within_target: number;
  within_target_pct: number | null;
  unresolved: number;
}

export interface SlaReport {
  total: SlaGroup;
  by_severity: SlaGroup[];
  by_process: SlaGroup[];
}

/** Sums of one group, as the database adds them up. */
interface Sums {
  opened: number;
  acknowledged: number;
  ackMs: number;
  resolved: number;
  resolveMs: number;
  within: number;
}

class Acc implements Sums {
  opened = 0;
  acknowledged = 0;
  ackMs = 0;
  resolved = 0;
  resolveMs = 0;
  within = 0;

  add(r: Sums): void {
    this.opened += r.opened;
    this.acknowledged += r.acknowledged;
    this.ackMs += r.ackMs;
    this.resolved += r.resolved;
    this.resolveMs += r.resolveMs;
    this.within += r.within;
  }

  group(key: string, label: string): SlaGroup {
    const mins = (ms: number, n: number) => (n ? Math.round((ms / n / 60_000) * 10) / 10 : null);
    return {
      key,
      label,
      opened: this.opened,
      acknowledged: this.acknowledged,
      mtta_minutes: mins(this.ackMs, this.acknowledged),
      resolved: this.resolved,
      mttr_minutes: mins(this.resolveMs, this.resolved),
      resolved_within_target: this.within,
      within_target_pct: this.resolved ? Math.round((this.within / this.resolved) * 1000) / 10 : null,
      unresolved: this.opened - this.resolved,
    };
  }
}

/** Milliseconds from one instant column to another, never below 0 (a clock skew is not negative time). */
function elapsedMs(db: Db, from: string, to: string): RawBuilder<number> {
  if (db.getExecutor().adapter instanceof MysqlAdapter) {
    return sql<number>`greatest(0, timestampdiff(microsecond, ${sql.ref(from)}, ${sql.ref(to)}) div 1000)`;
  }
  // Instants are ISO text on SQLite; julianday's double is exact to well under a millisecond here.
  return sql<number>`max(0, round((julianday(${sql.ref(to)}) - julianday(${sql.ref(from)})) * 86400000.0))`;
}

/**
 * One statement adds up the range by severity (and process): the rows never leave the database, so
 * a dashboard costs the same with a hundred incidents a month or a hundred thousand.
 */
async function sums(db: Db, actor: Actor, range: Range, perProcess: boolean) {
  const index = processFilter(actor) === null ? 'ix_incidents_opened_at_id' : 'ix_incidents_process_id_opened_at_id';
  const resolved = sql`(${sql.ref('incidents.status')} = 'resolved' and ${sql.ref('incidents.resolved_at')} is not null)`;
  const resolveMs = elapsedMs(db, 'incidents.opened_at', 'incidents.resolved_at');
  const target = sql.join(Object.entries(SLA_TARGET_MINUTES).map(([sev, min]) => sql`when ${sql.lit(Number(sev))} then ${sql.lit(min * 60_000)}`), sql` `);
  const q = scoped(db.selectFrom(hinted(db, 'incidents', index)), actor, 'incidents.process_id')
    .select((eb) => [
      'incidents.severity',
      eb.fn.countAll<number>().as('opened'),
      eb.fn.count<number>('incidents.acknowledged_at').as('acknowledged'),
      sql<number>`coalesce(sum(${elapsedMs(db, 'incidents.opened_at', 'incidents.acknowledged_at')}), 0)`.as('ack_ms'),
      sql<number>`sum(case when ${resolved} then 1 else 0 end)`.as('resolved'),
      sql<number>`coalesce(sum(case when ${resolved} then ${resolveMs} end), 0)`.as('resolve_ms'),
      sql<number>`sum(case when ${resolved} and ${resolveMs} <= (case ${sql.ref('incidents.severity')} ${target} end) then 1 else 0 end)`.as('within'),
    ])
    .where('incidents.opened_at', '>=', range.start)
    .where('incidents.opened_at', '<', range.end)
    .groupBy('incidents.severity');
  const rows: (Awaited<ReturnType<typeof q.execute>>[number] & { process_id?: number })[] = perProcess
    ? await q.select('incidents.process_id').groupBy('incidents.process_id').execute()
    : await q.execute();
  // MariaDB answers sums as DECIMAL strings.
  return rows.map((r) => ({
    severity: Number(r.severity),
    processId: perProcess ? Number(r.process_id) : null,
    opened: Number(r.opened),
    acknowledged: Number(r.acknowledged),
    ackMs: Number(r.ack_ms),
    resolved: Number(r.resolved ?? 0),
    resolveMs: Number(r.resolve_ms),
    within: Number(r.within ?? 0),
  }));
}

interface Accumulated {
  total: Acc;
  bySeverity: Map<number, Acc>;
  /** Only when asked for: the dashboard shows no per-process groups. */
  byProcess: Map<number, Acc>;
}

async function accumulate(db: Db, actor: Actor, range: Range, perProcess: boolean): Promise<Accumulated> {
  const total = new Acc();
  const bySeverity = new Map<number, Acc>([1, 2, 3, 4].map((s) => [s, new Acc()]));
  const byProcess = new Map<number, Acc>();
  for (const r of await sums(db, actor, range, perProcess)) {
    total.add(r);
    let s = bySeverity.get(r.severity);
    if (!s) bySeverity.set(r.severity, (s = new Acc()));
    s.add(r);
    if (r.processId === null) continue;
    let p = byProcess.get(r.processId);
    if (!p) byProcess.set(r.processId, (p = new Acc()));
    p.add(r);
  }
  return { total, bySeverity, byProcess };
}

const severityGroups = (bySeverity: Map<number, Acc>): SlaGroup[] =>
  [...bySeverity].sort((a, b) => a[0] - b[0]).map(([s, acc]) => acc.group(`severity-${s}`, `Sev ${s}`));

/** The totals and the groups by severity only (the dashboard's figures). */
export async function slaSummary(db: Db, actor: Actor, range: Range): Promise<Omit<SlaReport, 'by_process'>> {
  const { total, bySeverity } = await accumulate(db, actor, range, false);
  return { total: total.group('all', 'All incidents'), by_severity: severityGroups(bySeverity) };
}

export async function slaReport(db: Db, actor: Actor, range: Range): Promise<SlaReport> {
  const { total, bySeverity, byProcess } = await accumulate(db, actor, range, true);
  const ids = [...byProcess.keys()];
  const names = new Map(ids.length
    ? (await db.selectFrom('processes').select(['id', 'name']).where('id', 'in', ids).execute()).map((p) => [p.id, p.name] as const)
    : []);
  return {
    total: total.group('all', 'All incidents'),
    by_severity: severityGroups(bySeverity),
    by_process: [...byProcess].map(([id, acc]) => acc.group(`process-${id}`, names.get(id) ?? `Process ${id}`))
      .sort((a, b) => a.label.localeCompare(b.label)),
  };
}
