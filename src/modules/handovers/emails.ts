import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { enqueueEmails } from '../../mail/outbox.js';
import { genericEmail } from '../../mail/templates.js';
import { formatInZone } from '../../time.js';

type Trx = Transaction<Database>;

interface Mail {
  appUrl: string;
}

async function handoverFacts(trx: Trx, id: number) {
  return trx.selectFrom('handovers')
    .innerJoin('processes', 'processes.id', 'handovers.process_id')
    .innerJoin('users as submitter', 'submitter.id', 'handovers.submitted_by')
    .innerJoin('users as recipient', 'recipient.id', 'handovers.recipient_id')
    .selectAll('handovers')
    .select(['processes.name as process_name', 'processes.timezone as process_timezone',
      'submitter.name as submitter_name', 'submitter.email as submitter_email', 'submitter.is_active as submitter_active',
      'recipient.name as recipient_name', 'recipient.email as recipient_email', 'recipient.is_active as recipient_active'])
    .where('handovers.id', '=', id)
    .executeTakeFirstOrThrow();
}

const clip = (s: string | null) => (s ?? '').slice(0, 4000);

/** Handover Submitted: to the recipient, with the whole handover so it reads without signing in. */
export async function handoverSubmittedEmail(trx: Trx, handoverId: number, now: Date, mail: Mail): Promise<number> {
  const h = await handoverFacts(trx, handoverId);
  if (!h.recipient_active) return 0;
  const at = `${formatInZone(h.handover_time, h.process_timezone)} (${h.process_timezone})`;
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: `Shift handover to you: ${h.shift} from ${h.submitter_name}`,
    heading: `${h.shift} handover from ${h.submitter_name}`,
    lines: [
      `${h.submitter_name} handed the ${h.shift} in ${h.process_name} over to you. Please read it and acknowledge it.`,
      `Open incidents:\n${clip(h.open_incidents) || 'None'}`,
      `Actions taken:\n${clip(h.actions_taken) || '—'}`,
      ...(h.notes ? [`Notes:\n${clip(h.notes)}`] : []),
    ],
    facts: [
      { label: 'Shift', value: h.shift },
      { label: 'Handover time', value: at },
      { label: 'From', value: h.submitter_name },
      { label: 'Process', value: h.process_name },
    ],
    link: { href: `/handovers#handover-${h.id}`, label: 'Acknowledge handover' },
  });
  await enqueueEmails(trx, [{
    to: h.recipient_email, ...rendered, template: 'handover.submitted', processId: h.process_id, entityType: 'handover', entityId: h.id,
  }], now);
  return 1;
}

/** Handover Acknowledged: to the submitter, confirming the recipient took over. */
export async function handoverAcknowledgedEmail(trx: Trx, handoverId: number, now: Date, mail: Mail): Promise<number> {
  const h = await handoverFacts(trx, handoverId);
  if (!h.submitter_active) return 0;
  const tz = h.process_timezone;
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: `Handover acknowledged: ${h.shift} by ${h.recipient_name}`,
    heading: `${h.recipient_name} acknowledged your ${h.shift} handover`,
    lines: [`${h.recipient_name} acknowledged the ${h.shift} handover you submitted in ${h.process_name} and has taken over.`],
    facts: [
      { label: 'Shift', value: h.shift },
      { label: 'Handover time', value: `${formatInZone(h.handover_time, tz)} (${tz})` },
      { label: 'Acknowledged', value: h.acknowledged_at ? `${formatInZone(h.acknowledged_at, tz)} (${tz})` : '—' },
      { label: 'By', value: h.recipient_name },
    ],
    link: { href: `/handovers#handover-${h.id}`, label: 'View handover' },
  });
  await enqueueEmails(trx, [{
    to: h.submitter_email, ...rendered, template: 'handover.acknowledged', processId: h.process_id, entityType: 'handover', entityId: h.id,
  }], now);
  return 1;
}
