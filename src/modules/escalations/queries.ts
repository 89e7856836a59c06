import type { Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import type { Cursor } from '../../pagination.js';
import { scoped, type Actor } from '../../tenancy.js';
import { parseChannels } from './engine.js';
import { chunks } from './store.js';
import { olderThan } from '../../db/keyset.js';

type Executor = Db | Transaction<Database>;

function chainBase(db: Executor, actor: Actor) {
  return scoped(db.selectFrom('escalation_chains'), actor, 'escalation_chains.process_id')
    .innerJoin('processes', 'processes.id', 'escalation_chains.process_id')
    .selectAll('escalation_chains')
    .select(['processes.name as process_name', 'processes.slug as process_slug', 'processes.timezone as process_timezone']);
}

export type ChainRow = Awaited<ReturnType<ReturnType<typeof chainBase>['executeTakeFirstOrThrow']>>;

export interface TierRow {
  id: number;
  chain_id: number;
  position: number;
  delay_minutes: number;
  channels: string[];
  user_id: number | null;
  user_name: string | null;
  user_active: boolean | null;
  webhook_url: string | null;
}

export interface ChainStats {
  execution_count: number;
  last_fired_at: Date | null;
}

export interface ChainView extends ChainRow {
  tiers: TierRow[];
  stats: ChainStats;
}

/** One page of chains, newest first, keyset on (created_at, id). */
export async function listChains(db: Executor, actor: Actor, cursor: Cursor | null, limit: number): Promise<ChainRow[]> {
  let q = chainBase(db, actor);
  if (cursor) {
    q = q.where(olderThan(cursor, 'escalation_chains.created_at', 'escalation_chains.id'));
  }
  return q.orderBy('escalation_chains.created_at', 'desc').orderBy('escalation_chains.id', 'desc').limit(limit + 1).execute();
}

/** The chain if the actor may see it (another process's answers undefined: a 404). */
export async function findChain(db: Executor, actor: Actor, id: number): Promise<ChainRow | undefined> {
  return chainBase(db, actor).where('escalation_chains.id', '=', id).executeTakeFirst();
}

/** Tiers (with their users' names) and firing counts of several chains: two queries, no N+1. */
export async function withTiers(db: Executor, chains: ChainRow[]): Promise<ChainView[]> {
  if (chains.length === 0) return [];
  const tiers = new Map<number, TierRow[]>();
  const stats = new Map<number, ChainStats>();
  for (const ids of chunks(chains.map((c) => c.id), 500)) {
    const rows = await db.selectFrom('escalation_tiers')
      .leftJoin('users', 'users.id', 'escalation_tiers.user_id')
      .select(['escalation_tiers.id', 'escalation_tiers.chain_id', 'escalation_tiers.position', 'escalation_tiers.delay_minutes',
        'escalation_tiers.channels', 'escalation_tiers.user_id', 'escalation_tiers.webhook_url',
        'users.name as user_name', 'users.is_active as user_active'])
      .where('escalation_tiers.chain_id', 'in', ids)
      .orderBy('escalation_tiers.position').orderBy('escalation_tiers.id')
      .execute();
    for (const r of rows) {
      const list = tiers.get(r.chain_id) ?? [];
      list.push({ ...r, channels: parseChannels(r.channels), user_name: r.user_name ?? null, user_active: r.user_active === null ? null : Boolean(r.user_active) });
      tiers.set(r.chain_id, list);
    }
    const counts = await db.selectFrom('escalation_executions')
      .select(['chain_id', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('fired_at').as('last_fired_at')])
      .where('chain_id', 'in', ids)
      .groupBy('chain_id')
      .execute();
    for (const c of counts) {
      const last = c.last_fired_at as unknown;
      stats.set(c.chain_id, {
        execution_count: Number(c.n),
        last_fired_at: last instanceof Date ? last : typeof last === 'string' ? new Date(last.endsWith('Z') ? last : `${last.replace(' ', 'T')}Z`) : null,
      });
    }
  }
  return chains.map((c) => ({ ...c, tiers: tiers.get(c.id) ?? [], stats: stats.get(c.id) ?? { execution_count: 0, last_fired_at: null } }));
}

/** People a tier may page: active staff of the process (clients are never paged). */
export async function pageableUsers(db: Executor, processIds: number[]) {
  if (processIds.length === 0) return [];
  return db.selectFrom('users').select(['id', 'name', 'role', 'process_id'])
    .where('process_id', 'in', processIds)
    .where('is_active', '=', true)
    .where('role', '!=', 'client')
    .orderBy('name')
    .execute();
}

export type PageableUser = Awaited<ReturnType<typeof pageableUsers>>[number];

/** The firings of a chain, newest first (keyset on fired_at, id). */
export async function chainExecutions(db: Executor, chainId: number, cursor: Cursor | null, limit: number) {
  let q = db.selectFrom('escalation_executions')
    .innerJoin('incidents', 'incidents.id', 'escalation_executions.incident_id')
    .leftJoin('users', 'users.id', 'escalation_executions.target_user_id')
    .leftJoin('escalation_tiers', 'escalation_tiers.id', 'escalation_executions.tier_id')
    .select(['escalation_executions.id', 'escalation_executions.incident_id', 'escalation_executions.tier_id',
      'escalation_executions.target_user_id', 'escalation_executions.fired_at', 'incidents.title as incident_title',
      'incidents.severity as incident_severity', 'incidents.status as incident_status', 'users.name as target_name',
      'escalation_tiers.position as tier_position'])
    .where('escalation_executions.chain_id', '=', chainId);
  if (cursor) {
    q = q.where(olderThan(cursor, 'escalation_executions.fired_at', 'escalation_executions.id'));
  }
  return q.orderBy('escalation_executions.fired_at', 'desc').orderBy('escalation_executions.id', 'desc').limit(limit + 1).execute();
}

export type ExecutionRow = Awaited<ReturnType<typeof chainExecutions>>[number];
