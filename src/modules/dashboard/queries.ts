import { sql } from 'kysely';
import type { Db } from '../../db/index.js';
import { OPEN_TICKET_STATUSES, UNRESOLVED_INCIDENT_STATUSES } from '../../db/schema.js';
import { scoped, type Actor } from '../../tenancy.js';
import { startOfLocalDay } from '../../time.js';

export const ACTIVE_INCIDENTS_LIMIT = 50;

export async function countOpenIncidents(db: Db, actor: Actor) {
  const row = await scoped(db.selectFrom('incidents'), actor)
    .select([
      sql<number>`count(*)`.as('open'),
      sql<number>`sum(case when severity = 1 then 1 else 0 end)`.as('sev1'),
    ])
    .where('status', 'in', UNRESOLVED_INCIDENT_STATUSES)
    .executeTakeFirst();
  return { open: Number(row?.open ?? 0), sev1: Number(row?.sev1 ?? 0) };
}

export async function countOpenTickets(db: Db, actor: Actor): Promise<number> {
  const row = await scoped(db.selectFrom('tickets'), actor)
    .select(sql<number>`count(*)`.as('n'))
    .where('status', 'in', OPEN_TICKET_STATUSES)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Activity since midnight, each process counted from midnight in its own time zone.
 */
export async function countEventsToday(db: Db, actor: Actor, now: Date): Promise<number> {
  const processes = await scoped(db.selectFrom('processes'), actor, 'id').select(['id', 'timezone']).execute();
  if (processes.length === 0) return 0;
  const row = await db.selectFrom('activity_log')
    .select(sql<number>`count(*)`.as('n'))
    .where((eb) => eb.or(processes.map((p) => eb.and([
      eb('process_id', '=', p.id),
      eb('created_at', '>=', startOfLocalDay(now, p.timezone)),
    ]))))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Unresolved incidents, most severe first and newest first within a severity. */
export async function activeIncidents(db: Db, actor: Actor, limit = ACTIVE_INCIDENTS_LIMIT) {
  return scoped(db.selectFrom('incidents'), actor, 'incidents.process_id')
    .innerJoin('processes', 'processes.id', 'incidents.process_id')
    .leftJoin('users', 'users.id', 'incidents.assigned_to')
    .selectAll('incidents')
    .select(['users.name as assignee_name', 'processes.name as process_name', 'processes.timezone as process_timezone'])
    .where('incidents.status', 'in', UNRESOLVED_INCIDENT_STATUSES)
    .orderBy('incidents.severity', 'asc')
    .orderBy('incidents.opened_at', 'desc')
    .orderBy('incidents.id', 'desc')
    .limit(limit)
    .execute();
}
