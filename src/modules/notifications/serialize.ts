import { iso } from '../../http/api.js';
import type { Delivery, NotificationRow } from './queries.js';

/**
 * Recipients and bounces as the outbox reports them (one email per recipient; a bounce is an SMTP
 * rejection), falling back to the stored counts for notifications that have no outbox rows.
 */
export function counts(n: Pick<NotificationRow, 'recipients' | 'bounces'>, d: Delivery | undefined) {
  if (!d) return { recipients: n.recipients, bounces: n.bounces, delivered: null as number | null, pending: 0 };
  return { recipients: d.total, bounces: d.bounced, delivered: d.sent, pending: d.pending };
}

/** The notification record of API.md, plus the sender's name and the delivery figures. */
export function serializeNotification(n: NotificationRow, d: Delivery | undefined) {
  const c = counts(n, d);
  return {
    id: n.id,
    process_id: n.process_id,
    process_slug: n.process_slug,
    direction: n.direction,
    subject: n.subject,
    message: n.message,
    sent_by: n.sent_by,
    sender_name: n.sender_name ?? null,
    recipients: c.recipients,
    bounces: c.bounces,
    delivered: c.delivered,
    pending: c.pending,
    sent_at: iso(n.sent_at),
  };
}
