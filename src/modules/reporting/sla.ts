import type { Db } from '../../db/index.js';
import { processFilter, scoped, type Actor } from '../../tenancy.js';
import { hinted } from './hint.js';
import { BATCH, keyset, type After, type Range } from './sources.js';

/**
 * The SLA report: for the incidents opened in the range, MTTA (mean time from opening to
 * acknowledgement, i.e. the first move to in progress or resolved) and MTTR (mean time from opening
 * to resolution), by severity and by process, and how many were resolved within the target of their
 * severity. Computed from the rows in batches (constant memory, the same on both databases).
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

class Acc {
  opened = 0;
  acknowledged = 0;
  ackMs = 0;
  resolved = 0;
  resolveMs = 0;
  within = 0;

  add(r: { severity: number; opened_at: Date; acknowledged_at: Date | null; resolved_at: Date | null; status: string }): void {
    this.opened += 1;
    if (r.acknowledged_at) {
      this.acknowledged += 1;
      this.ackMs += Math.max(0, r.acknowledged_at.getTime() - r.opened_at.getTime());
    }
    if (r.status === 'resolved' && r.resolved_at) {
      const ms = Math.max(0, r.resolved_at.getTime() - r.opened_at.getTime());
      this.resolved += 1;
      this.resolveMs += ms;
      if (ms <= (SLA_TARGET_MINUTES[r.severity] ?? Infinity) * 60_000) this.within += 1;
    }
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

function rows(db: Db, actor: Actor, lower: Date, upper: Date, after: After) {
  const index = processFilter(actor) === null ? 'ix_incidents_opened_at_id' : 'ix_incidents_process_id_opened_at_id';
  let q = scoped(db.selectFrom(hinted(db, 'incidents', index)), actor, 'incidents.process_id')
    .select(['incidents.id', 'incidents.process_id', 'incidents.severity', 'incidents.status', 'incidents.opened_at',
      'incidents.acknowledged_at', 'incidents.resolved_at'])
    .where('incidents.opened_at', '>=', lower)
    .where('incidents.opened_at', '<', upper);
  if (after) {
    q = q.where((eb) => eb.or([eb('incidents.opened_at', '>', after.at), eb.and([eb('incidents.opened_at', '=', after.at), eb('incidents.id', '>', after.id)])]));
  }
  return q.orderBy('incidents.opened_at').orderBy('incidents.id').limit(BATCH).execute();
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
  for await (const batch of keyset(range, (lower, upper, after) => rows(db, actor, lower, upper, after), (r) => r.opened_at)) {
    for (const r of batch) {
      total.add(r);
      let s = bySeverity.get(r.severity);
      if (!s) bySeverity.set(r.severity, (s = new Acc()));
      s.add(r);
      if (!perProcess) continue;
      let p = byProcess.get(r.process_id);
      if (!p) byProcess.set(r.process_id, (p = new Acc()));
      p.add(r);
    }
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
