import { sql, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import { iso } from '../../http/api.js';
import type { Cursor } from '../../pagination.js';
import { processFilter, scoped, type Actor } from '../../tenancy.js';
import { hinted } from '../reporting/hint.js';
import { olderThan } from '../../db/keyset.js';

type Executor = Db | Transaction<Database>;

export interface AuditFilters {
  /** An exact action (`incident.create`) or an entity type (`incident`) for all of its actions. */
  action?: string;
  /** Instants: from inclusive, to exclusive. */
  start?: Date | null;
  end?: Date | null;
}

/** What an action filter may look like: letters, digits, `_`, `-` and dots. */
export const ACTION_FILTER = /^[A-Za-z0-9_.-]{1,80}$/;

/**
 * With a date range and no action, MariaDB is told to seek the (process, time) index: left alone it
 * reads the process's entries from one end (see reporting/hint.ts).
 */
function entries(db: Executor, actor: Actor, f: AuditFilters) {
  const byTime = (f.start || f.end) && !f.action;
  const table = byTime
    ? hinted(db, 'audit_log', processFilter(actor) === null ? 'ix_audit_log_created_at' : 'ix_audit_log_process_id_created_at')
    : 'audit_log';
  return scoped(db.selectFrom(table), actor, 'audit_log.process_id');
}

function base(db: Executor, actor: Actor, f: AuditFilters = {}) {
  return entries(db, actor, f)
    .leftJoin('users', 'users.id', 'audit_log.user_id')
    .leftJoin('processes', 'processes.id', 'audit_log.process_id');
}

function filtered<QB extends SelectQueryBuilder<Database, any, any>>(q: QB, f: AuditFilters): QB {
  let out = q;
  if (f.action) {
    out = (f.action.includes('.') ? out.where('audit_log.action', '=', f.action) : out.where('audit_log.entity_type', '=', f.action)) as QB;
  }
  if (f.start) out = out.where('audit_log.created_at', '>=', f.start) as QB;
  if (f.end) out = out.where('audit_log.created_at', '<', f.end) as QB;
  return out;
}

function withColumns(q: ReturnType<typeof base>) {
  return q.selectAll('audit_log').select([
    'users.name as user_name', 'users.email as user_email',
    'processes.name as process_name', 'processes.slug as process_slug', 'processes.timezone as process_timezone',
  ]);
}

export type AuditRow = Awaited<ReturnType<ReturnType<typeof withColumns>['executeTakeFirstOrThrow']>>;

/** One page of entries, newest first, by keyset on (created_at, id). */
export async function listAudit(db: Executor, actor: Actor, f: AuditFilters, cursor: Cursor | null, limit: number): Promise<AuditRow[]> {
  let q = withColumns(filtered(base(db, actor, f), f));
  if (cursor) {
    q = q.where(olderThan(cursor, 'audit_log.created_at', 'audit_log.id'));
  }
  return q.orderBy('audit_log.created_at', 'desc').orderBy('audit_log.id', 'desc').limit(limit + 1).execute();
}

/**
 * How many entries the filters match. Without the list's joins (each entry has at most one user and
 * one process, so they never change the count): the count reads one index, not every entry's row.
 */
export async function countAudit(db: Executor, actor: Actor, f: AuditFilters): Promise<number> {
  const row = await filtered(entries(db, actor, f), f).select(sql<number>`count(*)`.as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The actions that occur in the actor's scope, for the filter's suggestions. */
export async function knownActions(db: Executor, actor: Actor): Promise<string[]> {
  const rows = await scoped(db.selectFrom('audit_log'), actor, 'audit_log.process_id')
    .select('audit_log.action').distinct().orderBy('audit_log.action').limit(300).execute();
  return rows.map((r) => r.action);
}

function parseChanges(raw: string | null): unknown {
  if (raw === null) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The audit entry of API.md, plus the user's name and email, the user agent, what changed and the hashes. */
export function serializeAudit(r: AuditRow) {
  return {
    id: r.id,
    user_id: r.user_id,
    process_id: r.process_id,
    action: r.action,
    entity_type: r.entity_type,
    entity_id: r.entity_id,
    ip: r.ip,
    created_at: iso(r.created_at),
    user_agent: r.user_agent,
    changes: parseChanges(r.changes),
    prev_hash: r.prev_hash,
    hash: r.hash,
    user_name: r.user_name ?? null,
    user_email: r.user_email ?? null,
    process_slug: r.process_slug ?? null,
  };
}
