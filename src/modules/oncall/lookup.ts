import type { Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import { localDate } from '../../time.js';

type Executor = Db | Transaction<Database>;

export type OncallRole = 'primary' | 'backup' | 'escalation';

export interface OnCallPerson {
  id: number;
  name: string;
  email: string;
  is_active: boolean;
}

/**
 * Who is on call for a process at an instant, by role: the schedule row of the process's calendar
 * day (in the process's time zone) for that role. Used by the on-call pages, the dashboard and the
 * escalation engine's fallback.
 */
export async function onCallAt(db: Executor, processId: number, now: Date): Promise<Record<OncallRole, OnCallPerson | null>> {
  const process = await db.selectFrom('processes').select('timezone').where('id', '=', processId).executeTakeFirst();
  const result: Record<OncallRole, OnCallPerson | null> = { primary: null, backup: null, escalation: null };
  if (!process) return result;
  const rows = await db.selectFrom('oncall_schedules')
    .innerJoin('users', 'users.id', 'oncall_schedules.user_id')
    .select(['oncall_schedules.role', 'users.id', 'users.name', 'users.email', 'users.is_active'])
    .where('oncall_schedules.process_id', '=', processId)
    .where('oncall_schedules.date', '=', localDate(now, process.timezone))
    .orderBy('oncall_schedules.id')
    .execute();
  for (const r of rows) {
    const role = r.role as OncallRole;
    if (role in result && result[role] === null) result[role] = { id: r.id, name: r.name, email: r.email, is_active: r.is_active };
  }
  return result;
}
