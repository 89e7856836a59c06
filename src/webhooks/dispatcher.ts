import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { affected, type Db } from '../db/index.js';
import { backoffMs, claimOutbox, mapLimit, type OutboxRow } from '../mail/dispatcher.js';
import { withWebhookTables, type WDb } from './schema.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signingSecret, signPayload, TIMESTAMP_HEADER } from './signing.js';

/**
 * Delivers the outbox rows of channel "webhook": claimed with the same lease as email (so two
 * instances never send one twice), POSTed as JSON signed with the process's secret, and recorded
 * with the receiver's status code. 2xx is delivered; 408, 429, 5xx and connection problems are
 * retried with the email backoff; any other answer is a permanent failure.
 */

export interface WebhookDispatchOptions {
  /** Who claims the rows; unique per call by default. */
  workerId?: string;
  /** Rows claimed per round (default 50); a full round is followed by another, up to 20. */
  batchSize?: number;
  /** Requests in flight at once (default 5). */
  concurrency?: number;
  /** How long a claim holds before another dispatcher may take the row over (default 5 min). */
  leaseMs?: number;
  /** Attempts before a transiently failing webhook is given up (default 8, about an hour). */
  maxAttempts?: number;
  /** Per request: connect, send and receive the answer's head (default 10 s). */
  timeoutMs?: number;
  /** Random source for the backoff jitter (tests pin it). */
  random?: () => number;
}

export interface WebhookDispatchResult {
  sent: number;
  retried: number;
  failed: number;
}

export const WEBHOOK_USER_AGENT = 'D2C-OPs-Webhooks/1.0';
const MAX_ROUNDS = 20;
const MAX_ERROR_LENGTH = 2000;
const MAX_RESPONSE_SNIPPET = 300;
const RETRY_AFTER_CAP_MS = 3_600_000;

type Outcome =
  | { kind: 'sent'; code: number }
  | { kind: 'transient'; code: number | null; error: string; retryAfterMs?: number }
  | { kind: 'permanent'; code: number | null; error: string };

/** The first bytes of an answer's body, for the delivery log; never waits for a huge body. */
async function snippet(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_RESPONSE_SNIPPET) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // A body cut short says nothing more than its status.
  } finally {
    reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > MAX_RESPONSE_SNIPPET ? `${text.slice(0, MAX_RESPONSE_SNIPPET)}…` : text;
}

function retryAfter(res: Response): number | undefined {
  const raw = res.headers.get('retry-after');
  if (!raw) return undefined;
  const ms = /^\d+$/.test(raw.trim()) ? Number(raw) * 1000 : Date.parse(raw) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, RETRY_AFTER_CAP_MS) : undefined;
}

function describeFetchError(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } } | null;
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `No answer within ${Math.round(timeoutMs / 1000)} s.`;
  const cause = err?.cause;
  if (cause?.code) return `${cause.code}: ${cause.message ?? err?.message ?? 'connection failed'}`;
  if (cause?.message) return `${err?.message ?? 'fetch failed'}: ${cause.message}`;
  return err?.message ?? String(e);
}

/** Only absolute http(s) URLs are delivered; anything else can never succeed. */
export function deliverableUrl(raw: string): URL | null {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

async function deliver(row: OutboxRow, secret: string, now: Date, timeoutMs: number): Promise<Outcome> {
  const url = deliverableUrl(row.to_address);
  if (!url) return { kind: 'permanent', code: null, error: `Not an http(s) URL: ${row.to_address}`.slice(0, MAX_ERROR_LENGTH) };
  const timestamp = Math.floor(now.getTime() / 1000);
  const body = row.text;
  // fetch refuses URLs with credentials: send them as Basic auth, as curl would.
  const auth: Record<string, string> = {};
  if (url.username || url.password) {
    auth.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        ...auth,
        'content-type': 'application/json',
        'user-agent': WEBHOOK_USER_AGENT,
        [EVENT_HEADER]: row.subject,
        [DELIVERY_HEADER]: String(row.id),
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signPayload(secret, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    // fetch refuses some ports outright (25, 6667, ...): retrying cannot help.
    if ((e as { cause?: { message?: string } }).cause?.message === 'bad port') {
      return { kind: 'permanent', code: null, error: `Port ${url.port} is refused by the HTTP client (an unsafe port): use another port.` };
    }
    return { kind: 'transient', code: null, error: describeFetchError(e, timeoutMs).slice(0, MAX_ERROR_LENGTH) };
  }
  const code = res.status;
  const text = await snippet(res);
  if (code >= 200 && code < 300) return { kind: 'sent', code };
  const error = `HTTP ${code}${text ? `: ${text}` : ''}`.slice(0, MAX_ERROR_LENGTH);
  if (code === 408 || code === 429 || code >= 500) return { kind: 'transient', code, error, retryAfterMs: retryAfter(res) };
  if (code >= 300 && code < 400) {
    return { kind: 'permanent', code, error: `HTTP ${code}: redirects are not followed; configure the final URL${res.headers.get('location') ? ` (${res.headers.get('location')})` : ''}.`.slice(0, MAX_ERROR_LENGTH) };
  }
  return { kind: 'permanent', code, error };
}

/** Writes one outcome; every write is conditional on this worker still holding the row. */
async function record(db: WDb, row: OutboxRow, outcome: Outcome, now: Date, workerId: string, maxAttempts: number, random: () => number): Promise<keyof WebhookDispatchResult | null> {
  const attempts = row.attempts + 1;
  const released = { claimed_by: null, claimed_until: null, attempts, response_code: outcome.code };
  const update = (set: Record<string, unknown>) => db.updateTable('email_outbox')
    .set({ ...released, ...set })
    .where('id', '=', row.id).where('status', '=', 'sending').where('claimed_by', '=', workerId)
    .executeTakeFirst();
  if (outcome.kind === 'sent') {
    return affected(await update({ status: 'sent', sent_at: now, last_error: null })) ? 'sent' : null;
  }
  if (outcome.kind === 'permanent' || attempts >= maxAttempts) {
    const error = outcome.kind === 'transient' ? `Gave up after ${attempts} attempts. Last error: ${outcome.error}` : outcome.error;
    return affected(await update({ status: 'failed', last_error: error.slice(0, MAX_ERROR_LENGTH) })) ? 'failed' : null;
  }
  const wait = Math.max(backoffMs(attempts, random), outcome.retryAfterMs ?? 0);
  return affected(await update({ status: 'retrying', next_attempt_at: new Date(now.getTime() + wait), last_error: outcome.error })) ? 'retried' : null;
}

/**
 * Delivers every due webhook once. `now` is the application clock (also the signed timestamp);
 * rows whose retry time is later wait for a later call.
 */
export async function dispatchWebhooks(db: Db, now: Date, opts: WebhookDispatchOptions = {}): Promise<WebhookDispatchResult> {
  const workerId = (opts.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`).slice(0, 64);
  const batchSize = Math.max(1, opts.batchSize ?? 50);
  const concurrency = Math.max(1, opts.concurrency ?? 5);
  const leaseMs = Math.max(1_000, opts.leaseMs ?? 5 * 60_000);
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
  const timeoutMs = Math.max(100, opts.timeoutMs ?? 10_000);
  const random = opts.random ?? Math.random;
  const w = withWebhookTables(db);
  const result: WebhookDispatchResult = { sent: 0, retried: 0, failed: 0 };
  const secrets = new Map<number | null, string>();
  const secretOf = async (processId: number | null) => {
    let s = secrets.get(processId);
    if (s === undefined) {
      s = (await signingSecret(db, processId, now)).secret;
      secrets.set(processId, s);
    }
    return s;
  };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const rows = await claimOutbox(db, 'webhook', now, workerId, batchSize, leaseMs);
    if (rows.length === 0) break;
    const errors: unknown[] = [];
    await mapLimit(rows, concurrency, async (row) => {
      try {
        const outcome = await deliver(row, await secretOf(row.process_id), now, timeoutMs);
        const counted = await record(w, row, outcome, now, workerId, maxAttempts, random);
        if (counted) result[counted] += 1;
      } catch (err) {
        // The database refused the outcome: the lease runs out and the row is tried again later
        // (same delivery id, so receivers can tell). Finish the other rows first.
        errors.push(err);
      }
    });
    if (errors.length) throw errors[0];
    if (rows.length < batchSize) break;
  }
  return result;
}
