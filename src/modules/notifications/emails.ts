import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { enqueueEmails, type Recipient } from '../../mail/outbox.js';
import { genericEmail } from '../../mail/templates.js';
import type { Direction } from './queries.js';

type Trx = Transaction<Database>;

export interface MailContext {
  appUrl: string;
}

/** A message's paragraphs (blank lines separate them), capped so one email stays readable. */
function paragraphs(message: string): string[] {
  return message.slice(0, 10_000).split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
}

/**
 * One email per recipient, tied to the notification so the dispatcher counts its bounces.
 * ops_to_client: to every active client stakeholder of the process; client_to_ops: to the
 * process's managers and admins.
 */
export async function notificationEmails(
  trx: Trx,
  n: { id: number; processId: number; processName: string; direction: Direction; subject: string; message: string },
  sender: { name: string; email: string },
  recipients: Recipient[],
  now: Date,
  mail: MailContext,
): Promise<void> {
  const toClients = n.direction === 'ops_to_client';
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: toClients ? n.subject : `[Client message] ${n.subject}`,
    heading: n.subject,
    lines: [
      toClients
        ? `A message from the ${n.processName} operations team (${sender.name}):`
        : `${sender.name} (${sender.email}), a client stakeholder of ${n.processName}, wrote to the operations team:`,
      ...paragraphs(n.message),
    ],
    facts: [
      { label: 'From', value: toClients ? `${sender.name}, ${n.processName} operations` : `${sender.name} <${sender.email}>` },
      { label: 'Process', value: n.processName },
    ],
    link: { href: `/notifications/${n.id}`, label: toClients ? 'Open in D2C OPs' : 'Read and reply in D2C OPs' },
  });
  await enqueueEmails(trx, recipients.map((r) => ({
    to: r.email, ...rendered, template: toClients ? 'notification.ops_to_client' : 'notification.client_to_ops',
    processId: n.processId, entityType: 'notification', entityId: n.id, notificationId: n.id,
  })), now);
}
