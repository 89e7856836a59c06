import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { enqueueEmails } from '../../mail/outbox.js';
import { genericEmail } from '../../mail/templates.js';
import { formatInZone } from '../../time.js';
import { formatDay, roleLabel, type ShiftWindow } from './shifts.js';

export { formatDay, roleLabel };

type Trx = Transaction<Database>;

export interface MailContext {
  appUrl: string;
}

export interface MailPerson {
  id: number;
  name: string;
  email: string;
  is_active: boolean;
}

export interface MailShift {
  id: number;
  date: string;
  role: string;
  window: ShiftWindow;
}

export function shiftText(w: ShiftWindow, tz: string): string {
  return `${formatInZone(w.start, tz)} – ${formatInZone(w.end, tz)} (${tz})`;
}

/** "You are on call": to the person a manager put on the schedule (not when they added themself). */
export async function oncallAssignedEmail(
  trx: Trx, p: { process_id: number; process_name: string; timezone: string }, person: MailPerson, shift: MailShift,
  byName: string, now: Date, mail: MailContext,
): Promise<number> {
  if (!person.is_active) return 0;
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: `You are on call (${roleLabel(shift.role).toLowerCase()}) on ${formatDay(shift.date)} — ${p.process_name}`,
    heading: `On call: ${formatDay(shift.date)}`,
    lines: [`${byName} put you on the ${p.process_name} on-call schedule as ${roleLabel(shift.role).toLowerCase()}.`],
    facts: [
      { label: 'Role', value: roleLabel(shift.role) },
      { label: 'Date', value: formatDay(shift.date) },
      { label: 'Shift', value: shiftText(shift.window, p.timezone) },
      { label: 'Process', value: p.process_name },
    ],
    link: { href: '/oncall', label: 'View the on-call schedule' },
  });
  await enqueueEmails(trx, [{
    to: person.email, ...rendered, template: 'oncall.assigned', processId: p.process_id, entityType: 'oncall', entityId: shift.id,
  }], now);
  return 1;
}

/** "You are no longer on call": to the person whose coming shift a manager removed. */
export async function oncallRemovedEmail(
  trx: Trx, p: { process_id: number; process_name: string; timezone: string }, person: MailPerson, shift: MailShift,
  byName: string, now: Date, mail: MailContext,
): Promise<number> {
  if (!person.is_active) return 0;
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: `No longer on call on ${formatDay(shift.date)} — ${p.process_name}`,
    heading: `Removed from on-call: ${formatDay(shift.date)}`,
    lines: [`${byName} removed your ${roleLabel(shift.role).toLowerCase()} on-call shift from the ${p.process_name} schedule.`],
    facts: [
      { label: 'Role', value: roleLabel(shift.role) },
      { label: 'Date', value: formatDay(shift.date) },
      { label: 'Shift', value: shiftText(shift.window, p.timezone) },
      { label: 'Process', value: p.process_name },
    ],
    link: { href: '/oncall', label: 'View the on-call schedule' },
  });
  await enqueueEmails(trx, [{
    to: person.email, ...rendered, template: 'oncall.removed', processId: p.process_id, entityType: 'oncall', entityId: shift.id,
  }], now);
  return 1;
}

/** One email per rotation member listing the shifts just generated for them. */
export async function rotationShiftsEmail(
  trx: Trx, p: { process_id: number; process_name: string; timezone: string }, rotation: { id: number; name: string },
  person: MailPerson, shifts: MailShift[], byName: string, now: Date, mail: MailContext,
): Promise<number> {
  if (!person.is_active || shifts.length === 0) return 0;
  const list = shifts.slice(0, 60).map((s) => `${formatDay(s.date)}: ${roleLabel(s.role).toLowerCase()}, ${shiftText(s.window, p.timezone)}`);
  if (shifts.length > 60) list.push(`… and ${shifts.length - 60} more`);
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: `${shifts.length === 1 ? '1 on-call shift' : `${shifts.length} on-call shifts`} for you: ${rotation.name} — ${p.process_name}`,
    heading: `Your on-call shifts: ${rotation.name}`,
    lines: [
      `${byName} generated the schedule of the rotation “${rotation.name}” in ${p.process_name}. You are on call on:`,
      list.join('\n'),
    ],
    facts: [
      { label: 'Rotation', value: rotation.name },
      { label: 'Shifts', value: String(shifts.length) },
      { label: 'Process', value: p.process_name },
    ],
    link: { href: '/oncall/calendar', label: 'Add your shifts to your calendar' },
  });
  await enqueueEmails(trx, [{
    to: person.email, ...rendered, template: 'oncall.rotation', processId: p.process_id, entityType: 'oncall_rotation', entityId: rotation.id,
  }], now);
  return 1;
}
