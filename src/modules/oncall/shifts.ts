import { localDate, zonedInstant } from '../../time.js';

/**
 * On-call calendar arithmetic. A schedule row is one calendar day of duty in the process's IANA
 * time zone. Its shift runs from the handoff time of that day to the handoff time of the next day,
 * both read as local wall-clock time in the process's zone:
 *
 * - rows made by a rotation hand off at the rotation's `handoff_time` (e.g. 09:00: the person of
 *   the previous day is still on call before 09:00);
 * - rows added by hand cover the calendar day, midnight to midnight.
 *
 * Instants are derived from (date, local time, zone) whenever they are needed and never stored, so
 * shifts stay at the same local time across daylight-saving changes: a shift that crosses a change
 * is 23 or 25 hours long, consecutive shifts meet exactly (no gap, no overlap), and a handoff at a
 * local time that does not exist that day (skipped by the clocks) happens when the clocks jump past
 * it, never an hour early.
 */

const DAY_MS = 86_400_000;
export const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
export const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
export const MIDNIGHT = '00:00';

/** A real calendar date YYYY-MM-DD between 2000 and 2099 (no 2026-02-30). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 2000 || y > 2099 || mo < 1 || mo > 12 || d < 1) return false;
  const check = new Date(Date.UTC(y, mo - 1, d));
  return check.getUTCMonth() === mo - 1 && check.getUTCDate() === d;
}

export function isLocalTime(value: unknown): value is string {
  return typeof value === 'string' && TIME_RE.test(value);
}

function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Math.round(Date.UTC(y, m - 1, d) / DAY_MS);
}

function fromDayNumber(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** The calendar date n days after (or before, if negative) `date`. */
export function addDays(date: string, n: number): string {
  return fromDayNumber(dayNumber(date) + n);
}

/** Whole days from a to b (b − a). */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}

/** Every date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let n = dayNumber(from); n <= dayNumber(to); n++) out.push(fromDayNumber(n));
  return out;
}

/** The instant of a local wall-clock time (see zonedInstant: earlier of a repeated time, jump of a skipped one). */
export const localInstant = zonedInstant;

export interface ShiftWindow {
  start: Date;
  end: Date;
}

/** The shift of a row dated `date` that hands off at `handoff` (local time; null = midnight). */
export function shiftWindow(date: string, handoff: string | null | undefined, tz: string): ShiftWindow {
  const time = handoff && isLocalTime(handoff) ? handoff : MIDNIGHT;
  return { start: localInstant(date, time, tz), end: localInstant(addDays(date, 1), time, tz) };
}

/** The process's calendar day of an instant. */
export function today(now: Date, tz: string): string {
  return localDate(now, tz);
}

/** The dates whose rows can cover an instant: the local day and the day before (its shift may run past midnight). */
export function candidateDates(at: Date, tz: string): [string, string] {
  const day = localDate(at, tz);
  return [addDays(day, -1), day];
}

export interface ShiftCandidate {
  id: number;
  date: string;
  role: string;
  handoff_time: string | null;
}

/**
 * Per role, the row whose shift covers the instant. When two cover it (a day added by hand over a
 * rotation's shift that runs past midnight), the one that started last wins; then the oldest row.
 */
export function coveringRows<T extends ShiftCandidate>(rows: T[], at: Date, tz: string): Map<string, T & { window: ShiftWindow }> {
  const best = new Map<string, T & { window: ShiftWindow }>();
  const t = at.getTime();
  for (const r of rows) {
    const window = shiftWindow(r.date, r.handoff_time, tz);
    if (t < window.start.getTime() || t >= window.end.getTime()) continue;
    const current = best.get(r.role);
    if (
      !current
      || window.start.getTime() > current.window.start.getTime()
      || (window.start.getTime() === current.window.start.getTime() && r.id < current.id)
    ) {
      best.set(r.role, { ...r, window });
    }
  }
  return best;
}

/** The member of a rotation on duty on `date` (null before the rotation starts). */
export function rotationMemberOn<T>(members: T[], startDate: string, shiftDays: number, date: string): T | null {
  const offset = daysBetween(startDate, date);
  if (offset < 0 || members.length === 0 || shiftDays < 1) return null;
  return members[Math.floor(offset / shiftDays) % members.length];
}

const ROLE_LABEL: Record<string, string> = { primary: 'Primary', backup: 'Backup', escalation: 'Escalation' };
export const roleLabel = (role: string) => ROLE_LABEL[role] ?? role;

/** "Sat 9 May 2026" for a calendar date (the date itself, no zone involved). */
const dayFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
const clockFormats = new Map<string, Intl.DateTimeFormat>();

export function formatDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const parts: Record<string, string> = {};
  for (const p of dayFormat.formatToParts(new Date(Date.UTC(y, m - 1, d)))) parts[p.type] = p.value;
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}`;
}

/** "09:00" — the local time of an instant in a zone. */
export function formatClock(at: Date, tz: string): string {
  let f = clockFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clockFormats.set(tz, f);
  }
  return f.format(at);
}
