import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import { containsText } from '../../db/text.js';
import { ROLES, type Database, type Role } from '../../db/schema.js';
import type { Cursor } from '../../pagination.js';
import { crossesProcesses, scoped, type Actor } from '../../tenancy.js';
import { listTableFirst, olderThan, processesFor } from '../../db/keyset.js';

type Executor = Db | Transaction<Database>;

export interface UserFilters {
  role?: Role;
  /** active: can sign in; inactive: deactivated or waiting for approval. */
  status?: 'active' | 'inactive';
  /** Name or email contains. */
  q?: string;
}

/** The users of the actor's reach (their process; super_admin: every process or the one switched to). */
function listBase(db: Executor, actor: Actor) {
  return scoped(db.selectFrom('users'), actor, 'users.process_id')
    .innerJoin(processesFor(db, crossesProcesses(actor)), 'processes.id', 'users.process_id')
    .selectAll('users')
    .select(['processes.slug as process_slug', 'processes.name as process_name', 'processes.timezone as process_timezone']);
}

export type UserRow = Awaited<ReturnType<ReturnType<typeof listBase>['executeTakeFirstOrThrow']>>;

/** One page of users, newest first, by keyset on (created_at, id). */
export async function listUsers(db: Executor, actor: Actor, f: UserFilters, cursor: Cursor | null, limit: number): Promise<UserRow[]> {
  let q = listBase(db, actor);
  if (f.role) q = q.where('users.role', '=', f.role);
  if (f.status === 'active') q = q.where('users.is_active', '=', true);
  else if (f.status === 'inactive') q = q.where('users.is_active', '=', false);
  if (f.q) {
    const text = f.q;
    q = q.where((eb) => eb.or([containsText('users.name', text), containsText('users.email', text)]));
  }
  if (cursor) {
    q = q.where(olderThan(cursor, 'users.created_at', 'users.id'));
  }
  return listTableFirst(db, q, crossesProcesses(actor))
    .orderBy('users.created_at', 'desc').orderBy('users.id', 'desc').limit(limit + 1).execute();
}

/** The user if within the actor's reach, else undefined (the caller answers 404). */
export async function findUser(db: Executor, actor: Actor, id: number): Promise<UserRow | undefined> {
  return listBase(db, actor).where('users.id', '=', id).executeTakeFirst();
}

/** The actor's own row, whatever process they are viewing. */
export async function ownUser(db: Executor, userId: number): Promise<UserRow> {
  return db.selectFrom('users')
    .innerJoin('processes', 'processes.id', 'users.process_id')
    .selectAll('users')
    .select(['processes.slug as process_slug', 'processes.name as process_name', 'processes.timezone as process_timezone'])
    .where('users.id', '=', userId)
    .executeTakeFirstOrThrow();
}

export type RoleCounts = Record<Role, number> & { all: number };

/** How many users of each role the actor can see (the role filter's counts, as Figure 5.2). */
export async function roleCounts(db: Executor, actor: Actor): Promise<RoleCounts> {
  const rows = await scoped(db.selectFrom('users'), actor, 'users.process_id')
    .select(['users.role', sql<number>`count(*)`.as('n')])
    .groupBy('users.role')
    .execute();
  const counts = Object.fromEntries(ROLES.map((r) => [r, 0])) as RoleCounts;
  counts.all = 0;
  for (const r of rows) {
    const n = Number(r.n);
    if ((ROLES as readonly string[]).includes(r.role)) counts[r.role] = n;
    counts.all += n;
  }
  return counts;
}

/** Whether an email is taken by any account (every process: sign-in emails are global). */
export async function emailTaken(db: Executor, email: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('users').select('id').where('email', '=', email);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}
