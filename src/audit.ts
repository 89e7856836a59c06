import type { Transaction } from 'kysely';
import type { Db } from './db/index.js';
import type { Database } from './db/schema.js';
import type { Actor } from './tenancy.js';

type Executor = Db | Transaction<Database>;

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: number | null;
  processId: number | null;
  changes?: Record<string, unknown>;
  summary?: string;
}

/**
 * Writes the audit entry and the activity item of one action, inside the caller's transaction.
 * The actor may be null for the system (jobs, alerts).
 */
export async function recordAction(trx: Executor, actor: Actor | null, now: Date, entry: AuditEntry): Promise<void> {
  await trx.insertInto('audit_log').values({
    process_id: entry.processId,
    user_id: actor?.userId ?? null,
    action: entry.action,
    entity_type: entry.entityType,
    entity_id: entry.entityId,
    ip: actor?.ip ?? null,
    user_agent: actor?.userAgent?.slice(0, 300) ?? null,
    changes: entry.changes ? JSON.stringify(entry.changes) : null,
    created_at: now,
  }).execute();
  const verb = entry.action.split('.').slice(1).join('.') || entry.action;
  await trx.insertInto('activity_log').values({
    process_id: entry.processId,
    user_id: actor?.userId ?? null,
    entity_type: entry.entityType,
    entity_id: entry.entityId,
    action: verb,
    summary: entry.summary?.slice(0, 300) ?? null,
    created_at: now,
  }).execute();
}
