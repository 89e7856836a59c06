import { conflict } from './errors.js';

/**
 * Thrown inside a transaction whose conditional UPDATE found the row no longer as it was read: a
 * request at the same moment changed it first (MySQL runs them side by side; SQLite one at a time).
 */
export class LostRace extends Error {}

/**
 * Runs a change, and again on what won when it lost a race, each time in a new transaction (one on
 * MySQL keeps reading the snapshot of its first read). Asking for what the winner already did then
 * becomes the usual no-op, an illegal move its usual 409, anything else applies on top. After three
 * lost races: 409 with `message`.
 */
export async function retryLostRace<T>(message: string, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof LostRace)) throw err;
      if (attempt === 3) throw conflict(message);
    }
  }
}

/**
 * Narrows an UPDATE to the row only while the columns it changes still hold the values read, so two
 * requests at once cannot both apply (and both record) the same change.
 */
export function whereAsRead<Q>(q: Q, read: object, columns: Iterable<string>): Q {
  // Kysely cannot type column names chosen at run time.
  let out = q as unknown as { where(c: string, op: string, v: unknown): unknown };
  for (const c of columns) {
    const v = (read as Record<string, unknown>)[c];
    out = out.where(c, v === null || v === undefined ? 'is' : '=', v ?? null) as typeof out;
  }
  return out as unknown as Q;
}
