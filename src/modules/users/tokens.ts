import { createHash, randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import { affected, type Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import { WELCOME_TOKEN_PATTERN } from './emails.js';
import { redactOutbox } from './redact.js';

type Trx = Transaction<Database>;
type Executor = Db | Trx;

/** How long a welcome (set-password) link works. */
export const WELCOME_HOURS = 72;
export const WELCOME_PURPOSE = 'welcome';

/** Tokens are 256 random bits; only their SHA-256 is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{40,64}$/;

/**
 * A new single-use set-password token for the user; earlier unused ones stop working (and their
 * links are blanked in the outbox).
 */
export async function issueWelcomeToken(trx: Trx, userId: number, now: Date): Promise<string> {
  await retireWelcomeTokens(trx, userId, now);
  const token = randomBytes(32).toString('base64url');
  await trx.insertInto('password_tokens').values({
    user_id: userId, token_hash: hashToken(token), purpose: WELCOME_PURPOSE,
    expires_at: new Date(now.getTime() + WELCOME_HOURS * 3_600_000), used_at: null, created_at: now,
  }).execute();
  return token;
}

/** Ends every unused welcome token of the user (a newer link, or a password set another way). */
export async function retireWelcomeTokens(trx: Trx, userId: number, now: Date, alwaysRedact = false): Promise<void> {
  const res = await trx.updateTable('password_tokens').set({ used_at: now })
    .where('user_id', '=', userId).where('purpose', '=', WELCOME_PURPOSE).where('used_at', 'is', null)
    .executeTakeFirst();
  if (alwaysRedact || affected(res) > 0) {
    await redactOutbox(trx, { entityType: 'user', entityIds: [userId] }, WELCOME_TOKEN_PATTERN, 'token=[used-or-replaced]');
  }
}

export interface WelcomeTokenRow {
  id: number;
  user_id: number;
  name: string;
  email: string;
}

/** The live token's user, or undefined for an unknown, used or expired token. */
export async function findWelcomeToken(db: Executor, token: string, now: Date): Promise<WelcomeTokenRow | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  return db.selectFrom('password_tokens')
    .innerJoin('users', 'users.id', 'password_tokens.user_id')
    .select(['password_tokens.id', 'password_tokens.user_id', 'users.name', 'users.email'])
    .where('password_tokens.token_hash', '=', hashToken(token))
    .where('password_tokens.purpose', '=', WELCOME_PURPOSE)
    .where('password_tokens.used_at', 'is', null)
    .where('password_tokens.expires_at', '>', now)
    .executeTakeFirst();
}

/** Marks the token used, only if it still is unused: of two racing uses, one wins. */
export async function consumeWelcomeToken(trx: Trx, id: number, now: Date): Promise<boolean> {
  const res = await trx.updateTable('password_tokens').set({ used_at: now })
    .where('id', '=', id).where('used_at', 'is', null).where('expires_at', '>', now)
    .executeTakeFirst();
  return affected(res) > 0;
}
