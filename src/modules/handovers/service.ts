import { recordAction } from '../../audit.js';
import { affected, insertedId, type Db } from '../../db/index.js';
import { conflict, forbidden, notFound } from '../../errors.js';
import { can } from '../../roles.js';
import { owningProcess, type Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';
import { handoverAcknowledgedEmail, handoverSubmittedEmail } from './emails.js';
import { findHandover, handoverRecipients, type HandoverRow } from './queries.js';

export const SHIFT_MAX = 40;
export const TEXT_MAX = 10_000;
/** The shifts the form offers; the API takes any name up to 40 characters. */
export const SHIFTS = ['Day Shift', 'Night Shift', 'Morning Shift', 'Afternoon Shift', 'Evening Shift', 'Weekend Shift'] as const;

export interface MailContext {
  appUrl: string;
}

const reference = (shift: string, recipientName: string) => `${shift} handover to ${recipientName}`;

/**
 * An operator or above hands their shift to an active operator+ of the same process (never
 * themself): one transaction with the record, the audit entry and the recipient's email.
 */
export async function createHandover(db: Db, actor: Actor, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<HandoverRow> {
  if (!can(actor.role, 'handovers.submit')) throw forbidden();
  const f = new Fields(input);
  const shift = f.text('shift', { required: true, max: SHIFT_MAX, label: 'Shift' });
  const handoverTime = f.instant('handover_time', { required: true, label: 'Handover time' });
  const recipientId = f.optionalId('recipient_id', 'Handing to');
  if (recipientId === null && !f.errors.recipient_id) f.fail('recipient_id', 'Choose who takes over the shift.');
  if (recipientId !== null && recipientId === actor.userId) f.fail('recipient_id', 'You cannot hand a shift over to yourself.');
  const openIncidents = f.text('open_incidents', { required: true, max: TEXT_MAX, label: 'Open incidents' });
  const actionsTaken = f.text('actions_taken', { required: true, max: TEXT_MAX, label: 'Actions taken' });
  const notes = f.text('notes', { max: TEXT_MAX, label: 'Notes' });
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process this handover belongs to.');
    f.check();
  }

  const id = await db.transaction().execute(async (trx) => {
    // Every problem at once: the process and recipient are looked up even when other fields are wrong.
    const process = await f.ref('process_id', processId,
      (pid) => trx.selectFrom('processes').select(['id']).where('id', '=', pid).executeTakeFirst(), 'Unknown process.');
    const recipient = process && await f.ref('recipient_id', recipientId, async (uid) => (await handoverRecipients(trx, processId!)).find((u) => u.id === uid),
      'Choose an active operator, manager or admin of this process.');
    f.check();
    const handoverId = insertedId(await trx.insertInto('handovers').values({
      process_id: processId!, submitted_by: actor.userId, recipient_id: recipient!.id, shift: shift!, handover_time: handoverTime!,
      open_incidents: openIncidents, actions_taken: actionsTaken, notes, created_at: now, acknowledged_at: null,
    }).executeTakeFirstOrThrow());
    await recordAction(trx, actor, now, {
      action: 'handover.submit', entityType: 'handover', entityId: handoverId, processId: processId!,
      changes: { shift, recipient_id: recipient!.id, handover_time: handoverTime!.toISOString() },
      summary: reference(shift!, recipient!.name),
    });
    await handoverSubmittedEmail(trx, handoverId, now, mail);
    return handoverId;
  });
  return (await findHandover(db, actor, id))!;
}

/** Only the recipient acknowledges, once; the submitter is emailed. */
export async function acknowledgeHandover(db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<HandoverRow> {
  if (!can(actor.role, 'handovers.view')) throw forbidden();
  const f = new Fields(input);
  const raw = input.acknowledged;
  if (raw !== true && raw !== 'true') f.fail('acknowledged', 'Send acknowledged: true to acknowledge the handover.');
  f.check();

  await db.transaction().execute(async (trx) => {
    const current = await findHandover(trx, actor, id);
    if (!current) throw notFound('Handover');
    if (current.recipient_id !== actor.userId) {
      throw forbidden(`Only ${current.recipient_name}, who this shift was handed to, can acknowledge it.`);
    }
    if (current.acknowledged_at) throw conflict('This handover was already acknowledged.');
    const res = await trx.updateTable('handovers').set({ acknowledged_at: now })
      .where('id', '=', current.id).where('acknowledged_at', 'is', null)
      .executeTakeFirst();
    if (affected(res) === 0) throw conflict('This handover was already acknowledged.');
    await recordAction(trx, actor, now, {
      action: 'handover.acknowledge', entityType: 'handover', entityId: current.id, processId: current.process_id,
      changes: { acknowledged_at: [null, now.toISOString()] }, summary: reference(current.shift, current.recipient_name),
    });
    await handoverAcknowledgedEmail(trx, current.id, now, mail);
  });
  return (await findHandover(db, actor, id))!;
}

export async function getHandover(db: Db, actor: Actor, id: number): Promise<HandoverRow> {
  const h = await findHandover(db, actor, id);
  if (!h) throw notFound('Handover');
  return h;
}
