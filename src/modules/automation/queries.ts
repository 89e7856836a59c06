import type { Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import type { Cursor } from '../../pagination.js';
import { scoped, type Actor } from '../../tenancy.js';
import { olderThan } from '../../db/keyset.js';

type Executor = Db | Transaction<Database>;

function ruleBase(db: Executor, actor: Actor) {
  return scoped(db.selectFrom('automation_rules'), actor, 'automation_rules.process_id')
    .innerJoin('processes', 'processes.id', 'automation_rules.process_id')
    .selectAll('automation_rules')
    .select(['processes.name as process_name', 'processes.slug as process_slug', 'processes.timezone as process_timezone']);
}

export type RuleRow = Awaited<ReturnType<ReturnType<typeof ruleBase>['executeTakeFirstOrThrow']>>;

/** One page of rules, newest first (keyset on created_at, id). */
export async function listRules(db: Executor, actor: Actor, cursor: Cursor | null, limit: number): Promise<RuleRow[]> {
  let q = ruleBase(db, actor);
  if (cursor) {
    q = q.where(olderThan(cursor, 'automation_rules.created_at', 'automation_rules.id'));
  }
  return q.orderBy('automation_rules.created_at', 'desc').orderBy('automation_rules.id', 'desc').limit(limit + 1).execute();
}

export async function findRule(db: Executor, actor: Actor, id: number): Promise<RuleRow | undefined> {
  return ruleBase(db, actor).where('automation_rules.id', '=', id).executeTakeFirst();
}

/** Chain names by id, for describing "Escalate via chain …" (one query for a whole list). */
export async function chainNames(db: Executor, ids: number[]): Promise<Map<number, { name: string; process_id: number }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('escalation_chains').select(['id', 'name', 'process_id']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, { name: r.name, process_id: r.process_id }]));
}

/** Chains a rule of these processes may escalate through. */
export async function chainChoices(db: Executor, processIds: number[]) {
  if (processIds.length === 0) return [];
  return db.selectFrom('escalation_chains').select(['id', 'name', 'process_id', 'trigger_severity', 'is_active'])
    .where('process_id', 'in', processIds).orderBy('name').execute();
}

export type ChainChoice = Awaited<ReturnType<typeof chainChoices>>[number];

/** The execution log of a rule, newest first (keyset on executed_at, id). */
export async function ruleExecutions(db: Executor, ruleId: number, cursor: Cursor | null, limit: number) {
  let q = db.selectFrom('automation_executions')
    .leftJoin('incidents', 'incidents.id', 'automation_executions.incident_id')
    .select(['automation_executions.id', 'automation_executions.incident_id', 'automation_executions.occurrence_key',
      'automation_executions.result', 'automation_executions.executed_at', 'incidents.title as incident_title',
      'incidents.severity as incident_severity', 'incidents.status as incident_status'])
    .where('automation_executions.rule_id', '=', ruleId);
  if (cursor) {
    q = q.where(olderThan(cursor, 'automation_executions.executed_at', 'automation_executions.id'));
  }
  return q.orderBy('automation_executions.executed_at', 'desc').orderBy('automation_executions.id', 'desc').limit(limit + 1).execute();
}

export type RuleExecutionRow = Awaited<ReturnType<typeof ruleExecutions>>[number];
