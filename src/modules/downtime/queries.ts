import type { Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import type { Cursor } from '../../pagination.js';
import { crossesProcesses, scoped, type Actor } from '../../tenancy.js';
import { listTableFirst, olderThan, processesFor } from '../../db/keyset.js';

type Executor = Db | Transaction<Database>;

export const DOWNTIME_STATUSES = ['ongoing', 'ended'] as const;
export type DowntimeStatus = (typeof DOWNTIME_STATUSES)[number];

export interface DowntimeFilters {
  status?: DowntimeStatus;
  /** Only the events linked to this incident. */
  incidentId?: number;
}

function listBase(db: Executor, actor: Actor) {
  return scoped(db.selectFrom('downtime_events'), actor, 'downtime_events.process_id')
    .innerJoin(processesFor(db, crossesProcesses(actor)), 'processes.id', 'downtime_events.process_id')
    .leftJoin('incidents', 'incidents.id', 'downtime_events.incident_id')
    .leftJoin('users', 'users.id', 'downtime_events.created_by')
    .selectAll('downtime_events')
    .select(['incidents.title as incident_title', 'users.name as creator_name', 'processes.name as process_name',
      'processes.slug as process_slug', 'processes.timezone as process_timezone']);
}

export type DowntimeRow = Awaited<ReturnType<ReturnType<typeof listBase>['executeTakeFirstOrThrow']>>;

/** One page of downtime events, newest start first, by keyset on (started_at, id): no offset scans. */
export async function listDowntime(db: Executor, actor: Actor, f: DowntimeFilters, cursor: Cursor | null, limit: number): Promise<DowntimeRow[]> {
  let q = listBase(db, actor);
  if (f.status === 'ongoing') q = q.where('downtime_events.ended_at', 'is', null);
  else if (f.status === 'ended') q = q.where('downtime_events.ended_at', 'is not', null);
  if (f.incidentId !== undefined) q = q.where('downtime_events.incident_id', '=', f.incidentId);
  if (cursor) {
    q = q.where(olderThan(cursor, 'downtime_events.started_at', 'downtime_events.id'));
  }
  return listTableFirst(db, q, crossesProcesses(actor))
    .orderBy('downtime_events.started_at', 'desc').orderBy('downtime_events.id', 'desc').limit(limit + 1).execute();
}

/** The downtime event if the actor may see it, else undefined (the caller answers 404). */
export async function findDowntime(db: Executor, actor: Actor, id: number): Promise<DowntimeRow | undefined> {
  return listBase(db, actor).where('downtime_events.id', '=', id).executeTakeFirst();
}

/**
 * Incidents a new downtime event can be linked to: the newest the actor can see, unresolved first,
 * and `include` (an older one the form opens linked to) if the actor can see it.
 */
export async function linkableIncidents(db: Executor, actor: Actor, opts: { limit?: number; include?: number } = {}) {
  const base = () => scoped(db.selectFrom('incidents'), actor, 'incidents.process_id')
    .innerJoin(processesFor(db, crossesProcesses(actor)), 'processes.id', 'incidents.process_id')
    .select(['incidents.id', 'incidents.title', 'incidents.status', 'incidents.severity', 'incidents.process_id',
      'processes.name as process_name']);
  const rows = await listTableFirst(db, base(), crossesProcesses(actor))
    .orderBy('incidents.opened_at', 'desc')
    .orderBy('incidents.id', 'desc')
    .limit(opts.limit ?? 100)
    .execute();
  if (opts.include !== undefined && !rows.some((r) => r.id === opts.include)) {
    const extra = await base().where('incidents.id', '=', opts.include).executeTakeFirst();
    if (extra) rows.unshift(extra);
  }
  return [...rows.filter((r) => r.status !== 'resolved'), ...rows.filter((r) => r.status === 'resolved')];
}

export type LinkableIncident = Awaited<ReturnType<typeof linkableIncidents>>[number];
