import type { Db } from '../../db/index.js';
import { OUTBOX_STATUSES, searchExpression, type OutboxStatus } from '../../mail/dispatcher.js';
import type { Cursor } from '../../pagination.js';
import { scoped, type Actor } from '../../tenancy.js';
import { olderThan } from '../../db/keyset.js';

export interface EmailLogFilters {
  status?: OutboxStatus;
  q?: string;
}

export function isOutboxStatus(s: string | undefined): s is OutboxStatus {
  return s !== undefined && (OUTBOX_STATUSES as readonly string[]).includes(s);
}

function listBase(db: Db, actor: Actor) {
  return scoped(
    db.selectFrom('email_outbox')
      .leftJoin('processes', 'processes.id', 'email_outbox.process_id')
      .select([
        'email_outbox.id', 'email_outbox.process_id', 'email_outbox.channel', 'email_outbox.to_address',
        'email_outbox.subject', 'email_outbox.template', 'email_outbox.entity_type', 'email_outbox.entity_id',
        'email_outbox.notification_id', 'email_outbox.status', 'email_outbox.attempts', 'email_outbox.next_attempt_at',
        'email_outbox.claimed_until', 'email_outbox.last_error', 'email_outbox.message_id', 'email_outbox.created_at',
        'email_outbox.sent_at', 'processes.name as process_name', 'processes.slug as process_slug',
        'processes.timezone as process_timezone',
      ])
      .where('email_outbox.channel', '=', 'email'),
    actor,
    'email_outbox.process_id',
  );
}

export type EmailLogRow = Awaited<ReturnType<ReturnType<typeof listBase>['execute']>>[number];

/** One page of outbox rows within the actor's reach, newest first; limit + 1 rows to detect a next page. */
export async function listEmails(db: Db, actor: Actor, f: EmailLogFilters, cursor: Cursor | null, limit: number): Promise<EmailLogRow[]> {
  let q = listBase(db, actor);
  if (f.status) q = q.where('email_outbox.status', '=', f.status);
  if (f.q) q = q.where(searchExpression(f.q));
  if (cursor) {
    q = q.where(olderThan(cursor, 'email_outbox.created_at', 'email_outbox.id'));
  }
  return q.orderBy('email_outbox.created_at', 'desc').orderBy('email_outbox.id', 'desc').limit(limit + 1).execute();
}

/** The row if the actor may see it, else undefined (the caller answers 404). */
export async function findEmail(db: Db, actor: Actor, id: number): Promise<EmailLogRow | undefined> {
  return listBase(db, actor).where('email_outbox.id', '=', id).executeTakeFirst();
}

export function serializeEmail(r: EmailLogRow) {
  return {
    id: r.id,
    process_id: r.process_id,
    process_slug: r.process_slug ?? null,
    channel: r.channel,
    to_address: r.to_address,
    subject: r.subject,
    template: r.template,
    entity_type: r.entity_type,
    entity_id: r.entity_id,
    notification_id: r.notification_id,
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: r.next_attempt_at.toISOString(),
    last_error: r.last_error,
    message_id: r.message_id,
    created_at: r.created_at.toISOString(),
    sent_at: r.sent_at ? r.sent_at.toISOString() : null,
  };
}
