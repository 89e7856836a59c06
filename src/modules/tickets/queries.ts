import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import { TICKET_STATUSES, TICKET_TYPES, type Database } from '../../db/schema.js';
import type { Cursor } from '../../pagination.js';
import { crossesProcesses, scoped, type Actor } from '../../tenancy.js';
import { listTableFirst, olderThan, processesFor } from '../../db/keyset.js';

type Executor = Db | Transaction<Database>;

export type TicketType = (typeof TICKET_TYPES)[number];
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export interface TicketFilters {
  status?: TicketStatus;
  type?: TicketType;
}

function listBase(db: Executor, actor: Actor) {
  return scoped(db.selectFrom('tickets'), actor, 'tickets.process_id')
    .innerJoin(processesFor(db, crossesProcesses(actor)), 'processes.id', 'tickets.process_id')
    .leftJoin('users as assignee', 'assignee.id', 'tickets.assigned_to')
    .leftJoin('users as creator', 'creator.id', 'tickets.created_by')
    .leftJoin('incidents', 'incidents.id', 'tickets.incident_id')
    .selectAll('tickets')
    .select(['assignee.name as assignee_name', 'creator.name as creator_name', 'processes.name as process_name',
      'processes.slug as process_slug', 'processes.timezone as process_timezone',
      'incidents.title as incident_title', 'incidents.status as incident_status']);
}

export type TicketRow = Awaited<ReturnType<ReturnType<typeof listBase>['executeTakeFirstOrThrow']>>;

/** One page of tickets, newest first, by keyset on (created_at, id): no offset scans. */
export async function listTickets(db: Executor, actor: Actor, f: TicketFilters, cursor: Cursor | null, limit: number): Promise<TicketRow[]> {
  let q = listBase(db, actor);
  if (f.status) q = q.where('tickets.status', '=', f.status);
  if (f.type) q = q.where('tickets.type', '=', f.type);
  if (cursor) {
    q = q.where(olderThan(cursor, 'tickets.created_at', 'tickets.id'));
  }
  return listTableFirst(db, q, crossesProcesses(actor))
    .orderBy('tickets.created_at', 'desc').orderBy('tickets.id', 'desc').limit(limit + 1).execute();
}

/** Tickets per status for the tabs: one grouped query, scoped to the actor (and the type filter). */
export async function countByStatus(db: Executor, actor: Actor, type?: TicketType): Promise<Record<TicketStatus, number>> {
  let q = scoped(db.selectFrom('tickets'), actor, 'tickets.process_id')
    .select(['tickets.status', sql<number>`count(*)`.as('n')])
    .groupBy('tickets.status');
  if (type) q = q.where('tickets.type', '=', type);
  const out: Record<TicketStatus, number> = { open: 0, in_progress: 0, closed: 0 };
  for (const r of await q.execute()) {
    if (r.status in out) out[r.status as TicketStatus] = Number(r.n);
  }
  return out;
}

/** The ticket if the actor may see it, else undefined (the caller answers 404). */
export async function findTicket(db: Executor, actor: Actor, id: number): Promise<TicketRow | undefined> {
  return listBase(db, actor).where('tickets.id', '=', id).executeTakeFirst();
}

/** People a ticket can be assigned to: active operators, managers and admins of its process. */
export async function ticketAssignees(db: Executor, processId: number) {
  return db.selectFrom('users').select(['id', 'name', 'email', 'role'])
    .where('process_id', '=', processId)
    .where('is_active', '=', true)
    .where('role', 'in', ['operator', 'manager', 'admin'])
    .orderBy('name')
    .execute();
}

export type Assignee = Awaited<ReturnType<typeof ticketAssignees>>[number];

/**
 * An incident a ticket of `processId` may link to: visible to the actor (scoped) and of the
 * ticket's own process. Undefined otherwise.
 */
export async function linkableIncident(db: Executor, actor: Actor, processId: number, incidentId: number) {
  return scoped(db.selectFrom('incidents'), actor, 'incidents.process_id')
    .select(['incidents.id', 'incidents.title', 'incidents.status', 'incidents.severity'])
    .where('incidents.id', '=', incidentId)
    .where('incidents.process_id', '=', processId)
    .executeTakeFirst();
}

/** The latest incidents of a process a ticket can link to (for the picker), scoped to the actor. */
export async function recentIncidents(db: Executor, actor: Actor, processId: number, limit = 50) {
  return scoped(db.selectFrom('incidents'), actor, 'incidents.process_id')
    .select(['incidents.id', 'incidents.title', 'incidents.status', 'incidents.severity'])
    .where('incidents.process_id', '=', processId)
    .orderBy('incidents.opened_at', 'desc')
    .orderBy('incidents.id', 'desc')
    .limit(limit)
    .execute();
}

export type IncidentOption = Awaited<ReturnType<typeof recentIncidents>>[number];

/** A ticket's own history: its audit entries, oldest first, with the acting user's name. */
export async function ticketHistory(db: Executor, ticket: { id: number; process_id: number }) {
  return db.selectFrom('audit_log')
    .leftJoin('users', 'users.id', 'audit_log.user_id')
    .select(['audit_log.id', 'audit_log.action', 'audit_log.user_id', 'audit_log.changes', 'audit_log.created_at',
      'users.name as user_name'])
    .where('audit_log.entity_type', '=', 'ticket')
    .where('audit_log.entity_id', '=', ticket.id)
    .where('audit_log.process_id', '=', ticket.process_id)
    .orderBy('audit_log.created_at', 'asc')
    .orderBy('audit_log.id', 'asc')
    .execute();
}

/** Names of users by id (for history lines that mention an assignee), in one query. */
export async function userNames(db: Executor, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
