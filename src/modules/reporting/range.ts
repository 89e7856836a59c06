import type { Db } from '../../db/index.js';
import { validationFailed, type FieldErrors } from '../../errors.js';
import { processFilter, type Actor } from '../../tenancy.js';
import { isValidTimeZone, localDate, zonedInstant } from '../../time.js';

/**
 * Date ranges as people pick them: calendar days (YYYY-MM-DD) in a time zone, the first day from its
 * midnight, the last day to its end. `tz` is the browser's zone (pages send it) or, by default, the
 * zone of the process being looked at.
 */

export interface DateRange {
  /** The first and last calendar day, inclusive; null when open-ended. */
  from: string | null;
  to: string | null;
  tz: string;
  /** Instants: start inclusive, end exclusive (midnight after the last day); null when open-ended. */
  start: Date | null;
  end: Date | null;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day from 1970 to 9998 (the day after it must still be a date). */
export function isDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1970 || y > 9998) return false;
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** YYYY-MM-DD plus n calendar days. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export interface RangeInput {
  from?: string | null;
  to?: string | null;
  tz?: string | null;
}

/**
 * Reads from/to/tz. With `defaultDays`, a missing range becomes the last `defaultDays` days up to
 * today; without it, a missing bound stays open. Every problem is a 422 naming its field.
 */
export function parseRange(input: RangeInput, opts: { tz: string; now: Date; defaultDays?: number }): DateRange {
  const errors: FieldErrors = {};
  const clean = (v: string | null | undefined) => (typeof v === 'string' ? v.trim() : '');
  let tz = clean(input.tz) || opts.tz;
  if (tz.length > 64 || !isValidTimeZone(tz)) {
    errors.tz = 'Unknown time zone.';
    tz = opts.tz;
  }
  let from: string | null = clean(input.from) || null;
  let to: string | null = clean(input.to) || null;
  if (from !== null && !isDay(from)) errors.from = 'Use a date like 2026-05-01.';
  if (to !== null && !isDay(to)) errors.to = 'Use a date like 2026-05-31.';
  if (Object.keys(errors).length) throw validationFailed(errors);
  if (opts.defaultDays) {
    to ??= localDate(opts.now, tz);
    from ??= addDays(to, -(opts.defaultDays - 1));
  }
  if (from !== null && to !== null && from > to) throw validationFailed({ to: 'The end date must be on or after the start date.' });
  return {
    from,
    to,
    tz,
    start: from === null ? null : zonedInstant(from, '00:00', tz),
    end: to === null ? null : zonedInstant(addDays(to, 1), '00:00', tz),
  };
}

/** The zone dates are read in by default: the process being looked at, else the actor's own. */
export async function defaultZone(db: Db, actor: Actor): Promise<string> {
  const id = processFilter(actor) ?? actor.processId;
  const p = await db.selectFrom('processes').select('timezone').where('id', '=', id).executeTakeFirst();
  return p?.timezone ?? 'UTC';
}

/**
 * super_admin only: `process` names the process to report on ('' or 'all' for every process);
 * anyone else always gets their own. Returns the actor to scope queries with; an unknown slug is
 * a 422 rather than a silent "all processes".
 */
export async function actorForProcess(db: Db, actor: Actor, process: string | null | undefined): Promise<Actor> {
  if (actor.role !== 'super_admin' || process === undefined || process === null) return actor;
  const slug = process.trim();
  if (slug === '' || slug === 'all') return { ...actor, viewProcessId: null };
  const p = slug.length <= 64 ? await db.selectFrom('processes').select('id').where('slug', '=', slug).executeTakeFirst() : undefined;
  if (!p) throw validationFailed({ process: 'Unknown process.' });
  return { ...actor, viewProcessId: p.id };
}
