import { affected, type Db } from '../../db/index.js';
import { incidentEmails } from './emails.js';

export const UNATTENDED_MINUTES = 30;

/**
 * The unattended reminder: incidents open and unassigned for 30+ minutes get one email to the
 * process's users (clients too). Each is claimed by setting reminder_sent_at with a conditional update, in the
 * same transaction as its emails, so racing workers send it exactly once.
 */
export async function sendUnattendedReminders(db: Db, now: Date, mail: { appUrl: string }, batch = 200): Promise<number> {
  const cutoff = new Date(now.getTime() - UNATTENDED_MINUTES * 60_000);
  const due = await db.selectFrom('incidents').select(['id', 'process_id'])
    .where('status', '=', 'open')
    .where('assigned_to', 'is', null)
    .where('reminder_sent_at', 'is', null)
    .where('opened_at', '<=', cutoff)
    .orderBy('opened_at')
    .limit(batch)
    .execute();
  let sent = 0;
  for (const incident of due) {
    const claimed = await db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('incidents').set({ reminder_sent_at: now })
        .where('id', '=', incident.id).where('reminder_sent_at', 'is', null)
        .where('status', '=', 'open').where('assigned_to', 'is', null)
        .executeTakeFirst();
      if (affected(res) === 0) return false;
      await incidentEmails(trx, {
        kind: 'unattended', incidentId: incident.id, actor: null, now, mail,
      });
      return true;
    });
    if (claimed) sent += 1;
  }
  return sent;
}
