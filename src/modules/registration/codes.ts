import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { affected, insertedId, type Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import { redactOutbox } from '../users/redact.js';

/**
 * One-time codes for registration and password reset (DESIGN.md, Authentication): 6 digits from a
 * CSPRNG, stored only as an HMAC keyed by the server secret and bound to email and purpose, valid
 * 15 minutes, used once, and dead after 5 wrong tries. Wrong tries are counted by one conditional
 * UPDATE each, so 10 concurrent guesses count as 10 and at most 5 are ever compared.
 */

export const CODE_TTL_MS = 15 * 60_000;
export const MAX_WRONG_ATTEMPTS = 5;
export const PURPOSES = ['register', 'reset'] as const;
export type Purpose = (typeof PURPOSES)[number];
export const CODE_SHAPE = /^\d{6}$/;
/** Six digits (not a #rrggbb colour) in an outbox email, blanked once the code is used or replaced. */
const CODE_IN_TEXT = /(?<![#\w])\d{6}(?!\w)/g;
const REDACTED = '••••••';

/** The column migration 003 adds. */
type CodeTables = { verification_codes: { payload: string | null } };
type Executor = Db | Transaction<Database>;

function codes(db: Executor): Kysely<Database & CodeTables> {
  return (db as Kysely<Database>).withTables<CodeTables>() as unknown as Kysely<Database & CodeTables>;
}

export function hashCode(secret: string, email: string, purpose: Purpose, code: string): string {
  return createHmac('sha256', secret).update(`d2c-code\n${purpose}\n${email}\n${code}`, 'utf8').digest('hex');
}

/** A short, fixed-length stand-in for an email in rate-limit keys (the key column is 191 characters). */
export function emailKey(email: string): string {
  return createHash('sha256').update(email, 'utf8').digest('hex').slice(0, 40);
}

export interface CodeRow {
  id: number;
  email: string;
  purpose: string;
  attempts: number;
  payload: string | null;
  created_at: Date;
}

/**
 * A new code for the email and purpose. Earlier live codes of the same pair stop working (and are
 * blanked in the outbox); long-expired ones are deleted. Returns the code in clear, to email.
 */
export async function issueCode(
  trx: Transaction<Database>, email: string, purpose: Purpose, payload: string | null, now: Date, secret: string,
): Promise<{ id: number; code: string }> {
  const db = codes(trx);
  const live = await db.selectFrom('verification_codes').select('id')
    .where('email', '=', email).where('purpose', '=', purpose)
    .where('used_at', 'is', null).where('expires_at', '>', now)
    .execute();
  if (live.length) {
    await db.updateTable('verification_codes').set({ expires_at: now }).where('id', 'in', live.map((r) => r.id)).execute();
    await redactOutbox(trx, { entityType: 'verification_code', entityIds: live.map((r) => r.id) }, CODE_IN_TEXT, REDACTED);
  }
  await db.deleteFrom('verification_codes')
    .where('email', '=', email).where('purpose', '=', purpose)
    .where('expires_at', '<', new Date(now.getTime() - 24 * 3_600_000))
    .execute();
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const id = insertedId(await db.insertInto('verification_codes').values({
    email, purpose, code_hash: hashCode(secret, email, purpose, code), attempts: 0,
    expires_at: new Date(now.getTime() + CODE_TTL_MS), used_at: null, created_at: now, payload,
  }).executeTakeFirstOrThrow());
  return { id, code };
}

/** The newest live code of the email and purpose. */
export async function liveCode(db: Executor, email: string, purpose: Purpose, now: Date): Promise<CodeRow | undefined> {
  return codes(db).selectFrom('verification_codes')
    .select(['id', 'email', 'purpose', 'attempts', 'payload', 'created_at'])
    .where('email', '=', email).where('purpose', '=', purpose)
    .where('used_at', 'is', null).where('expires_at', '>', now)
    .orderBy('id', 'desc').limit(1)
    .executeTakeFirst();
}

/** The newest code of the pair whatever its state (a resend reuses its registration details). */
export async function latestCode(db: Executor, email: string, purpose: Purpose): Promise<CodeRow | undefined> {
  return codes(db).selectFrom('verification_codes')
    .select(['id', 'email', 'purpose', 'attempts', 'payload', 'created_at'])
    .where('email', '=', email).where('purpose', '=', purpose)
    .orderBy('id', 'desc').limit(1)
    .executeTakeFirst();
}

/**
 * Checks a code without using it up. A try is reserved first (attempts + 1, only while under the
 * limit); a right code gives its try back, a wrong one keeps it. Null for anything but a match.
 */
export async function checkCode(db: Db, email: string, purpose: Purpose, code: string, now: Date, secret: string): Promise<CodeRow | null> {
  const row = await liveCode(db, email, purpose, now);
  if (!row) return null;
  const reserved = await db.updateTable('verification_codes').set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', row.id).where('attempts', '<', MAX_WRONG_ATTEMPTS).where('used_at', 'is', null)
    .executeTakeFirst();
  if (affected(reserved) === 0) return null;
  const stored = await db.selectFrom('verification_codes').select(['code_hash', 'attempts']).where('id', '=', row.id).executeTakeFirstOrThrow();
  const given = Buffer.from(hashCode(secret, email, purpose, code), 'hex');
  const expected = Buffer.from(stored.code_hash, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    if (stored.attempts >= MAX_WRONG_ATTEMPTS) {
      // The code is dead: nothing left to protect in the email.
      await redactOutbox(db, { entityType: 'verification_code', entityIds: [row.id] }, CODE_IN_TEXT, REDACTED);
    }
    return null;
  }
  await db.updateTable('verification_codes').set((eb) => ({ attempts: eb('attempts', '-', 1) })).where('id', '=', row.id).execute();
  return row;
}

/** Uses the code up, only if still live: of two racing completions, one wins. */
export async function consumeCode(trx: Transaction<Database>, id: number, now: Date): Promise<boolean> {
  const res = await trx.updateTable('verification_codes').set({ used_at: now })
    .where('id', '=', id).where('used_at', 'is', null).where('expires_at', '>', now)
    .executeTakeFirst();
  if (affected(res) === 0) return false;
  await redactOutbox(trx, { entityType: 'verification_code', entityIds: [id] }, CODE_IN_TEXT, REDACTED);
  return true;
}
