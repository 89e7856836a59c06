import { sql } from 'kysely';
import type { Db } from '../../db/index.js';
import { OPEN_TICKET_STATUSES, UNRESOLVED_INCIDENT_STATUSES } from '../../db/schema.js';
import { can } from '../../roles.js';
import { inScope, scoped, type Actor } from '../../tenancy.js';
import { listIncidents, type IncidentRow } from '../incidents/queries.js';

/**
 * The actor narrowed to one process: a super_admin on "All processes" becomes a super_admin viewing
 * that process, so every query below (through `scoped`) reads that process only and never mixes
 * processes. Others already see only their own.
 */
export function actorInProcess(actor: Actor, processId: number): Actor {
  if (!inScope(actor, processId)) throw new Error('actorInProcess: process out of scope');
  return actor.role === 'super_admin' ? { ...actor, viewProcessId: processId } : actor;
}

/** Text of an incident is cut to this many characters for similarity and prompts. */
export const TEXT_LIMIT = 2000;
/** How many of the process's incidents are compared (the most recent ones). */
export const CANDIDATE_LIMIT = 500;

export interface PastIncident {
  id: number;
  title: string;
  description: string | null;
  rca: string | null;
  severity: number;
  status: string;
  opened_at: Date;
  resolved_at: Date | null;
}

/** The other incidents of the (narrowed) actor's process, newest first, their text cut to size. */
export async function pastIncidents(db: Db, narrowed: Actor, excludeId: number): Promise<PastIncident[]> {
  return scoped(db.selectFrom('incidents'), narrowed, 'incidents.process_id')
    .select([
      'incidents.id', 'incidents.title', 'incidents.severity', 'incidents.status', 'incidents.opened_at', 'incidents.resolved_at',
      sql<string | null>`substr(incidents.description, 1, ${TEXT_LIMIT})`.as('description'),
      sql<string | null>`substr(incidents.rca, 1, ${TEXT_LIMIT})`.as('rca'),
    ])
    .where('incidents.id', '!=', excludeId)
    .orderBy('incidents.opened_at', 'desc')
    .orderBy('incidents.id', 'desc')
    .limit(CANDIDATE_LIMIT)
    .execute();
}

/** Incidents for the picker: the active ones, then the most recently opened resolved ones. */
export async function pickerIncidents(db: Db, actor: Actor): Promise<{ active: IncidentRow[]; resolved: IncidentRow[] }> {
  const active = await listIncidents(db, actor, { status: 'active' }, null, 200);
  const resolved = await listIncidents(db, actor, { status: 'resolved' }, null, 100);
  return { active: active.slice(0, 200), resolved: resolved.slice(0, 100) };
}

export interface ProcessSnapshot {
  process: { id: number; name: string; slug: string; timezone: string };
  active: IncidentRow[];
  activeTotal: number;
  ongoingDowntime: { id: number; started_at: Date; services_affected: string; impact_level: string }[] | null;
  openTickets: number | null;
  pendingApprovals: number | null;
}

/** What is going on in one process, limited to what the actor's role may see. */
export async function processSnapshot(db: Db, narrowed: Actor, processId: number): Promise<ProcessSnapshot> {
  const process = await db.selectFrom('processes').select(['id', 'name', 'slug', 'timezone']).where('id', '=', processId).executeTakeFirstOrThrow();
  const active = await listIncidents(db, narrowed, { status: 'active' }, null, 200);
  const activeTotal = Number((await scoped(db.selectFrom('incidents'), narrowed, 'incidents.process_id')
    .select(sql<number>`count(*)`.as('n')).where('incidents.status', 'in', UNRESOLVED_INCIDENT_STATUSES).executeTakeFirstOrThrow()).n);
  const role = narrowed.role;
  const ongoingDowntime = can(role, 'downtime.view')
    ? await scoped(db.selectFrom('downtime_events'), narrowed, 'downtime_events.process_id')
      .select(['downtime_events.id', 'downtime_events.started_at', 'downtime_events.services_affected', 'downtime_events.impact_level'])
      .where('downtime_events.ended_at', 'is', null).orderBy('downtime_events.started_at', 'desc').limit(20).execute()
    : null;
  const openTickets = can(role, 'tickets.view')
    ? Number((await scoped(db.selectFrom('tickets'), narrowed, 'tickets.process_id')
      .select(sql<number>`count(*)`.as('n')).where('tickets.status', 'in', OPEN_TICKET_STATUSES).executeTakeFirstOrThrow()).n)
    : null;
  let pendingApprovals: number | null = null;
  if (can(role, 'approvals.view')) {
    let q = scoped(db.selectFrom('approvals'), narrowed, 'approvals.process_id')
      .select(sql<number>`count(*)`.as('n')).where('approvals.status', '=', 'pending');
    if (!can(role, 'approvals.view_all')) q = q.where('approvals.submitted_by', '=', narrowed.userId);
    pendingApprovals = Number((await q.executeTakeFirstOrThrow()).n);
  }
  // Most urgent first: severity, then the oldest.
  const sorted = [...active].sort((a, b) => a.severity - b.severity || a.opened_at.getTime() - b.opened_at.getTime());
  return { process, active: sorted.slice(0, 200), activeTotal, ongoingDowntime, openTickets, pendingApprovals };
}
