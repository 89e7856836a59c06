import { recordAction } from '../../audit.js';
import { insertedId, type Db } from '../../db/index.js';
import { conflict, forbidden } from '../../errors.js';
import { processRecipients, type Recipient } from '../../mail/outbox.js';
import { can, canSendClientToOps } from '../../roles.js';
import { owningProcess, type Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';
import { notificationEmails, type MailContext } from './emails.js';
import { findNotification, type Direction, type NotificationRow } from './queries.js';

export const SUBJECT_MAX = 200;
export const MESSAGE_MAX = 10_000;

/** The direction the actor's messages go: a client writes to the team, operator+ to the clients. */
export function directionFor(actor: Actor): Direction | null {
  if (canSendClientToOps(actor.role)) return 'client_to_ops';
  if (can(actor.role, 'notifications.send_to_clients')) return 'ops_to_client';
  return null;
}

/**
 * Sends a client notification: operator+ to every active client stakeholder of the process, a
 * client to the process's managers and admins. One transaction: the record, the audit entry and
 * one outbox email per recipient (the dispatcher counts bounces on the record).
 */
export async function sendNotification(db: Db, actor: Actor, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<NotificationRow> {
  const direction = directionFor(actor);
  if (!direction) throw forbidden('Your role cannot send notifications.');
  const f = new Fields(input);
  const subject = f.text('subject', { required: true, max: SUBJECT_MAX, label: 'Subject' });
  const message = f.text('message', { required: true, max: MESSAGE_MAX, label: 'Message' });
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process whose stakeholders get this message.');
    f.check();
  }

  const id = await db.transaction().execute(async (trx) => {
    // Every problem at once: the process is looked up even when other fields are wrong.
    const process = await f.ref('process_id', processId,
      (pid) => trx.selectFrom('processes').select(['id', 'name']).where('id', '=', pid).executeTakeFirst(), 'Unknown process.');
    f.check();
    const recipients: Recipient[] = direction === 'ops_to_client'
      ? await trx.selectFrom('users').select(['id', 'email', 'name'])
        .where('process_id', '=', process!.id).where('role', '=', 'client').where('is_active', '=', true)
        .orderBy('id').execute()
      : await processRecipients(trx, process!.id, ['manager', 'admin']);
    if (recipients.length === 0) {
      throw conflict(direction === 'ops_to_client'
        ? `${process!.name} has no active client stakeholders to send to yet.`
        : `${process!.name} has no active managers or admins to receive your message. Please contact D2C Telcare directly.`);
    }
    const notificationId = insertedId(await trx.insertInto('notifications').values({
      process_id: process!.id, direction, subject: subject!, message: message!, sent_by: actor.userId,
      recipients: recipients.length, bounces: 0, sent_at: now,
    }).executeTakeFirstOrThrow());
    await recordAction(trx, actor, now, {
      action: 'notification.send', entityType: 'notification', entityId: notificationId, processId: process!.id,
      changes: { direction, recipients: recipients.length }, summary: subject!,
    });
    await notificationEmails(trx, { id: notificationId, processId: process!.id, processName: process!.name, direction, subject: subject!, message: message! },
      { name: actor.name, email: actor.email }, recipients, now, mail);
    return notificationId;
  });
  return (await findNotification(db, actor, id))!;
}
