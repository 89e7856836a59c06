import type { Generated, Kysely, Transaction } from 'kysely';
import { isUniqueViolation, type Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';

/**
 * Database pieces shared by the escalation and automation engines: the two tables of migration 005
 * (typed here, beside the shared schema), the duplicate-key test both dialects need for
 * exactly-once claims, the incident lock every engine transaction starts with, and the watermarks.
 */

export interface IncidentEscalationsTable {
  id: Generated<number>;
  process_id: number;
  incident_id: number;
  chain_id: number;
  rule_id: number | null;
  attached_at: Date;
}

export interface JobWatermarksTable {
  name: string;
  processed_until: Date;
  updated_at: Date;
}

export interface EngineChecksTable {
  task: string;
  incident_id: number;
  process_id: number;
  seq: number;
  requested_at: Date;
}

export interface EngineDatabase extends Database {
  incident_escalations: IncidentEscalationsTable;
  job_watermarks: JobWatermarksTable;
  engine_checks: EngineChecksTable;
}

export type EngineDb = Kysely<EngineDatabase>;
export type EngineTrx = Transaction<EngineDatabase>;
export type EngineExecutor = EngineDb | EngineTrx;

/** The same connection, typed with the engine's tables too. */
export function engine(db: Db | EngineDb): EngineDb {
  return db as unknown as EngineDb;
}

export function engineTrx(trx: Transaction<Database> | EngineTrx): EngineTrx {
  return trx as unknown as EngineTrx;
}

/** The same transaction, typed for the shared helpers (timeline, outbox, audit). */
export function core(trx: EngineTrx | Transaction<Database>): Transaction<Database> {
  return trx as unknown as Transaction<Database>;
}

/**
 * Runs an INSERT that claims something exactly once. Returns false when the unique key says it was
 * claimed already (the statement is undone, the transaction goes on, on both dialects).
 */
export async function claim(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/**
 * Locks an incident for the rest of the transaction and reads it as it is now. A no-op UPDATE takes
 * the row's write lock on MariaDB and the database's write lock on SQLite, so the status read after
 * it cannot change until commit: an acknowledgement either happened before (and is seen) or waits.
 * Every engine transaction locks its one incident first, so no two of them can deadlock.
 */
export async function lockIncident(trx: EngineTrx, incidentId: number) {
  await trx.updateTable('incidents').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', incidentId).execute();
  return trx.selectFrom('incidents')
    .innerJoin('processes', 'processes.id', 'incidents.process_id')
    .leftJoin('users', 'users.id', 'incidents.assigned_to')
    .select(['incidents.id', 'incidents.process_id', 'incidents.title', 'incidents.description', 'incidents.severity',
      'incidents.status', 'incidents.assigned_to', 'incidents.opened_at', 'incidents.resolved_at', 'incidents.acknowledged_at',
      'processes.name as process_name', 'processes.slug as process_slug', 'processes.timezone as process_timezone',
      'users.name as assignee_name'])
    .where('incidents.id', '=', incidentId)
    .executeTakeFirst();
}

export type LockedIncident = NonNullable<Awaited<ReturnType<typeof lockIncident>>>;

/** Where a task's processing stands, or null before its first run. */
export async function readWatermark(db: EngineExecutor, name: string): Promise<Date | null> {
  const row = await db.selectFrom('job_watermarks').select('processed_until').where('name', '=', name).executeTakeFirst();
  return row?.processed_until ?? null;
}

/** Moves a watermark forward (never back: a slower instance finishing late does not rewind it). */
export async function advanceWatermark(db: EngineDb, name: string, to: Date, now: Date): Promise<void> {
  const res = await db.updateTable('job_watermarks').set({ processed_until: to, updated_at: now })
    .where('name', '=', name).where('processed_until', '<', to).executeTakeFirst();
  if (Number(res.numUpdatedRows) > 0) return;
  const exists = await db.selectFrom('job_watermarks').select('name').where('name', '=', name).executeTakeFirst();
  if (exists) return;
  await claim(() => db.insertInto('job_watermarks').values({ name, processed_until: to, updated_at: now }).execute());
  // Lost the race to create it: the other instance's value stands unless ours is later.
  await db.updateTable('job_watermarks').set({ processed_until: to, updated_at: now })
    .where('name', '=', name).where('processed_until', '<', to).execute();
}

/** Time ranges [from, to] merged where they touch, so one query reads each stretch once. */
export function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = ranges.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** Splits a list into chunks (for IN lists and OR'd ranges of bounded size). */
export function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * Asks worker tasks to look at an incident again whatever its age (inside the transaction of the
 * change that makes it necessary). A pending request is bumped, so the worker, which removes only
 * the request it read, sees the newer one on its next tick.
 */
export async function requestCheck(trx: EngineTrx, inc: { id: number; process_id: number }, tasks: string[], now: Date): Promise<void> {
  for (const task of tasks) {
    const added = await claim(() => trx.insertInto('engine_checks').values({
      task, incident_id: inc.id, process_id: inc.process_id, seq: 1, requested_at: now,
    }).execute());
    if (!added) {
      await trx.updateTable('engine_checks').set((eb) => ({ seq: eb('seq', '+', 1), requested_at: now }))
        .where('task', '=', task).where('incident_id', '=', inc.id).execute();
    }
  }
}

export const CHECKS_PER_TICK = 1000;

/** The oldest pending check requests of a task. */
export async function pendingChecks(db: EngineExecutor, task: string): Promise<{ incident_id: number; seq: number; requested_at: Date }[]> {
  return db.selectFrom('engine_checks').select(['incident_id', 'seq', 'requested_at'])
    .where('task', '=', task).orderBy('requested_at').orderBy('incident_id').limit(CHECKS_PER_TICK).execute();
}

/** Removes a handled request, unless it was renewed meanwhile. */
export async function finishCheck(db: EngineDb, task: string, check: { incident_id: number; seq: number }): Promise<void> {
  await db.deleteFrom('engine_checks').where('task', '=', task).where('incident_id', '=', check.incident_id)
    .where('seq', '=', check.seq).execute();
}
