import type { Transaction } from 'kysely';
import { insertedId, type Db } from '../db/index.js';
import type { Database } from '../db/schema.js';

type Executor = Db | Transaction<Database>;

export interface OutgoingWebhook {
  url: string;
  /** e.g. "escalation.fired", "incident.created": shown in the delivery log. */
  event: string;
  /** Slack-compatible `text` plus structured fields. */
  payload: { text: string } & Record<string, unknown>;
  processId: number | null;
  entityType?: string;
  entityId?: number;
}

/**
 * Queues webhooks in the outbox (channel "webhook") inside the caller's transaction, like emails:
 * delivered by the webhook dispatcher (src/webhooks/dispatcher.ts) with retries and backoff, never
 * lost, never twice. Returns the outbox ids (the X-D2C-Delivery header receivers see).
 */
export async function enqueueWebhooks(trx: Executor, hooks: OutgoingWebhook[], now: Date): Promise<number[]> {
  const ids: number[] = [];
  for (const h of hooks) {
    const res = await trx.insertInto('email_outbox').values({
      process_id: h.processId,
      channel: 'webhook',
      to_address: h.url.slice(0, 500),
      subject: h.event.slice(0, 300),
      html: null,
      text: JSON.stringify(h.payload),
      template: `webhook.${h.event}`.slice(0, 60),
      entity_type: h.entityType ?? null,
      entity_id: h.entityId ?? null,
      status: 'queued',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    }).executeTakeFirstOrThrow();
    ids.push(insertedId(res));
  }
  return ids;
}
