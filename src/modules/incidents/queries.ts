import type { ExpressionBuilder, Transaction } from 'kysely';
import { containsText } from '../../db/text.js';
import type { Db } from '../../db/index.js';
import type { Database, IncidentStatus } from '../../db/schema.js';
import type { Cursor } from '../../pagination.js';
import { crossesProcesses, scoped, type Actor } from '../../tenancy.js';
import { listTableFirst, olderThan, processesFor } from '../../db/keyset.js';

type Executor = Db | Transaction<Database>;

export interface IncidentFilters {
  status?: IncidentStatus | 'active';
  severity?: number;
  /** A user id, or 'none' for unassigned. */
  assignedTo?: number | 'none';
  q?: string;
}

function joined(db: Executor, actor: Actor) {
  return scoped(db.selectFrom('incidents'), actor, 'incidents.process_id')
    .innerJoin(processesFor(db, crossesProcesses(actor)), 'processes.id', 'incidents.process_id')
    .leftJoin('users', 'users.id', 'incidents.assigned_to');
}

function listBase(db: Executor, actor: Actor) {
  return joined(db, actor)
    .selectAll('incidents')
    .select(['users.name as assignee_name', 'processes.name as process_name', 'processes.slug as process_slug',
      'processes.timezone as process_timezone']);
}

export type IncidentRow = Awaited<ReturnType<ReturnType<typeof listBase>['executeTakeFirstOrThrow']>>;

/** The search box: words of the title, or the incident's number ("#43" or "43", as the list shows it). */
function matchesSearch(text: string) {
  const number = /^#?(\d{1,9})$/.exec(text.trim());
  if (!number) return containsText('incidents.title', text);
  return (eb: ExpressionBuilder<Database, 'incidents'>) => eb.or([containsText('incidents.title', text), eb('incidents.id', '=', Number(number[1]))]);
}

/** Filters and the keyset cursor, newest first: an index range on (process_id, opened_at, id), no offset. */
function filteredPage(db: Executor, actor: Actor, f: IncidentFilters, cursor: Cursor | null) {
  let q = joined(db, actor);
  if (f.status === 'active') q = q.where('incidents.status', '!=', 'resolved');
  else if (f.status) q = q.where('incidents.status', '=', f.status);
  if (f.severity) q = q.where('incidents.severity', '=', f.severity);
  if (f.assignedTo === 'none') q = q.where('incidents.assigned_to', 'is', null);
  else if (f.assignedTo) q = q.where('incidents.assigned_to', '=', f.assignedTo);
  if (f.q) q = q.where(matchesSearch(f.q));
  if (cursor) q = q.where(olderThan(cursor, 'incidents.opened_at', 'incidents.id'));
  return listTableFirst(db, q, crossesProcesses(actor)).orderBy('incidents.opened_at', 'desc').orderBy('incidents.id', 'desc');
}

/** One page of incidents with every column (the API, the assistant, exports). */
export async function listIncidents(db: Executor, actor: Actor, f: IncidentFilters, cursor: Cursor | null, limit: number): Promise<IncidentRow[]> {
  return filteredPage(db, actor, f, cursor)
    .selectAll('incidents')
    .select(['users.name as assignee_name', 'processes.name as process_name', 'processes.slug as process_slug',
      'processes.timezone as process_timezone'])
    .limit(limit + 1)
    .execute();
}

/**
 * One page of the incident list page: only the columns its rows show. Half the work of every column
 * on SQLite, where the rows are decoded in the request's own thread.
 */
export async function listIncidentSummaries(db: Executor, actor: Actor, f: IncidentFilters, cursor: Cursor | null, limit: number) {
  return filteredPage(db, actor, f, cursor)
    .select(['incidents.id', 'incidents.title', 'incidents.severity', 'incidents.status', 'incidents.opened_at', 'incidents.source',
      'users.name as assignee_name', 'processes.name as process_name', 'processes.timezone as process_timezone'])
    .limit(limit + 1)
    .execute();
}

export type IncidentSummary = Awaited<ReturnType<typeof listIncidentSummaries>>[number];

/** The incident if the actor may see it, else undefined (the caller answers 404). */
export async function findIncident(db: Executor, actor: Actor, id: number): Promise<IncidentRow | undefined> {
  return listBase(db, actor).where('incidents.id', '=', id).executeTakeFirst();
}

export async function timelineOf(db: Executor, incidentId: number) {
  return db.selectFrom('incident_events')
    .leftJoin('users', 'users.id', 'incident_events.user_id')
    .select(['incident_events.id', 'incident_events.kind', 'incident_events.message', 'incident_events.user_id',
      'incident_events.created_at', 'users.name as user_name'])
    .where('incident_events.incident_id', '=', incidentId)
    .orderBy('incident_events.created_at', 'asc')
    .orderBy('incident_events.id', 'asc')
    .execute();
}

export type TimelineEntry = Awaited<ReturnType<typeof timelineOf>>[number];

/** People an incident can be assigned to: active staff of the process who can work incidents. */
export async function assignableUsers(db: Executor, processId: number) {
  return db.selectFrom('users').select(['id', 'name', 'email', 'role'])
    .where('process_id', '=', processId)
    .where('is_active', '=', true)
    .where('role', 'in', ['operator', 'manager', 'admin', 'super_admin'])
    .orderBy('name')
    .execute();
}
