import type { Db } from '../../db/index.js';
import { scoped, type Actor } from '../../tenancy.js';
import { BATCH, type Range } from './sources.js';

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

function rows(db: Db, actor: Actor, range: Range, after: { at: Date; id: number } | null) {
  let q = scoped(db.selectFrom('incidents'), actor, 'incidents.process_id')
    .innerJoin('processes', 'processes.id', 'incidents.process_id')
    .select(['incidents.id', 'incidents.process_id', 'incidents.severity', 'incidents.status', 'incidents.opened_at',
      'incidents.acknowledged_at', 'incidents.resolved_at', 'processes.name as process_name'])
    .where('incidents.opened_at', '>=', range.start)
    .where('incidents.opened_at', '<', range.end);
  if (after) {
    // The extra lower bound lets both engines seek the index at the cursor instead of scanning from the start.
    q = q.where('incidents.opened_at', '>=', after.at)
      .where((eb) => eb.or([eb('incidents.opened_at', '>', after.at), eb('incidents.id', '>', after.id)]));
  }
  return q.orderBy('incidents.opened_at').orderBy('incidents.id').limit(BATCH).execute();
}

export async function slaReport(db: Db, actor: Actor, range: Range): Promise<SlaReport> {
  const total = new Acc();
  const bySeverity = new Map<number, Acc>([1, 2, 3, 4].map((s) => [s, new Acc()]));
  const byProcess = new Map<number, { name: string; acc: Acc }>();
  let after: { at: Date; id: number } | null = null;
  for (;;) {
    const batch = await rows(db, actor, range, after);
    for (const r of batch) {
      total.add(r);
      let s = bySeverity.get(r.severity);
      if (!s) bySeverity.set(r.severity, (s = new Acc()));
      s.add(r);
      let p = byProcess.get(r.process_id);
      if (!p) byProcess.set(r.process_id, (p = { name: r.process_name, acc: new Acc() }));
      p.acc.add(r);
    }
    if (batch.length < BATCH) break;
    const last = batch[batch.length - 1];
    after = { at: last.opened_at, id: last.id };
  }
  return {
    total: total.group('all', 'All incidents'),
    by_severity: [...bySeverity].sort((a, b) => a[0] - b[0]).map(([s, acc]) => acc.group(`severity-${s}`, `Sev ${s}`)),
    by_process: [...byProcess].sort((a, b) => a[1].name.localeCompare(b[1].name)).map(([id, p]) => p.acc.group(`process-${id}`, p.name)),
  };
}
