import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { enqueueEmails, processRecipients } from '../../mail/outbox.js';
import { genericEmail } from '../../mail/templates.js';

type Trx = Transaction<Database>;

interface Mail {
  appUrl: string;
}

/** The facts an approval email needs, read inside the deciding transaction. */
async function approvalFacts(trx: Trx, id: number) {
  return trx.selectFrom('approvals')
    .innerJoin('processes', 'processes.id', 'approvals.process_id')
    .innerJoin('users as submitter', 'submitter.id', 'approvals.submitted_by')
    .leftJoin('users as reviewer', 'reviewer.id', 'approvals.reviewed_by')
    .leftJoin('users as subject', 'subject.id', 'approvals.subject_user_id')
    .selectAll('approvals')
    .select(['processes.name as process_name', 'submitter.name as submitter_name', 'submitter.email as submitter_email',
      'submitter.is_active as submitter_active', 'reviewer.name as reviewer_name', 'subject.name as subject_name',
      'subject.email as subject_email'])
    .where('approvals.id', '=', id)
    .executeTakeFirstOrThrow();
}

const TYPE_LABEL: Record<string, string> = { change: 'Change', access: 'Access' };
const typeLabel = (t: string) => TYPE_LABEL[t] ?? t;

/**
 * Approval Submitted: to the process's managers and admins, who decide it. The submitter is left
 * out even when a manager, since nobody decides their own request.
 */
export async function approvalSubmittedEmails(trx: Trx, approvalId: number, now: Date, mail: Mail): Promise<number> {
  const a = await approvalFacts(trx, approvalId);
  const recipients = (await processRecipients(trx, a.process_id, ['manager', 'admin'])).filter((r) => r.id !== a.submitted_by);
  if (recipients.length === 0) return 0;
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: `Approval needed: ${a.title}`,
    heading: `Approval needed: ${a.title}`,
    lines: [
      `${a.submitter_name} submitted a ${typeLabel(a.type).toLowerCase()} request in ${a.process_name}. It waits for a manager or admin to approve or reject it.`,
      ...(a.details ? [a.details.slice(0, 2000)] : []),
    ],
    facts: [
      { label: 'Type', value: typeLabel(a.type) },
      { label: 'Submitted by', value: a.submitter_name },
      { label: 'Process', value: a.process_name },
      { label: 'Request', value: `#${a.id}` },
    ],
    link: { href: `/approvals#approval-${a.id}`, label: 'Review request' },
  });
  await enqueueEmails(trx, recipients.map((r) => ({
    to: r.email, ...rendered, template: 'approval.submitted', processId: a.process_id, entityType: 'approval', entityId: a.id,
  })), now);
  return recipients.length;
}

/**
 * Approval Decided: to the submitter. When an approved access request activates an account, that
 * account's owner gets "Your access has been approved" with a sign-in link instead (a self-registered
 * client is both submitter and subject, and gets that one email).
 */
export async function approvalDecidedEmails(trx: Trx, approvalId: number, now: Date, mail: Mail, activated: boolean): Promise<number> {
  const a = await approvalFacts(trx, approvalId);
  const approved = a.status === 'approved';
  let sent = 0;
  const selfRegistered = a.subject_user_id !== null && a.subject_user_id === a.submitted_by;
  if (!(activated && selfRegistered) && (a.submitter_active || selfRegistered)) {
    const verdict = approved ? 'approved' : 'rejected';
    const rendered = genericEmail({
      appUrl: mail.appUrl,
      subject: `Your ${typeLabel(a.type).toLowerCase()} request was ${verdict}: ${a.title}`,
      heading: `Request ${verdict}: ${a.title}`,
      lines: [
        `${a.reviewer_name ?? 'A manager'} ${verdict} your ${typeLabel(a.type).toLowerCase()} request in ${a.process_name}.`,
        ...(a.note ? [`Note: ${a.note.slice(0, 2000)}`] : []),
        // A refused registrant's account stays inactive: they cannot sign in to open the request.
        ...(selfRegistered ? ['Your account was not activated, so you cannot sign in. If you think this is a mistake, contact the operations team of your process.'] : []),
      ],
      facts: [
        { label: 'Decision', value: approved ? 'Approved' : 'Rejected' },
        { label: 'Decided by', value: a.reviewer_name ?? '—' },
        { label: 'Type', value: typeLabel(a.type) },
        { label: 'Process', value: a.process_name },
        { label: 'Request', value: `#${a.id}` },
      ],
      link: selfRegistered ? undefined : { href: `/approvals#approval-${a.id}`, label: 'View request' },
    });
    await enqueueEmails(trx, [{
      to: a.submitter_email, ...rendered, template: 'approval.decided', processId: a.process_id, entityType: 'approval', entityId: a.id,
    }], now);
    sent += 1;
  }
  if (activated && a.subject_email) {
    const rendered = genericEmail({
      appUrl: mail.appUrl,
      subject: 'Your access has been approved',
      heading: 'Your access has been approved',
      lines: [
        `Hello ${a.subject_name ?? ''}`.trim() + ',',
        `Your access to D2C OPs for ${a.process_name} has been approved${a.reviewer_name ? ` by ${a.reviewer_name}` : ''}. You can sign in now with your email address and the password you chose.`,
        ...(a.note ? [`Note: ${a.note.slice(0, 2000)}`] : []),
      ],
      link: { href: `${mail.appUrl.replace(/\/+$/, '')}/login`, label: 'Sign in' },
    });
    await enqueueEmails(trx, [{
      to: a.subject_email, ...rendered, template: 'approval.access_approved', processId: a.process_id, entityType: 'approval', entityId: a.id,
    }], now);
    sent += 1;
  }
  return sent;
}
