import { badRequest } from './errors.js';

/** Keyset cursors for lists ordered by (instant desc, id desc). */
export interface Cursor {
  at: Date;
  id: number;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export function encodeCursor(at: Date, id: number): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

/** A cursor from the query string; a malformed one is a 400, not a 500. */
export function decodeCursor(raw: string | undefined | null): Cursor | null {
  if (!raw) return null;
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(\d{1,15})$/.exec(text);
  const at = m ? new Date(m[1]) : null;
  // The instant must read back as written: "T99:99" is no time at all, and 30 February no date.
  if (!m || !at || Number.isNaN(at.getTime()) || at.toISOString() !== m[1]) throw badRequest('The cursor is not valid.');
  return { at, id: Number(m[2]) };
}

export function parseLimit(raw: string | undefined | null): number {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_LIMIT;
  if (!/^\d+$/.test(raw)) throw badRequest('limit must be a whole number.');
  return Math.min(Math.max(Number(raw), 1), MAX_LIMIT);
}

/** Takes one row more than the page to know whether another page follows. */
export function page<T>(rows: T[], limit: number, key: (row: T) => Cursor): { items: T[]; next: string | null } {
  if (rows.length <= limit) return { items: rows, next: null };
  const items = rows.slice(0, limit);
  const last = key(items[items.length - 1]);
  return { items, next: encodeCursor(last.at, last.id) };
}

/** For pages: a tampered or stale cursor just shows the first page instead of an error. */
export function pageCursor(raw: string | undefined | null): Cursor | null {
  try {
    return decodeCursor(raw);
  } catch {
    return null;
  }
}
