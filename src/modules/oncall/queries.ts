import type { Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import type { Cursor } from '../../pagination.js';
import { crossesProcesses, scoped, type Actor } from '../../tenancy.js';
import { listTableFirst, processesFor } from '../../db/keyset.js';
import { shiftWindow, type ShiftWindow } from './shifts.js';

type Executor = Db | Transaction<Database>;

/** Roles that can be put on call: the people who work incidents. */
export const ONCALL_USER_ROLES = ['operator', 'manager', 'admin', 'super_admin'] as const;

function listBase(db: Executor, actor: Actor) {
  return scoped(db.selectFrom('oncall_schedules'), actor, 'oncall_schedules.process_id')
    .innerJoin('users', 'users.id', 'oncall_schedules.user_id')
    .innerJoin(processesFor(db, crossesProcesses(actor)), 'processes.id', 'oncall_schedules.process_id')
    .leftJoin('oncall_rotations', 'oncall_rotations.id', 'oncall_schedules.rotation_id')
    .selectAll('oncall_schedules')
    .select(['users.name as user_name', 'users.email as user_email', 'users.is_active', 'processes.name as process_name',
      'processes.slug as process_slug', 'processes.timezone as process_timezone', 'oncall_rotations.name as rotation_name',
      'oncall_rotations.handoff_time']);
}

type BaseRow = Awaited<ReturnType<ReturnType<typeof listBase>['executeTakeFirstOrThrow']>>;

/** A schedule row with its person, process, rotation and shift instants. */
export type OncallRow = BaseRow & { window: ShiftWindow };

function withWindow(r: BaseRow): OncallRow {
  return { ...r, is_active: Boolean(r.is_active), window: shiftWindow(r.date, r.handoff_time, r.process_timezone) };
}

export interface DateRange {
  from?: string;
  to?: string;
}

/** The cursor of a row: its date as midnight UTC, and its id (the list runs in calendar order). */
export const cursorOf = (r: { date: string; id: number }): Cursor => ({ at: new Date(`${r.date}T00:00:00.000Z`), id: r.id });

/** One page of schedule rows in calendar order (date, then id), by keyset; `limit + 1` rows to tell if more follow. */
export async function listOncall(db: Executor, actor: Actor, range: DateRange, cursor: Cursor | null, limit: number): Promise<OncallRow[]> {
  let q = listBase(db, actor);
  if (range.from) q = q.where('oncall_schedules.date', '>=', range.from);
  if (range.to) q = q.where('oncall_schedules.date', '<=', range.to);
  if (cursor) {
    const date = cursor.at.toISOString().slice(0, 10);
    // The redundant lower bound `date >= cursor` gives SQLite one range to seek to (as olderThan).
    q = q.where((eb) => eb.and([
      eb('oncall_schedules.date', '>=', date),
      eb.or([
        eb('oncall_schedules.date', '>', date),
        eb.and([eb('oncall_schedules.date', '=', date), eb('oncall_schedules.id', '>', cursor.id)]),
      ]),
    ]));
  }
  const rows = await listTableFirst(db, q, crossesProcesses(actor)).orderBy('oncall_schedules.date', 'asc').orderBy('oncall_schedules.id', 'asc').limit(limit + 1).execute();
  return rows.map(withWindow);
}

const ROLE_RANK: Record<string, number> = { primary: 0, backup: 1, escalation: 2 };

/** Every row of a bounded date range, for the page: by date, process, role (primary first). */
export async function listOncallRange(db: Executor, actor: Actor, from: string, to: string, max = 5000): Promise<OncallRow[]> {
  const rows = await listTableFirst(db, listBase(db, actor), crossesProcesses(actor))
    .where('oncall_schedules.date', '>=', from)
    .where('oncall_schedules.date', '<=', to)
    .orderBy('oncall_schedules.date', 'asc')
    .orderBy('oncall_schedules.id', 'asc')
    .limit(max)
    .execute();
  return rows.map(withWindow).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)
    || a.process_name.localeCompare(b.process_name)
    || (ROLE_RANK[a.role] ?? 9) - (ROLE_RANK[b.role] ?? 9)
    || a.id - b.id);
}

/** The row if the actor may see it, else undefined (the caller answers 404). */
export async function findOncall(db: Executor, actor: Actor, id: number): Promise<OncallRow | undefined> {
  const r = await listBase(db, actor).where('oncall_schedules.id', '=', id).executeTakeFirst();
  return r ? withWindow(r) : undefined;
}

/** A user's own shifts from a date on, any process (for their calendar feed). */
export async function shiftsOfUser(db: Executor, userId: number, from: string, max = 2000): Promise<OncallRow[]> {
  const rows = await db.selectFrom('oncall_schedules')
    .innerJoin('users', 'users.id', 'oncall_schedules.user_id')
    .innerJoin('processes', 'processes.id', 'oncall_schedules.process_id')
    .leftJoin('oncall_rotations', 'oncall_rotations.id', 'oncall_schedules.rotation_id')
    .selectAll('oncall_schedules')
    .select(['users.name as user_name', 'users.email as user_email', 'users.is_active', 'processes.name as process_name',
      'processes.slug as process_slug', 'processes.timezone as process_timezone', 'oncall_rotations.name as rotation_name',
      'oncall_rotations.handoff_time'])
    .where('oncall_schedules.user_id', '=', userId)
    .where('oncall_schedules.date', '>=', from)
    .orderBy('oncall_schedules.date', 'asc')
    .orderBy('oncall_schedules.id', 'asc')
    .limit(max)
    .execute();
  return rows.map(withWindow);
}

/** People who can be put on call in a process: its active operators, managers and admins. */
export async function oncallCandidates(db: Executor, processId: number) {
  return db.selectFrom('users').select(['id', 'name', 'email', 'role'])
    .where('process_id', '=', processId)
    .where('is_active', '=', true)
    .where('role', 'in', [...ONCALL_USER_ROLES])
    .orderBy('name')
    .execute();
}

export type Candidate = Awaited<ReturnType<typeof oncallCandidates>>[number];

/** The processes the actor's view covers (one, or every process for a super_admin on "All"). */
export async function processesInScope(db: Executor, actor: Actor) {
  return scoped(db.selectFrom('processes'), actor, 'id').select(['id', 'name', 'slug', 'timezone']).orderBy('name').execute();
}

export type ScopeProcess = Awaited<ReturnType<typeof processesInScope>>[number];

function rotationBase(db: Executor, actor: Actor) {
  return scoped(db.selectFrom('oncall_rotations'), actor, 'oncall_rotations.process_id')
    .innerJoin('processes', 'processes.id', 'oncall_rotations.process_id')
    .selectAll('oncall_rotations')
    .select(['processes.name as process_name', 'processes.slug as process_slug', 'processes.timezone as process_timezone']);
}

type RotationBase = Awaited<ReturnType<ReturnType<typeof rotationBase>['executeTakeFirstOrThrow']>>;

export type RotationRow = RotationBase & { members: { id: number; name: string; is_active: boolean }[]; memberIds: number[] };

function parseMembers(raw: string): number[] {
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.filter((x): x is number => Number.isSafeInteger(x)) : [];
  } catch {
    return [];
  }
}

async function withMembers(db: Executor, rows: RotationBase[]): Promise<RotationRow[]> {
  const ids = [...new Set(rows.flatMap((r) => parseMembers(r.member_ids)))];
  const users = ids.length
    ? await db.selectFrom('users').select(['id', 'name', 'is_active']).where('id', 'in', ids).execute()
    : [];
  const byId = new Map(users.map((u) => [u.id, { id: u.id, name: u.name, is_active: Boolean(u.is_active) }]));
  return rows.map((r) => {
    const memberIds = parseMembers(r.member_ids);
    return { ...r, memberIds, members: memberIds.map((id) => byId.get(id) ?? { id, name: `User #${id}`, is_active: false }) };
  });
}

export async function listRotations(db: Executor, actor: Actor): Promise<RotationRow[]> {
  const rows = await rotationBase(db, actor).orderBy('processes.name').orderBy('oncall_rotations.name').orderBy('oncall_rotations.id').execute();
  return withMembers(db, rows);
}

export async function findRotation(db: Executor, actor: Actor, id: number): Promise<RotationRow | undefined> {
  const row = await rotationBase(db, actor).where('oncall_rotations.id', '=', id).executeTakeFirst();
  return row ? (await withMembers(db, [row]))[0] : undefined;
}

/** Schedule rows of some processes in a date range with their people, for the coverage check. */
export async function rowsForCoverage(db: Executor, processIds: number[], from: string, to: string) {
  if (processIds.length === 0) return [];
  return db.selectFrom('oncall_schedules')
    .innerJoin('users', 'users.id', 'oncall_schedules.user_id')
    .select(['oncall_schedules.process_id', 'oncall_schedules.date', 'oncall_schedules.role', 'users.id as user_id',
      'users.name as user_name', 'users.email as user_email', 'users.is_active'])
    .where('oncall_schedules.process_id', 'in', processIds)
    .where('oncall_schedules.date', '>=', from)
    .where('oncall_schedules.date', '<=', to)
    .orderBy('oncall_schedules.date')
    .execute();
}
