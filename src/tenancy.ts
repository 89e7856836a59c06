import type { ExpressionBuilder, SelectQueryBuilder, UpdateQueryBuilder, DeleteQueryBuilder } from 'kysely';
import type { Database, Role } from './db/schema.js';

/**
 * Tenant isolation in one place. Every read and write of tenant data is narrowed by `scoped()`:
 * `process_id = actor.processId`, or — for super_admin — nothing, or the process they switched to.
 * No route writes its own process filter.
 */

export interface Actor {
  userId: number;
  processId: number;
  role: Role;
  name: string;
  email: string;
  processSlug: string;
  /** super_admin only: the process chosen in the switcher, null for "All processes". */
  viewProcessId: number | null;
  /** Demo accounts in production must choose their own password before anything else. */
  mustChangePassword?: boolean;
  /** Where the request came from, for the audit log. */
  ip?: string | null;
  userAgent?: string | null;
}

/** The process ids the actor's queries are limited to, or null for all processes. */
export function processFilter(actor: Actor): number | null {
  if (actor.role === 'super_admin') return actor.viewProcessId;
  return actor.processId;
}

export function crossesProcesses(actor: Actor): boolean {
  return processFilter(actor) === null;
}

type HasWhere<QB> = QB & {
  where: (ref: any, op: any, value: any) => QB;
};

/**
 * Narrows any select, update or delete builder to the actor's process. `column` is the qualified
 * process_id column when the query joins tables (e.g. `incidents.process_id`).
 */
export function scoped<QB extends SelectQueryBuilder<Database, any, any> | UpdateQueryBuilder<Database, any, any, any> | DeleteQueryBuilder<Database, any, any>>(
  qb: QB,
  actor: Actor,
  column = 'process_id',
): QB {
  const pid = processFilter(actor);
  if (pid === null) return qb;
  return (qb as HasWhere<QB>).where(column, '=', pid);
}

/** The same rule as an expression, for use inside `where((eb) => ...)`. */
export function scopeExpression(actor: Actor, column = 'process_id') {
  return (eb: ExpressionBuilder<Database, any>) => {
    const pid = processFilter(actor);
    return pid === null ? eb.lit(true) : eb(column as any, '=', pid);
  };
}

/**
 * The process a new record belongs to: the actor's own, or for super_admin the one they name
 * (or are viewing). Returns null when a super_admin has not said which.
 */
export function owningProcess(actor: Actor, requested?: number | null): number | null {
  if (actor.role !== 'super_admin') return actor.processId;
  return requested ?? actor.viewProcessId ?? null;
}

/** True when a record of process `processId` is within the actor's reach. */
export function inScope(actor: Actor, processId: number): boolean {
  const pid = processFilter(actor);
  return pid === null || pid === processId;
}
