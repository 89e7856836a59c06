import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import { recordAction } from '../audit.js';
import { affected, type Db } from '../db/index.js';
import { containsText } from '../db/text.js';
import type { Database, EmailOutboxTable } from '../db/schema.js';
import { conflict, notFound } from '../errors.js';
import { scoped, type Actor } from '../tenancy.js';
import type { Mailer } from './transport.js';

/**
 * The outbox dispatcher: claims due email rows with a lease, sends them in parallel through one
 * pooled transport and records each outcome. Safe to run from several processes at once: a row is
 * claimed by one conditional UPDATE, so only one dispatcher ever sends it.
 */

export const OUTBOX_STATUSES = ['queued', 'sending', 'sent', 'retrying', 'failed', 'bounced'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];
/** Rows an admin may put back in the queue. */
export const RETRYABLE_STATUSES: OutboxStatus[] = ['failed', 'bounced', 'retrying'];

export type OutboxRow = Selectable<EmailOutboxTable>;

export interface DispatchOptions {
  /** Who claims the rows (shown on the Email Log); unique per call by default. */
  workerId?: string;
  /** Rows claimed per round (default 50); a full round is followed by another, up to 20. */
  batchSize?: number;
  /** Messages in flight at once (default 5, the pool size). */
  concurrency?: number;
  /** How long a claim holds before another dispatcher may take the row over (default 5 min). */
  leaseMs?: number;
  /** Attempts before a transiently failing email is given up (default 8). */
  maxAttempts?: number;
  /** Domain of the generated Message-IDs (default "d2c-ops.local"). */
  messageIdDomain?: string;
  /** Random source for the backoff jitter (tests pin it). */
  random?: () => number;
}

export interface DispatchResult {
  sent: number;
  bounced: number;
  retried: number;
  failed: number;
}

const BACKOFF_BASE_MS = 30_000;
const BACKOFF_CAP_MS = 3_600_000;
const MAX_ROUNDS = 20;
const MAX_ERROR_LENGTH = 2000;

/** The stable Message-ID of an outbox row: a resend after a crash is recognisable as the same mail. */
export function outboxMessageId(id: number, domain = 'd2c-ops.local'): string {
  return `<outbox-${id}@${domain}>`;
}

/**
 * Delay before the next try after `attempts` failed tries: 30 s, 60 s, 2 min, ... capped at 1 h,
 * with ±20 % jitter so a burst of failures does not come back as a burst.
 */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const exp = BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(attempts - 1, 20));
  const capped = Math.min(BACKOFF_CAP_MS, exp);
  const jittered = capped * (0.8 + 0.4 * random());
  return Math.round(Math.min(BACKOFF_CAP_MS, Math.max(1_000, jittered)));
}

type Outcome =
  | { kind: 'sent'; messageId: string }
  | { kind: 'bounced'; error: string }
  | { kind: 'transient'; error: string }
  | { kind: 'permanent'; error: string };

interface SmtpLikeError {
  code?: string;
  responseCode?: number;
  permanent?: boolean;
  response?: string;
  message?: string;
  rejected?: unknown[];
  command?: string;
}

/** Connection-level problems: the server may well accept the same mail later. */
const TRANSIENT_CODES = new Set([
  'ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'ETLS', 'EPROTOCOL', 'EPROXY',
  // A wrong password or an SMTP server refusing logins is an operator problem; keep the mail and retry.
  'EAUTH', 'ENOAUTH',
]);
/** Problems with the message itself: sending it again gives the same answer. */
const PERMANENT_CODES = new Set(['EMESSAGE', 'ESTREAM', 'ECONFIG', 'EFILEACCESS', 'EURLACCESS', 'EFETCH']);

function describe(err: SmtpLikeError): string {
  const text = err.response && !(err.message ?? '').includes(err.response) ? `${err.message ?? ''} (${err.response})` : (err.message ?? String(err));
  const prefix = err.code ? `${err.code}: ` : '';
  return (prefix + text).slice(0, MAX_ERROR_LENGTH);
}

/** Sorts a send failure into bounce (recipient refused), transient (retry) or permanent (give up). */
export function classifySendError(e: unknown): Exclude<Outcome, { kind: 'sent' }> {
  const err = (e ?? {}) as SmtpLikeError;
  const error = describe(err);
  const code = typeof err.responseCode === 'number' ? err.responseCode : undefined;
  const permanentReply = err.permanent ?? (code !== undefined ? code >= 500 && code !== 503 : undefined);
  const recipientStage = err.code === 'EENVELOPE' && (err.command === undefined || /RCPT/i.test(err.command) || (err.rejected?.length ?? 0) > 0);
  if (recipientStage && code !== undefined) {
    return permanentReply ? { kind: 'bounced', error } : { kind: 'transient', error };
  }
  if (code !== undefined) return permanentReply ? { kind: 'permanent', error } : { kind: 'transient', error };
  if (err.code && PERMANENT_CODES.has(err.code)) return { kind: 'permanent', error };
  if (err.code === 'EENVELOPE') return { kind: 'permanent', error };
  if (err.code && TRANSIENT_CODES.has(err.code)) return { kind: 'transient', error };
  // Unknown failures (a pool closed mid-send, a dropped connection) are retried, bounded by maxAttempts.
  return { kind: 'transient', error };
}

function claimable(now: Date) {
  return (eb: ExpressionBuilder<Database, 'email_outbox'>) => eb.or([
    eb.and([eb('status', 'in', ['queued', 'retrying']), eb('next_attempt_at', '<=', now)]),
    eb.and([eb('status', '=', 'sending'), eb('claimed_until', '<', now)]),
  ]);
}

/**
 * Claims up to `limit` due rows of one outbox channel ("email", "webhook") for `workerId`; returns
 * only the rows this call really won. Shared by the email and the webhook dispatchers.
 */
export async function claimOutbox(db: Db, channel: string, now: Date, workerId: string, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  const candidates = await db.selectFrom('email_outbox').select('id')
    .where('channel', '=', channel)
    .where(claimable(now))
    .orderBy('next_attempt_at').orderBy('id')
    .limit(limit)
    .execute();
  if (candidates.length === 0) return [];
  const ids = candidates.map((c) => c.id);
  const leaseUntil = new Date(now.getTime() + leaseMs);
  // Re-checks the claimable condition row by row: of two racing dispatchers, only one matches a row.
  let res;
  try {
    res = await db.updateTable('email_outbox')
      .set({ status: 'sending', claimed_by: workerId, claimed_until: leaseUntil })
      .where('id', 'in', ids)
      .where('channel', '=', channel)
      .where(claimable(now))
      .executeTakeFirst();
  } catch (err) {
    // Another dispatcher holds these rows right now (InnoDB deadlock victim, SQLite busy): leave
    // them to it; whatever it does not take is claimable on the next tick.
    if (isContention(err)) return [];
    throw err;
  }
  if (affected(res) === 0) return [];
  return db.selectFrom('email_outbox').selectAll()
    .where('id', 'in', ids)
    .where('status', '=', 'sending')
    .where('claimed_by', '=', workerId)
    .where('claimed_until', '=', leaseUntil)
    .orderBy('id')
    .execute();
}

function isContention(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY';
}

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

async function sendOne(mailer: Mailer, row: OutboxRow, domain: string): Promise<Outcome> {
  const messageId = outboxMessageId(row.id, domain);
  try {
    const info = await mailer.send({
      to: row.to_address, subject: row.subject, html: row.html, text: row.text, messageId,
    });
    if (info.accepted.length === 0 && info.rejected.length > 0) {
      return { kind: 'bounced', error: `Recipient rejected by the server: ${info.rejected.join(', ')}`.slice(0, MAX_ERROR_LENGTH) };
    }
    return { kind: 'sent', messageId: info.messageId || messageId };
  } catch (e) {
    return classifySendError(e);
  }
}

/** Writes one outcome; every write is conditional on this worker still holding the row. */
async function record(db: Db, row: OutboxRow, outcome: Outcome, now: Date, workerId: string, maxAttempts: number, random: () => number): Promise<keyof DispatchResult | null> {
  const mine = <QB extends { where: (...a: any[]) => QB }>(qb: QB): QB =>
    qb.where('id', '=', row.id).where('status', '=', 'sending').where('claimed_by', '=', workerId);
  const attempts = row.attempts + 1;
  const released = { claimed_by: null, claimed_until: null, attempts };
  if (outcome.kind === 'sent') {
    const res = await mine(db.updateTable('email_outbox')
      .set({ ...released, status: 'sent', sent_at: now, message_id: outcome.messageId.slice(0, 200), last_error: null }))
      .executeTakeFirst();
    return affected(res) ? 'sent' : null;
  }
  if (outcome.kind === 'bounced') {
    return db.transaction().execute(async (trx) => {
      const res = await mine(trx.updateTable('email_outbox')
        .set({ ...released, status: 'bounced', last_error: outcome.error }))
        .executeTakeFirst();
      if (!affected(res)) return null;
      if (row.notification_id !== null) {
        await trx.updateTable('notifications')
          .set({ bounces: sql`bounces + 1` })
          .where('id', '=', row.notification_id)
          .execute();
      }
      return 'bounced' as const;
    });
  }
  if (outcome.kind === 'permanent' || attempts >= maxAttempts) {
    const error = outcome.kind === 'transient' ? `Gave up after ${attempts} attempts. Last error: ${outcome.error}` : outcome.error;
    const res = await mine(db.updateTable('email_outbox')
      .set({ ...released, status: 'failed', last_error: error.slice(0, MAX_ERROR_LENGTH) }))
      .executeTakeFirst();
    return affected(res) ? 'failed' : null;
  }
  const res = await mine(db.updateTable('email_outbox')
    .set({
      ...released,
      status: 'retrying',
      next_attempt_at: new Date(now.getTime() + backoffMs(attempts, random)),
      last_error: outcome.error,
    }))
    .executeTakeFirst();
  return affected(res) ? 'retried' : null;
}

/**
 * Sends every due email once. `now` is the application clock; rows whose retry time is later wait
 * for a later call. Returns what happened to the rows this call claimed.
 */
export async function dispatchOutbox(db: Db, mailer: Mailer, now: Date, opts: DispatchOptions = {}): Promise<DispatchResult> {
  const workerId = (opts.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`).slice(0, 64);
  const batchSize = Math.max(1, opts.batchSize ?? 50);
  const concurrency = Math.max(1, opts.concurrency ?? 5);
  const leaseMs = Math.max(1_000, opts.leaseMs ?? 5 * 60_000);
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
  const domain = opts.messageIdDomain ?? 'd2c-ops.local';
  const random = opts.random ?? Math.random;
  const result: DispatchResult = { sent: 0, bounced: 0, retried: 0, failed: 0 };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const rows = await claimOutbox(db, 'email', now, workerId, batchSize, leaseMs);
    if (rows.length === 0) break;
    const errors: unknown[] = [];
    await mapLimit(rows, concurrency, async (row) => {
      const outcome = await sendOne(mailer, row, domain);
      try {
        const counted = await record(db, row, outcome, now, workerId, maxAttempts, random);
        if (counted) result[counted] += 1;
      } catch (err) {
        // The database refused the outcome: the lease runs out and the row is tried again later
        // (same Message-ID). Finish the other rows first.
        errors.push(err);
      }
    });
    if (errors.length) throw errors[0];
    if (rows.length < batchSize) break;
  }
  return result;
}

/**
 * Puts a failed, bounced or retrying email of the actor's reach back in the queue, due now.
 * Another process's row answers 404; a row already queued, sending or sent answers 409.
 */
export async function retryEmail(db: Db, actor: Actor, id: number, now: Date): Promise<OutboxRow> {
  return db.transaction().execute(async (trx) => {
    const res = await scoped(
      trx.updateTable('email_outbox')
        .set({ status: 'queued', next_attempt_at: now, attempts: 0, claimed_by: null, claimed_until: null })
        .where('email_outbox.id', '=', id)
        .where('email_outbox.status', 'in', RETRYABLE_STATUSES),
      actor,
      'email_outbox.process_id',
    ).executeTakeFirst();
    const row = await scoped(trx.selectFrom('email_outbox').selectAll().where('email_outbox.id', '=', id), actor, 'email_outbox.process_id')
      .executeTakeFirst();
    if (!row) throw notFound('Email');
    if (!affected(res)) throw conflict(`This email is ${row.status}; only failed, bounced or retrying emails can be retried.`);
    await recordAction(trx, actor, now, {
      action: 'email.retry',
      entityType: 'email',
      entityId: id,
      processId: row.process_id,
      summary: `Email #${id} queued again`,
    });
    return row;
  });
}

export type OutboxStats = Record<OutboxStatus, number> & { total: number };

/** Emails by status within the actor's reach (null: every process, for metrics and jobs). */
export async function outboxStats(db: Db, actor: Actor | null, opts: { search?: string } = {}): Promise<OutboxStats> {
  let q = db.selectFrom('email_outbox')
    .select(['email_outbox.status', sql<number>`count(*)`.as('n')])
    .where('email_outbox.channel', '=', 'email')
    .groupBy('email_outbox.status');
  if (actor) q = scoped(q, actor, 'email_outbox.process_id');
  if (opts.search) q = q.where(searchExpression(opts.search));
  const stats = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as OutboxStats;
  stats.total = 0;
  for (const r of await q.execute()) {
    const n = Number(r.n);
    if ((OUTBOX_STATUSES as readonly string[]).includes(r.status)) stats[r.status as OutboxStatus] = n;
    stats.total += n;
  }
  return stats;
}

/** Recipient or subject contains the text (LIKE, case-insensitive on both dialects' collations). */
export function searchExpression(search: string) {
  return (eb: ExpressionBuilder<Database, 'email_outbox'>) => eb.or([
    containsText('email_outbox.to_address', search),
    containsText('email_outbox.subject', search),
  ]);
}
