import type { Db } from '../../db/index.js';
import type { Actor } from '../../tenancy.js';
import { activeIncidents, countEventsToday, countOpenIncidents, countOpenTickets } from './queries.js';

export type ActiveIncident = Awaited<ReturnType<typeof activeIncidents>>[number];

export interface DashboardData {
  openIncidents: number;
  openSev1: number;
  openTickets: number;
  eventsToday: number;
  active: ActiveIncident[];
}

export async function getDashboard(db: Db, actor: Actor, now: Date): Promise<DashboardData> {
  const [incidents, openTickets, eventsToday, active] = await Promise.all([
    countOpenIncidents(db, actor),
    countOpenTickets(db, actor),
    countEventsToday(db, actor, now),
    activeIncidents(db, actor),
  ]);
  return { openIncidents: incidents.open, openSev1: incidents.sev1, openTickets, eventsToday, active };
}

export { activeIncidents };
