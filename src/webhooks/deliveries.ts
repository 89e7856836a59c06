import { sql } from 'kysely';
import { recordAction } from '../audit.js';
import type { Db } from '../db/index.js';
import { conflict, forbidden, notFound } from '../errors.js';
import { OUTBOX_STATUSES, RETRYABLE_STATUSES, type OutboxStatus } from '../mail/dispatcher.js';
import type { Cursor } from '../pagination.js';
import { can } from '../roles.js';
import { owningProcess, scoped, type Actor } from '../tenancy.js';
import { Fields } from '../validation.js';
import { deliverableUrl } from './dispatcher.js';
import { enqueueWebhooks } from './outbox.js';
import { testWebhookPayload } from './payload.js';
import { withWebhookTables } from './schema.js';
import { olderThan } from '../db/keyset.js';

/**
 * The webhook delivery log (outbox rows of channel "webhook") and the actions on it: send a test
 * webhook, retry a failed delivery. Admin+, within the actor's process (super_admin: all).
 */

export const URL_MAX = 500;

export interface DeliveryFilters {
  status?: OutboxStatus;
}

export function isDeliveryStatus(s: string | undefined): s is OutboxStatus {
  return s !== undefined && (OUTBOX_STATUSES as readonly string[]).includes(s);
}

function listBase(db: Db, actor: Actor) {
  return scoped(
    withWebhookTables(db).selectFrom('email_outbox')
      .leftJoin('processes', 'processes.id', 'email_outbox.process_id')
      .select([
        'email_outbox.id', 'email_outbox.process_id', 'email_outbox.to_address', 'email_outbox.subject',
        'email_outbox.template', 'email_outbox.entity_type', 'email_outbox.entity_id', 'email_outbox.status',
        'email_outbox.attempts', 'email_outbox.next_attempt_at', 'email_outbox.last_error', 'email_outbox.response_code',
        'email_outbox.created_at', 'email_outbox.sent_at', 'processes.name as process_name', 'processes.slug as process_slug',
        'processes.timezone as process_timezone',
      ])
      .where('email_outbox.channel', '=', 'webhook'),
    actor,
    'email_outbox.process_id',
  );
}

export type DeliveryRow = Awaited<ReturnType<ReturnType<typeof listBase>['execute']>>[number];

/** One page of deliveries, newest first; limit + 1 rows to detect a next page. */
export async function listDeliveries(db: Db, actor: Actor, f: DeliveryFilters, cursor: Cursor | null, limit: number): Promise<DeliveryRow[]> {
  let q = listBase(db, actor);
  if (f.status) q = q.where('email_outbox.status', '=', f.status);
  if (cursor) {
    q = q.where(olderThan(cursor, 'email_outbox.created_at', 'email_outbox.id'));
  }
  return q.orderBy('email_outbox.created_at', 'desc').orderBy('email_outbox.id', 'desc').limit(limit + 1).execute();
}

export async function findDelivery(db: Db, actor: Actor, id: number): Promise<DeliveryRow | undefined> {
  return listBase(db, actor).where('email_outbox.id', '=', id).executeTakeFirst();
}

/** Deliveries by status within the actor's reach. */
export async function deliveryStats(db: Db, actor: Actor): Promise<Record<OutboxStatus, number> & { total: number }> {
  const rows = await scoped(
    db.selectFrom('email_outbox').select(['email_outbox.status', sql<number>`count(*)`.as('n')])
      .where('email_outbox.channel', '=', 'webhook').groupBy('email_outbox.status'),
    actor,
    'email_outbox.process_id',
  ).execute();
  const stats = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number> & { total: number };
  stats.total = 0;
  for (const r of rows) {
    const n = Number(r.n);
    if (isDeliveryStatus(r.status)) stats[r.status] = n;
    stats.total += n;
  }
  return stats;
}

export function serializeDelivery(r: DeliveryRow) {
  return {
    id: r.id,
    process_id: r.process_id,
    process_slug: r.process_slug ?? null,
    url: r.to_address,
    event: r.subject,
    entity_type: r.entity_type,
    entity_id: r.entity_id,
    status: r.status,
    attempts: r.attempts,
    response_code: r.response_code ?? null,
    last_error: r.last_error,
    next_attempt_at: r.next_attempt_at.toISOString(),
    created_at: r.created_at.toISOString(),
    sent_at: r.sent_at ? r.sent_at.toISOString() : null,
  };
}

/** A webhook URL from input: http(s), at most 500 characters. */
export function readWebhookUrl(f: Fields, name = 'url', label = 'URL'): string | null {
  const url = f.text(name, { required: true, max: URL_MAX, label });
  if (url === null) return null;
  if (!deliverableUrl(url)) {
    f.fail(name, `${label} must be an http:// or https:// address.`);
    return null;
  }
  return url;
}

/** Queues a test webhook to `url` for the actor's process (super_admin names one). Returns the delivery. */
export async function sendTestWebhook(db: Db, actor: Actor, input: Record<string, unknown>, now: Date): Promise<DeliveryRow> {
  if (!can(actor.role, 'integrations.manage')) throw forbidden();
  const f = new Fields(input);
  const url = readWebhookUrl(f);
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) f.fail('process_id', 'Choose the process to send the test for (the process switcher).');
  f.check();
  const id = await db.transaction().execute(async (trx) => {
    const process = await trx.selectFrom('processes').select(['id', 'slug', 'name']).where('id', '=', processId!).executeTakeFirst();
    if (!process) {
      f.fail('process_id', 'Unknown process.');
      f.check();
    }
    const [deliveryId] = await enqueueWebhooks(trx, [{
      url: url!, event: 'test', processId: process!.id,
      payload: testWebhookPayload({ process: process!, requestedBy: { id: actor.userId, name: actor.name }, now }),
    }], now);
    await recordAction(trx, actor, now, {
      action: 'webhook.test', entityType: 'webhook', entityId: deliveryId, processId: process!.id,
      changes: { url: url! }, summary: `Test webhook queued for ${url!.slice(0, 200)}`,
    });
    return deliveryId;
  });
  return (await findDelivery(db, actor, id))!;
}

/**
 * Puts a failed or retrying webhook of the actor's reach back in the queue, due now. Another
 * process's row answers 404; a row queued, sending or delivered answers 409.
 */
export async function retryDelivery(db: Db, actor: Actor, id: number, now: Date): Promise<DeliveryRow> {
  if (!can(actor.role, 'integrations.manage')) throw forbidden();
  await db.transaction().execute(async (trx) => {
    const row = await scoped(
      trx.selectFrom('email_outbox').select(['id', 'process_id', 'status', 'to_address'])
        .where('email_outbox.id', '=', id).where('email_outbox.channel', '=', 'webhook'),
      actor,
      'email_outbox.process_id',
    ).executeTakeFirst();
    if (!row) throw notFound('Webhook delivery');
    const res = await trx.updateTable('email_outbox')
      .set({ status: 'queued', next_attempt_at: now, attempts: 0, claimed_by: null, claimed_until: null })
      .where('id', '=', id).where('status', 'in', RETRYABLE_STATUSES)
      .executeTakeFirst();
    if (!Number(res.numUpdatedRows)) throw conflict(`This webhook is ${row.status}; only failed or retrying deliveries can be retried.`);
    await recordAction(trx, actor, now, {
      action: 'webhook.retry', entityType: 'webhook', entityId: id, processId: row.process_id,
      summary: `Webhook #${id} queued again`,
    });
  });
  return (await findDelivery(db, actor, id))!;
}
