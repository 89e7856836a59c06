import type { Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import { localDate } from '../../time.js';
import { addDays, candidateDates, coveringRows, datesBetween, shiftWindow, type ShiftWindow } from './shifts.js';

type Executor = Db | Transaction<Database>;

export type OncallRole = 'primary' | 'backup' | 'escalation';
export const ROLE_ORDER: OncallRole[] = ['primary', 'backup', 'escalation'];

export interface OnCallPerson {
  id: number;
  name: string;
  email: string;
  is_active: boolean;
}

/** Who is on call and until when: the person plus the schedule row and its shift. */
export interface OnCallShift extends OnCallPerson {
  row_id: number;
  date: string;
  window: ShiftWindow;
}

function candidates(db: Executor, processIds: number[], dates: string[]) {
  return db.selectFrom('oncall_schedules')
    .innerJoin('users', 'users.id', 'oncall_schedules.user_id')
    .leftJoin('oncall_rotations', 'oncall_rotations.id', 'oncall_schedules.rotation_id')
    .select(['oncall_schedules.id', 'oncall_schedules.process_id', 'oncall_schedules.date', 'oncall_schedules.role',
      'oncall_rotations.handoff_time', 'users.id as user_id', 'users.name', 'users.email', 'users.is_active'])
    .where('oncall_schedules.process_id', 'in', processIds)
    .where('oncall_schedules.date', 'in', dates)
    .execute();
}

type Candidate = Awaited<ReturnType<typeof candidates>>[number];

function pick(rows: Candidate[], at: Date, tz: string): Record<OncallRole, OnCallShift | null> {
  const result: Record<OncallRole, OnCallShift | null> = { primary: null, backup: null, escalation: null };
  const covering = coveringRows(rows, at, tz);
  for (const role of ROLE_ORDER) {
    const r = covering.get(role);
    if (r) result[role] = { id: r.user_id, name: r.name, email: r.email, is_active: Boolean(r.is_active), row_id: r.id, date: r.date, window: r.window };
  }
  return result;
}

/**
 * Who is on call for several processes at an instant, by role, with the shift that covers it. One
 * query for all of them (the dashboard of a super_admin shows every process).
 */
export async function onCallShiftsAt(
  db: Executor,
  processes: { id: number; timezone: string }[],
  at: Date,
): Promise<Map<number, Record<OncallRole, OnCallShift | null>>> {
  const out = new Map<number, Record<OncallRole, OnCallShift | null>>();
  if (processes.length === 0) return out;
  const dates = new Set<string>();
  for (const p of processes) for (const d of candidateDates(at, p.timezone)) dates.add(d);
  const rows = await candidates(db, processes.map((p) => p.id), [...dates]);
  for (const p of processes) {
    const [before, day] = candidateDates(at, p.timezone);
    out.set(p.id, pick(rows.filter((r) => r.process_id === p.id && (r.date === before || r.date === day)), at, p.timezone));
  }
  return out;
}

/**
 * Who is on call for a process at an instant, by role. Answered by instant, not only by calendar
 * day: each schedule row is a shift from its date's handoff time to the next day's handoff time in
 * the process's time zone (rotation rows hand off at the rotation's handoff time, rows added by
 * hand at midnight), so before a 09:00 handoff the person of the previous day is still on call.
 * When two shifts cover the instant, the one that started last wins. Used by the on-call pages, the
 * dashboard and the escalation engine's fallback (which wants `.primary`). Inactive people are
 * returned with `is_active: false`; the caller decides whether to skip them.
 */
export async function onCallAt(db: Executor, processId: number, now: Date): Promise<Record<OncallRole, OnCallPerson | null>> {
  const process = await db.selectFrom('processes').select(['id', 'timezone']).where('id', '=', processId).executeTakeFirst();
  const result: Record<OncallRole, OnCallPerson | null> = { primary: null, backup: null, escalation: null };
  if (!process) return result;
  const shifts = (await onCallShiftsAt(db, [process], now)).get(process.id)!;
  for (const role of ROLE_ORDER) {
    const s = shifts[role];
    if (s) result[role] = { id: s.id, name: s.name, email: s.email, is_active: s.is_active };
  }
  return result;
}

/**
 * The instants strictly between `from` and `to` at which a shift of the process starts or ends: who
 * is on call can change only then (at a local handoff time, whatever the zone's offset).
 */
export async function shiftBoundaries(db: Executor, process: { id: number; timezone: string }, from: Date, to: Date): Promise<Date[]> {
  const tz = process.timezone;
  const rows = await candidates(db, [process.id], datesBetween(addDays(localDate(from, tz), -1), localDate(to, tz)));
  const out = new Set<number>();
  for (const r of rows) {
    const w = shiftWindow(r.date, r.handoff_time, tz);
    for (const t of [w.start.getTime(), w.end.getTime()]) if (t > from.getTime() && t < to.getTime()) out.add(t);
  }
  return [...out].sort((a, b) => a - b).map((t) => new Date(t));
}
