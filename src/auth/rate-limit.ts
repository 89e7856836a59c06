import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { affected, type Db } from '../db/index.js';

/**
 * Fixed-window counters kept in the database, so limits hold across instances and restarts.
 * Each step is a single conditional statement, so concurrent hits are all counted.
 */
export interface Limit {
  max: number;
  windowMs: number;
}

export const LIMITS = {
  loginPerEmail: { max: 10, windowMs: 15 * 60_000 },
  loginPerIp: { max: 50, windowMs: 15 * 60_000 },
  codePerEmail: { max: 10, windowMs: 15 * 60_000 },
  codePerIp: { max: 60, windowMs: 15 * 60_000 },
} satisfies Record<string, Limit>;

/**
 * The counter's key: prefix and value, or the value's hash when that would not fit the key column
 * (varchar(191)). MySQL refused a longer key (an email of 180+ characters), so its failed sign-ins
 * were never counted.
 */
export function limitKey(prefix: string, value: string): string {
  const key = `${prefix}${value}`;
  return key.length <= 191 ? key : `${prefix}sha256:${createHash('sha256').update(value, 'utf8').digest('hex')}`;
}

async function currentCount(db: Db, key: string, limit: Limit, now: Date): Promise<number> {
  const row = await db.selectFrom('rate_limits').select(['count', 'window_start']).where('key', '=', key).executeTakeFirst();
  if (!row) return 0;
  if (row.window_start.getTime() <= now.getTime() - limit.windowMs) return 0;
  return row.count;
}

/** True when the key has used up its window. */
export async function isLimited(db: Db, key: string, limit: Limit, now: Date): Promise<boolean> {
  return (await currentCount(db, key, limit, now)) >= limit.max;
}

/** Counts one hit against the key. */
export async function hit(db: Db, key: string, limit: Limit, now: Date): Promise<void> {
  const windowFloor = new Date(now.getTime() - limit.windowMs);
  const reset = await db.updateTable('rate_limits')
    .set({ count: 1, window_start: now })
    .where('key', '=', key)
    .where('window_start', '<=', windowFloor)
    .executeTakeFirst();
  if (affected(reset) > 0) return;
  const bumped = await db.updateTable('rate_limits')
    .set({ count: sql`count + 1` })
    .where('key', '=', key)
    .executeTakeFirst();
  if (affected(bumped) > 0) return;
  try {
    await db.insertInto('rate_limits').values({ key, count: 1, window_start: now }).execute();
  } catch {
    // Another request inserted the row first: count this hit on it.
    await db.updateTable('rate_limits').set({ count: sql`count + 1` }).where('key', '=', key).execute();
  }
}

export async function clear(db: Db, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}
