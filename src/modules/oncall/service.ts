import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import { lockProcessWrites, recordAction } from '../../audit.js';
import { affected, insertedId, isUniqueViolation, type Db } from '../../db/index.js';
import { ONCALL_ROLES, type Database } from '../../db/schema.js';
import { conflict, forbidden, notFound } from '../../errors.js';
import { can } from '../../roles.js';
import { owningProcess, processFilter, type Actor } from '../../tenancy.js';
import { localDate } from '../../time.js';
import { Fields } from '../../validation.js';
import { formatDay, oncallAssignedEmail, oncallRemovedEmail, roleLabel, rotationShiftsEmail, type MailContext, type MailShift } from './emails.js';
import { renderCalendar, type CalendarEvent } from './ical.js';
import { onCallShiftsAt, ROLE_ORDER, type OncallRole, type OnCallShift } from './lookup.js';
import {
  findOncall, findRotation, oncallCandidates, processesInScope, rowsForCoverage, shiftsOfUser,
  type OncallRow, type RotationRow, type ScopeProcess,
} from './queries.js';
import { addDays, datesBetween, isCalendarDate, isLocalTime, rotationMemberOn, shiftWindow } from './shifts.js';

type Trx = Transaction<Database>;
type Executor = Db | Trx;

export type { MailContext };

export const ROTATION_NAME_MAX = 120;
export const MAX_MEMBERS = 20;
export const MAX_SHIFT_DAYS = 28;
export const MAX_WEEKS = 26;
/** The coverage check looks this many days ahead, today included. */
export const COVERAGE_DAYS = 14;

const NOT_A_CANDIDATE = 'Choose an active operator, manager or admin of this process.';

/* ------------------------------------------------------------------ input helpers */

/** A calendar date field (YYYY-MM-DD, a real day). */
function dateField(f: Fields, input: Record<string, unknown>, name: string, label: string, required: boolean): string | null {
  const raw = input[name];
  if (raw === undefined || raw === null || raw === '') {
    if (required) f.fail(name, `${label} is required.`);
    return null;
  }
  if (!isCalendarDate(raw)) {
    f.fail(name, `${label} must be a real calendar date written YYYY-MM-DD, e.g. 2026-05-09.`);
    return null;
  }
  return raw;
}

async function processOf(trx: Executor, processId: number) {
  return trx.selectFrom('processes').select(['id', 'name', 'slug', 'timezone']).where('id', '=', processId).executeTakeFirst();
}

function requireManage(actor: Actor): void {
  if (!can(actor.role, 'oncall.manage')) throw forbidden('Only a manager or admin can change the on-call schedule.');
}

/* ------------------------------------------------------------------ schedule rows */

/**
 * Puts a person of the process on call for a calendar day in a role. One primary per process and
 * day (409 otherwise, also when two requests race: the unique key decides); a person holds one role
 * a day. The person must be an active operator, manager or admin of the same process (422).
 */
export async function createOncall(db: Db, actor: Actor, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<OncallRow> {
  requireManage(actor);
  const f = new Fields(input);
  const userId = f.optionalId('user_id', 'Person');
  if (userId === null && !f.errors.user_id) f.fail('user_id', 'Choose who is on call.');
  const date = dateField(f, input, 'date', 'Date', true);
  const role = f.oneOf('role', ONCALL_ROLES, { required: true, label: 'Role' });
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process this on-call entry belongs to.');
    f.check();
  }

  const process = await processOf(db, processId!);
  const id = await db.transaction().execute(async (trx) => {
    // First, before any read: on MySQL a transaction reads the snapshot of its first read, so the
    // "already on call" check below must come after the lock to see a row another request just added.
    if (process) await lockProcessWrites(trx, process.id, now);
    if (!process) f.fail('process_id', 'Unknown process.');
    // Every problem at once: the person is checked even when the date or role is wrong.
    const person = process ? (await oncallCandidates(trx, processId!)).find((u) => u.id === userId) : undefined;
    if (process && userId !== null && !person) f.fail('user_id', NOT_A_CANDIDATE);
    f.check();
    const sameDay = await trx.selectFrom('oncall_schedules')
      .innerJoin('users', 'users.id', 'oncall_schedules.user_id')
      .select(['oncall_schedules.user_id', 'oncall_schedules.role', 'users.name'])
      .where('oncall_schedules.process_id', '=', processId!)
      .where('oncall_schedules.date', '=', date!)
      .execute();
    const primary = sameDay.find((r) => r.role === 'primary');
    if (role === 'primary' && primary) {
      throw conflict(`${primary.name} is already the primary on call on ${formatDay(date!)}. Remove that entry first, or add this person as backup or escalation.`);
    }
    const mine = sameDay.find((r) => r.user_id === person!.id);
    if (mine) throw conflict(`${person!.name} is already on call on ${formatDay(date!)} (${roleLabel(mine.role).toLowerCase()}).`);

    let rowId: number;
    try {
      rowId = insertedId(await trx.insertInto('oncall_schedules').values({
        process_id: processId!, user_id: person!.id, date: date!, role: role!, primary_date: role === 'primary' ? date! : null,
        rotation_id: null, created_at: now,
      }).executeTakeFirstOrThrow());
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`Someone else is already the primary on call on ${formatDay(date!)}.`);
      throw err;
    }
    const window = shiftWindow(date!, null, process!.timezone);
    await recordAction(trx, actor, now, {
      action: 'oncall.create', entityType: 'oncall', entityId: rowId, processId: processId!,
      changes: { user_id: person!.id, date, role }, summary: `${person!.name}: ${roleLabel(role!).toLowerCase()} on call on ${date}`,
    });
    if (person!.id !== actor.userId) {
      await oncallAssignedEmail(trx, { process_id: process!.id, process_name: process!.name, timezone: process!.timezone },
        { ...person!, is_active: true }, { id: rowId, date: date!, role: role!, window }, actor.name, now, mail);
    }
    return rowId;
  });
  return (await findOncall(db, actor, id))!;
}

/** Removes a schedule row (404 for another process's); the person is told if their shift had not ended. */
export async function deleteOncall(db: Db, actor: Actor, id: number, now: Date, mail: MailContext): Promise<OncallRow> {
  requireManage(actor);
  return db.transaction().execute(async (trx) => {
    const row = await findOncall(trx, actor, id);
    if (!row) throw notFound('On-call entry');
    // Deleted by a request at the same moment (MySQL runs them side by side): 404, one audit entry.
    if (affected(await trx.deleteFrom('oncall_schedules').where('id', '=', row.id).executeTakeFirst()) === 0) throw notFound('On-call entry');
    await recordAction(trx, actor, now, {
      action: 'oncall.delete', entityType: 'oncall', entityId: row.id, processId: row.process_id,
      changes: { user_id: row.user_id, date: row.date, role: row.role }, summary: `${row.user_name}: ${roleLabel(row.role).toLowerCase()} on call on ${row.date}`,
    });
    if (row.user_id !== actor.userId && row.window.end.getTime() > now.getTime()) {
      await oncallRemovedEmail(trx, { process_id: row.process_id, process_name: row.process_name, timezone: row.process_timezone },
        { id: row.user_id, name: row.user_name, email: row.user_email, is_active: row.is_active }, row, actor.name, now, mail);
    }
    return row;
  });
}

/* ------------------------------------------------------------------ rotations */

export interface GenerateResult {
  from: string | null;
  to: string;
  /** Rows written now. */
  created: number;
  /** Days this rotation had already generated (left as they are). */
  kept: number;
  /** Days left out, with why (another primary that day, the member already on call, an inactive member). */
  skipped: { date: string; reason: string }[];
}

function memberIdsFrom(f: Fields, input: Record<string, unknown>): number[] {
  const raw = input.member_ids;
  if (raw === undefined || raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0)) {
    f.fail('member_ids', 'Add at least one member.');
    return [];
  }
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : null;
  if (!list) {
    f.fail('member_ids', 'Members must be a list of user ids.');
    return [];
  }
  const ids: number[] = [];
  for (const v of list) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) {
      f.fail('member_ids', 'Members must be a list of user ids.');
      return [];
    }
    ids.push(n);
  }
  if (ids.length > MAX_MEMBERS) f.fail('member_ids', `A rotation has at most ${MAX_MEMBERS} members.`);
  if (new Set(ids).size !== ids.length) f.fail('member_ids', 'Each person can appear only once in a rotation.');
  return ids;
}

/**
 * Defines a rotation: members in order, the role they take, the first day, the local handoff time
 * and how many days each member's shift lasts. With `weeks` (1 to 26) it also generates the schedule.
 */
export async function createRotation(db: Db, actor: Actor, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<{ rotation: RotationRow; generated: GenerateResult | null }> {
  requireManage(actor);
  const f = new Fields(input);
  const name = f.text('name', { required: true, max: ROTATION_NAME_MAX, label: 'Name' });
  const role = f.oneOf('role', ONCALL_ROLES, { required: true, label: 'Role' });
  const memberIds = memberIdsFrom(f, input);
  const startDate = dateField(f, input, 'start_date', 'Start date', true);
  const handoffRaw = input.handoff_time;
  let handoff: string | null = null;
  if (handoffRaw === undefined || handoffRaw === null || handoffRaw === '') f.fail('handoff_time', 'Handoff time is required.');
  else if (!isLocalTime(handoffRaw)) f.fail('handoff_time', 'Handoff time must be a time of day written HH:MM, e.g. 09:00.');
  else handoff = handoffRaw;
  const shiftDays = f.int('shift_days', { required: true, min: 1, max: MAX_SHIFT_DAYS, label: 'Shift length (days)' });
  const weeks = f.has('weeks') && input.weeks !== '' && input.weeks !== 0 && input.weeks !== '0'
    ? f.int('weeks', { min: 1, max: MAX_WEEKS, label: 'Weeks to generate' })
    : null;
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process this rotation belongs to.');
    f.check();
  }

  const id = await db.transaction().execute(async (trx) => {
    // Every problem at once: the process and members are looked up even when other fields are wrong.
    const process = await f.ref('process_id', processId, (pid) => processOf(trx, pid), 'Unknown process.');
    const candidates = process ? await oncallCandidates(trx, processId!) : [];
    const strangers = process ? memberIds.filter((m) => !candidates.some((c) => c.id === m)) : [];
    if (strangers.length) {
      f.fail('member_ids', `Every member must be an active operator, manager or admin of this process (not: ${strangers.map((s) => `#${s}`).join(', ')}).`);
    }
    f.check();
    const rotationId = insertedId(await trx.insertInto('oncall_rotations').values({
      process_id: processId!, name: name!, role: role!, member_ids: JSON.stringify(memberIds), start_date: startDate!,
      handoff_time: handoff!, shift_days: shiftDays!, created_by: actor.userId, created_at: now,
    }).executeTakeFirstOrThrow());
    await recordAction(trx, actor, now, {
      action: 'oncall_rotation.create', entityType: 'oncall_rotation', entityId: rotationId, processId: processId!,
      changes: { name, role, member_ids: memberIds, start_date: startDate, handoff_time: handoff, shift_days: shiftDays, time_zone: process!.timezone },
      summary: name!,
    });
    return rotationId;
  });
  const generated = weeks ? await generateRotation(db, actor, id, { weeks }, now, mail) : null;
  return { rotation: (await findRotation(db, actor, id))!, generated };
}

/**
 * Writes the rotation's schedule rows from the shift running now (or the rotation's first day) to
 * the end of the next `weeks` weeks. Idempotent: days the rotation already generated are kept as
 * they are, so running it again never duplicates; days where someone else is primary, or where the
 * member already has a role, are skipped and reported.
 */
export async function generateRotation(db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<GenerateResult> {
  requireManage(actor);
  const f = new Fields(input);
  const weeks = f.int('weeks', { required: true, min: 1, max: MAX_WEEKS, label: 'Weeks to generate' });
  f.check();

  const processId = (await findRotation(db, actor, id))?.process_id;
  if (processId === undefined) throw notFound('Rotation');
  return db.transaction().execute(async (trx) => {
    // First, before any read (see createOncall): two generations at once must not both write a day.
    await lockProcessWrites(trx, processId, now);
    const rotation = await findRotation(trx, actor, id);
    if (!rotation) throw notFound('Rotation');
    const tz = rotation.process_timezone;
    const day = localDate(now, tz);
    // The shift of yesterday is still running before today's handoff.
    let from = now.getTime() < shiftWindow(day, rotation.handoff_time, tz).start.getTime() ? addDays(day, -1) : day;
    if (from < rotation.start_date) from = rotation.start_date;
    const to = addDays(day, weeks! * 7 - 1);
    const result: GenerateResult = { from, to, created: 0, kept: 0, skipped: [] };
    if (from > to || rotation.memberIds.length === 0) return { ...result, from: null };

    const candidates = await oncallCandidates(trx, rotation.process_id);
    const existing = await trx.selectFrom('oncall_schedules')
      .innerJoin('users', 'users.id', 'oncall_schedules.user_id')
      .select(['oncall_schedules.date', 'oncall_schedules.role', 'oncall_schedules.user_id', 'oncall_schedules.rotation_id', 'users.name'])
      .where('oncall_schedules.process_id', '=', rotation.process_id)
      .where('oncall_schedules.date', '>=', from)
      .where('oncall_schedules.date', '<=', to)
      .execute();
    const byDate = new Map<string, typeof existing>();
    for (const r of existing) byDate.set(r.date, [...(byDate.get(r.date) ?? []), r]);

    const made = new Map<number, MailShift[]>();
    for (const date of datesBetween(from, to)) {
      const memberId = rotationMemberOn(rotation.memberIds, rotation.start_date, rotation.shift_days, date);
      if (memberId === null) continue;
      const rows = byDate.get(date) ?? [];
      if (rows.some((r) => r.rotation_id === rotation.id)) {
        result.kept++;
        continue;
      }
      const member = candidates.find((c) => c.id === memberId);
      const memberName = rotation.members.find((m) => m.id === memberId)?.name ?? `User #${memberId}`;
      if (!member) {
        result.skipped.push({ date, reason: `${memberName} is no longer an active operator, manager or admin of this process.` });
        continue;
      }
      const primary = rows.find((r) => r.role === 'primary');
      if (rotation.role === 'primary' && primary) {
        result.skipped.push({ date, reason: `${primary.name} is already the primary on call.` });
        continue;
      }
      const mine = rows.find((r) => r.user_id === memberId);
      if (mine) {
        result.skipped.push({ date, reason: `${member.name} is already on call that day (${roleLabel(mine.role).toLowerCase()}).` });
        continue;
      }
      let rowId: number;
      try {
        rowId = insertedId(await trx.insertInto('oncall_schedules').values({
          process_id: rotation.process_id, user_id: memberId, date, role: rotation.role,
          primary_date: rotation.role === 'primary' ? date : null, rotation_id: rotation.id, created_at: now,
        }).executeTakeFirstOrThrow());
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        result.skipped.push({ date, reason: 'Someone else is already the primary on call.' });
        continue;
      }
      result.created++;
      made.set(memberId, [...(made.get(memberId) ?? []), { id: rowId, date, role: rotation.role, window: shiftWindow(date, rotation.handoff_time, tz) }]);
    }
    await recordAction(trx, actor, now, {
      action: 'oncall_rotation.generate', entityType: 'oncall_rotation', entityId: rotation.id, processId: rotation.process_id,
      changes: { weeks, from, to, created: result.created, kept: result.kept, skipped: result.skipped.length },
      summary: `${rotation.name}: ${result.created} shifts generated`,
    });
    const p = { process_id: rotation.process_id, process_name: rotation.process_name, timezone: tz };
    for (const [memberId, shifts] of made) {
      if (memberId === actor.userId) continue;
      const member = candidates.find((c) => c.id === memberId)!;
      await rotationShiftsEmail(trx, p, rotation, { ...member, is_active: true }, shifts, actor.name, now, mail);
    }
    return result;
  });
}

/**
 * Deletes a rotation and the shifts it generated that have not started yet. Shifts already under
 * way or past stay on the schedule as plain entries (they then cover their calendar day).
 */
export async function deleteRotation(db: Db, actor: Actor, id: number, now: Date): Promise<{ rotation: RotationRow; removed: number }> {
  requireManage(actor);
  return db.transaction().execute(async (trx) => {
    const rotation = await findRotation(trx, actor, id);
    if (!rotation) throw notFound('Rotation');
    const tz = rotation.process_timezone;
    const rows = await trx.selectFrom('oncall_schedules').select(['id', 'date'])
      .where('rotation_id', '=', rotation.id)
      .where('date', '>=', addDays(localDate(now, tz), -1))
      .execute();
    const future = rows.filter((r) => shiftWindow(r.date, rotation.handoff_time, tz).start.getTime() > now.getTime()).map((r) => r.id);
    if (future.length) await trx.deleteFrom('oncall_schedules').where('id', 'in', future).execute();
    await trx.updateTable('oncall_schedules').set({ rotation_id: null }).where('rotation_id', '=', rotation.id).execute();
    if (affected(await trx.deleteFrom('oncall_rotations').where('id', '=', rotation.id).executeTakeFirst()) === 0) throw notFound('Rotation');
    await recordAction(trx, actor, now, {
      action: 'oncall_rotation.delete', entityType: 'oncall_rotation', entityId: rotation.id, processId: rotation.process_id,
      changes: { name: rotation.name, removed_shifts: future.length }, summary: rotation.name,
    });
    return { rotation, removed: future.length };
  });
}

/* ------------------------------------------------------------------ on call now, coverage */

export interface ProcessOnCall {
  process: ScopeProcess;
  shifts: Record<OncallRole, OnCallShift | null>;
}

/** Who is on call right now in each process of the actor's view. */
export async function onCallNow(db: Db, actor: Actor, now: Date): Promise<ProcessOnCall[]> {
  const processes = await processesInScope(db, actor);
  const map = await onCallShiftsAt(db, processes, now);
  return processes.map((process) => ({ process, shifts: map.get(process.id)! }));
}

/** The one process `GET /oncall/now` answers for: the actor's, or the super_admin's chosen (or own) one. */
export async function onCallNowForOne(db: Db, actor: Actor, now: Date): Promise<ProcessOnCall> {
  const pid = processFilter(actor) ?? actor.processId;
  const process = await processOf(db, pid);
  if (!process) throw notFound('Process');
  const map = await onCallShiftsAt(db, [process], now);
  return { process, shifts: map.get(process.id)! };
}

export interface Unreachable {
  user_id: number;
  name: string;
  email: string;
  reason: 'inactive' | 'no_email';
  dates: string[];
}

export interface CoverageReport {
  process: ScopeProcess;
  from: string;
  to: string;
  /** Days with no primary on call. */
  missingPrimary: string[];
  /** People on call in the window who cannot be reached. */
  unreachable: Unreachable[];
}

const USABLE_EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * The coverage check: for each process of the actor's view, the days of the next 14 (today
 * included, in the process's zone) without a primary, and the people on call in that window who
 * could not be reached (inactive account, no usable email address).
 */
export async function coverage(db: Db, actor: Actor, now: Date, days = COVERAGE_DAYS): Promise<CoverageReport[]> {
  const processes = await processesInScope(db, actor);
  if (processes.length === 0) return [];
  const windows = processes.map((p) => {
    const from = localDate(now, p.timezone);
    return { p, from, to: addDays(from, days - 1) };
  });
  const minFrom = windows.reduce((m, w) => (w.from < m ? w.from : m), windows[0].from);
  const maxTo = windows.reduce((m, w) => (w.to > m ? w.to : m), windows[0].to);
  const rows = await rowsForCoverage(db, processes.map((p) => p.id), minFrom, maxTo);
  return windows.map(({ p, from, to }) => {
    const own = rows.filter((r) => r.process_id === p.id && r.date >= from && r.date <= to);
    const covered = new Set(own.filter((r) => r.role === 'primary').map((r) => r.date));
    const missingPrimary = datesBetween(from, to).filter((d) => !covered.has(d));
    const people = new Map<number, Unreachable>();
    for (const r of own) {
      const reason = !r.is_active ? 'inactive' : !r.user_email || !USABLE_EMAIL.test(r.user_email) ? 'no_email' : null;
      if (!reason) continue;
      const u = people.get(r.user_id) ?? { user_id: r.user_id, name: r.user_name, email: r.user_email, reason, dates: [] };
      if (!u.dates.includes(r.date)) u.dates.push(r.date);
      people.set(r.user_id, u);
    }
    return { process: p, from, to, missingPrimary, unreachable: [...people.values()] };
  });
}

export const hasCoverageProblems = (r: CoverageReport) => r.missingPrimary.length > 0 || r.unreachable.length > 0;

/* ------------------------------------------------------------------ calendar feed */

/** 32 URL-safe characters from 24 random bytes. */
function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export const FEED_TOKEN_RE = /^[A-Za-z0-9_-]{32}$/;

export function feedUrl(appUrl: string, token: string): string {
  return `${appUrl.replace(/\/+$/, '')}/oncall/ical/${token}.ics`;
}

export async function feedToken(db: Db, actor: Actor): Promise<string | null> {
  const u = await db.selectFrom('users').select('ical_token').where('id', '=', actor.userId).executeTakeFirst();
  return u?.ical_token ?? null;
}

/** Gives the actor a new secret feed URL; the old one stops working at once. */
export async function regenerateFeedToken(db: Db, actor: Actor, now: Date): Promise<string> {
  if (!can(actor.role, 'oncall.view')) throw forbidden();
  const token = newToken();
  await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('users').select('ical_token').where('id', '=', actor.userId).executeTakeFirst();
    await trx.updateTable('users').set({ ical_token: token }).where('id', '=', actor.userId).execute();
    await recordAction(trx, actor, now, {
      action: before?.ical_token ? 'oncall.feed_regenerate' : 'oncall.feed_create', entityType: 'user', entityId: actor.userId,
      processId: actor.processId, summary: before?.ical_token ? 'Calendar feed link regenerated' : 'Calendar feed link created',
    });
  });
  return token;
}

/** Feeds show shifts from this many days back. */
export const FEED_PAST_DAYS = 60;

/**
 * The iCalendar text of the feed with this token, or null (unknown token, inactive account, or a
 * role that no longer sees on-call). Consecutive days of the same role in the same process form
 * one event, identified by its first row.
 */
export async function feedCalendar(db: Db, token: string, now: Date, appUrl: string): Promise<string | null> {
  if (!FEED_TOKEN_RE.test(token)) return null;
  const user = await db.selectFrom('users').select(['id', 'name', 'role', 'is_active']).where('ical_token', '=', token).executeTakeFirst();
  if (!user || !user.is_active || !can(user.role, 'oncall.view')) return null;
  const from = addDays(now.toISOString().slice(0, 10), -FEED_PAST_DAYS);
  const rows = await shiftsOfUser(db, user.id, from);
  const host = new URL(appUrl).hostname || 'd2c-ops';
  const base = appUrl.replace(/\/+$/, '');
  const events: (CalendarEvent & { last: OncallRow })[] = [];
  const open = new Map<string, CalendarEvent & { last: OncallRow }>();
  const sorted = [...rows].sort((a, b) => a.window.start.getTime() - b.window.start.getTime() || a.id - b.id);
  for (const r of sorted) {
    const key = `${r.process_id}|${r.role}`;
    const prev = open.get(key);
    if (prev && prev.end.getTime() === r.window.start.getTime() && prev.last.rotation_id === r.rotation_id) {
      prev.end = r.window.end;
      if (r.created_at.getTime() > prev.stamp.getTime()) prev.stamp = r.created_at;
      prev.last = r;
      continue;
    }
    const event = {
      uid: `oncall-${r.id}@${host}`,
      start: r.window.start,
      end: r.window.end,
      stamp: r.created_at,
      summary: `On call (${r.role}) — ${r.process_name}`,
      description: [
        `${roleLabel(r.role)} on call for ${r.process_name}.`,
        r.rotation_name ? `Rotation: ${r.rotation_name}.` : null,
        `Times in ${r.process_timezone}; handoff ${r.handoff_time ?? '00:00'}.`,
      ].filter(Boolean).join('\n'),
      url: `${base}/oncall`,
      categories: ['On-call', roleLabel(r.role)],
      last: r,
    };
    events.push(event);
    open.set(key, event);
  }
  return renderCalendar({ name: `On-call — ${user.name}`, description: 'D2C OPs on-call shifts', events });
}

export { ROLE_ORDER };
