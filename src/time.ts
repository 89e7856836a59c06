/** Calendar arithmetic in IANA time zones, with Intl only. Instants are Dates (UTC). */

const partsCache = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    partsCache.set(tz, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function wallClock(instant: Date, tz: string) {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(instant)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
}

/** Offset of the zone from UTC at that instant, in ms (UTC+2 gives 7,200,000). */
export function zoneOffsetMs(instant: Date, tz: string): number {
  const w = wallClock(instant, tz);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The calendar day (YYYY-MM-DD) of an instant in a zone. */
export function localDate(instant: Date, tz: string): string {
  const w = wallClock(instant, tz);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/**
 * The instant at which a local wall-clock time happens in a zone: the earlier one when the clocks
 * go back (the time happens twice), and the moment the clocks jump past it when they go forward.
 */
export function zonedInstant(date: string, time: string, tz: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const DAY = 86_400_000;
  const before = zoneOffsetMs(new Date(wall - DAY), tz);
  const offsets = new Set([before, zoneOffsetMs(new Date(wall), tz), zoneOffsetMs(new Date(wall + DAY), tz)]);
  const matches: number[] = [];
  for (const offset of offsets) {
    const instant = wall - offset;
    if (instant + zoneOffsetMs(new Date(instant), tz) === wall) matches.push(instant);
  }
  if (matches.length > 0) return new Date(Math.min(...matches));
  return new Date(wall - before);
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$/;

/** What a form says about the zone its datetime-local value was typed in. */
export interface BrowserZone {
  /** The browser's IANA zone (Intl.DateTimeFormat().resolvedOptions().timeZone). */
  tz?: string;
  /** getTimezoneOffset() of the chosen time (minutes, UTC minus local: -120 in UTC+2). */
  offset?: string;
}

/**
 * The instant of a datetime-local value (YYYY-MM-DDTHH:MM[:SS]) typed in a browser: read in the
 * browser's zone when the form names it, which also settles times that the clocks skip or repeat
 * (see zonedInstant); else with the browser's offset; else in `fallbackTz`. The server's own zone
 * never plays a part. Null when the value is not a real date and time.
 */
export function datetimeLocalInstant(local: string | undefined, zone: BrowserZone, fallbackTz: string): Date | null {
  const m = local ? LOCAL_INPUT.exec(local.trim()) : null;
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1, 6).map(Number);
  const [date, time, ms] = [`${m[1]}-${m[2]}-${m[3]}`, `${m[4]}:${m[5]}`, Number(m[6] ?? 0) * 1000];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // Refuse 2026-02-31 and 25:00 rather than letting Date roll them over.
  if (ms > 59_000 || new Date(wall).toISOString().slice(0, 16) !== `${date}T${time}`) return null;
  const tz = zone.tz?.trim();
  if (tz && tz.length <= 64 && isValidTimeZone(tz)) return new Date(zonedInstant(date, time, tz).getTime() + ms);
  const raw = zone.offset?.trim() ?? '';
  const offset = /^-?\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (Number.isInteger(offset) && Math.abs(offset) <= 14 * 60) return new Date(wall + ms + offset * 60_000);
  return new Date(zonedInstant(date, time, fallbackTz).getTime() + ms);
}

/** Midnight at the start of the instant's calendar day in the zone. */
export function startOfLocalDay(instant: Date, tz: string): Date {
  return zonedInstant(localDate(instant, tz), '00:00', tz);
}

/** "2h 0m", "17m", "3d 4h": never negative. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${mins}m`;
  return `${mins}m`;
}

/** "just now", "5m ago", "3h ago", "2d ago". */
export function timeAgo(instant: Date, now: Date): string {
  const ms = now.getTime() - instant.getTime();
  if (ms < 60_000) return 'just now';
  return `${formatDuration(ms).split(' ')[0]} ago`;
}

const displayCache = new Map<string, Intl.DateTimeFormat>();
/**
 * "zone|second" -> text: lists show the same instants on every request. Keyed by the second, not the
 * minute, because old zone offsets had seconds. Bounded.
 */
const displayed = new Map<string, string>();
const DISPLAYED_MAX = 5_000;

/**
 * A readable local time in a zone, e.g. "9 May 2026, 06:26". Formatting is costly (a microsecond or
 * two a call, 25 a list page): formatters are made once per zone and texts kept per zone and second.
 */
export function formatInZone(instant: Date, tz: string): string {
  const key = `${tz}|${Math.floor(instant.getTime() / 1000)}`;
  let text = displayed.get(key);
  if (text === undefined) {
    let f = displayCache.get(tz);
    if (!f) {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: tz, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
      });
      displayCache.set(tz, f);
    }
    text = f.format(instant);
    if (displayed.size >= DISPLAYED_MAX) displayed.delete(displayed.keys().next().value as string);
    displayed.set(key, text);
  }
  return text;
}
