import { sql } from 'kysely';
import type { Db } from '../../db/index.js';
import { iso } from '../../http/api.js';
import type { Cursor } from '../../pagination.js';
import { processFilter, type Actor } from '../../tenancy.js';
import { hinted } from '../reporting/hint.js';
import { visibleActivity } from './visibility.js';

/** The type filter's counts cover this many days. */
export const COUNT_DAYS = 7;

/** What an event type may look like in a filter. */
export const TYPE_FILTER = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * With a type filter, MariaDB is told to read the (process, type, id) index (every process: (type,
 * id)): left alone it intersected that index with (process, id) and sorted the result.
 */
function listBase(db: Db, actor: Actor, type?: string) {
  const table = type
    ? hinted(db, 'activity_log', processFilter(actor) === null ? 'ix_activity_log_entity_type_id' : 'ix_activity_log_process_id_entity_type_id')
    : 'activity_log';
  return visibleActivity(
    db.selectFrom(table)
      .leftJoin('users', 'users.id', 'activity_log.user_id')
      .leftJoin('processes', 'processes.id', 'activity_log.process_id')
      .selectAll('activity_log')
      .select(['users.name as user_name', 'processes.name as process_name', 'processes.slug as process_slug',
        'processes.timezone as process_timezone']),
    actor,
    type,
  );
}

export type ActivityRow = Awaited<ReturnType<ReturnType<typeof listBase>['executeTakeFirstOrThrow']>>;

/** One page of the events the actor may see, newest first (insertion order), keyset on id. */
export async function listActivity(db: Db, actor: Actor, f: { type?: string }, cursor: Cursor | null, limit: number): Promise<ActivityRow[]> {
  let q = listBase(db, actor, f.type);
  if (cursor) q = q.where('activity_log.id', '<', cursor.id);
  return q.orderBy('activity_log.id', 'desc').limit(limit + 1).execute();
}

/** Events per entity type since `since`, among those the actor may see. */
export async function countByType(db: Db, actor: Actor, since: Date): Promise<{ total: number; types: Record<string, number> }> {
  const index = processFilter(actor) === null ? 'ix_activity_log_created_at' : 'ix_activity_log_process_id_created_at';
  const rows = await visibleActivity(db.selectFrom(hinted(db, 'activity_log', index)), actor)
    .select(['activity_log.entity_type', sql<number>`count(*)`.as('n')])
    .where('activity_log.created_at', '>=', since)
    .groupBy('activity_log.entity_type')
    .orderBy('activity_log.entity_type')
    .execute();
  const types: Record<string, number> = {};
  let total = 0;
  for (const r of rows) {
    types[r.entity_type] = Number(r.n);
    total += Number(r.n);
  }
  return { total, types };
}

/** An activity item of API.md, plus the summary and the process's slug. */
export function serializeActivity(r: ActivityRow) {
  return {
    id: r.id,
    process_id: r.process_id,
    user_id: r.user_id,
    user_name: r.user_name ?? null,
    entity_type: r.entity_type,
    entity_id: r.entity_id,
    action: r.action,
    created_at: iso(r.created_at),
    summary: r.summary,
    process_slug: r.process_slug ?? null,
  };
}
