import type { Db } from '../../db/index.js';
import type { Actor } from '../../tenancy.js';
import { can } from '../../roles.js';
import { coverage, onCallNow, type CoverageReport, type ProcessOnCall } from '../oncall/service.js';
import { slaSummary, type SlaGroup } from '../reporting/sla.js';
import { activeIncidents, countEventsToday, countOpenIncidents, countOpenTickets } from './queries.js';

export type ActiveIncident = Awaited<ReturnType<typeof activeIncidents>>[number];

export interface DashboardData {
  openIncidents: number;
  openSev1: number;
  openTickets: number;
  eventsToday: number;
  active: ActiveIncident[];
  /** Who is on call now, per process of the view (null when the role does not see on-call). */
  onCall: ProcessOnCall[] | null;
  /** The on-call coverage check, for those who manage the schedule (else null). */
  coverage: CoverageReport[] | null;
  /** MTTA, MTTR and resolution within target of the incidents opened in the last SLA_DAYS days. */
  sla: { total: SlaGroup; bySeverity: SlaGroup[] };
}

/** How far back the dashboard's SLA figures look. */
export const SLA_DAYS = 30;

export async function getDashboard(db: Db, actor: Actor, now: Date): Promise<DashboardData> {
  const [incidents, openTickets, eventsToday, active, onCall, cover, sla] = await Promise.all([
    countOpenIncidents(db, actor),
    countOpenTickets(db, actor),
    countEventsToday(db, actor, now),
    activeIncidents(db, actor),
    can(actor.role, 'oncall.view') ? onCallNow(db, actor, now) : null,
    can(actor.role, 'oncall.manage') ? coverage(db, actor, now) : null,
    slaSummary(db, actor, { start: new Date(now.getTime() - SLA_DAYS * 86_400_000), end: now }),
  ]);
  return {
    openIncidents: incidents.open, openSev1: incidents.sev1, openTickets, eventsToday, active, onCall, coverage: cover,
    sla: { total: sla.total, bySeverity: sla.by_severity },
  };
}

export { activeIncidents };
