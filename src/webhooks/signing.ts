import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { recordAction } from '../audit.js';
import type { Database } from '../db/schema.js';
import type { Actor } from '../tenancy.js';
import { withWebhookTables, type WebhookDatabase } from './schema.js';

/**
 * Outbound webhooks are signed like Stripe's: the receiver recomputes
 *   X-D2C-Signature: sha256=<hex HMAC-SHA256(secret, X-D2C-Timestamp + "." + raw body)>
 * with the process's signing secret, compares in constant time and refuses old timestamps.
 */

export const SIGNATURE_HEADER = 'X-D2C-Signature';
export const TIMESTAMP_HEADER = 'X-D2C-Timestamp';
export const EVENT_HEADER = 'X-D2C-Event';
export const DELIVERY_HEADER = 'X-D2C-Delivery';
/** How old a signed timestamp may be before `verifySignature` refuses it (receivers choose their own). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

type Executor = Kysely<Database> | Transaction<Database>;
type WExecutor = Kysely<WebhookDatabase> | Transaction<WebhookDatabase>;

export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The signature header value of a body sent at `timestamp` (Unix seconds). */
export function signPayload(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: true when the signature matches and the timestamp is recent enough. */
export function verifySignature(
  secret: string,
  body: string,
  headers: { signature: string | null | undefined; timestamp: string | null | undefined },
  opts: { now?: Date; toleranceSeconds?: number } = {},
): boolean {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  const nowSeconds = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const got = Buffer.from(signature);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

async function readSecret(db: WExecutor, processId: number | null) {
  let q = db.selectFrom('webhook_secrets').select(['id', 'secret', 'created_at', 'rotated_at']);
  q = processId === null ? q.where('process_id', 'is', null) : q.where('process_id', '=', processId);
  return q.orderBy('id').limit(1).executeTakeFirst();
}

export interface SigningSecret {
  id: number;
  secret: string;
  created_at: Date;
  rotated_at: Date | null;
}

/**
 * The process's signing secret, created on first use. `processId` null is the platform's own
 * (webhooks that belong to no process). Safe under concurrency: the unique index on process_id
 * lets only one insert win, and everyone reads the winner.
 */
export async function signingSecret(db: Executor, processId: number | null, now: Date): Promise<SigningSecret> {
  const w = withWebhookTables(db as Kysely<Database>);
  const found = await readSecret(w, processId);
  if (found) return found;
  try {
    await w.insertInto('webhook_secrets').values({ process_id: processId, secret: newSigningSecret(), created_at: now, rotated_at: null }).execute();
  } catch (err) {
    // Lost the race to another request: its secret is the one.
    if (!(await readSecret(w, processId))) throw err;
  }
  return (await readSecret(w, processId))!;
}

/** Replaces the process's signing secret at once; receivers must switch to the new one. Audited. */
export async function rotateSigningSecret(db: Kysely<Database>, actor: Actor, processId: number, now: Date): Promise<SigningSecret> {
  // Created (if need be) before the transaction: inside one, MySQL's snapshot would not show the
  // secret a request at the same moment created, and the losing insert answered 500.
  const current = await signingSecret(db, processId, now);
  return db.transaction().execute(async (trx) => {
    const w = withWebhookTables(trx);
    await w.updateTable('webhook_secrets').set({ secret: newSigningSecret(), rotated_at: now }).where('id', '=', current.id).execute();
    await recordAction(trx, actor, now, {
      action: 'webhook.rotate_secret', entityType: 'webhook_secret', entityId: current.id, processId,
      summary: 'Webhook signing secret rotated',
    });
    return (await readSecret(w, processId))!;
  });
}
