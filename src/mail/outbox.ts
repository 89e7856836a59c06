import type { Transaction } from 'kysely';
import type { Db } from '../db/index.js';
import type { Database } from '../db/schema.js';

type Executor = Db | Transaction<Database>;

/** One email, rendered, ready to be written to the outbox. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Which template made it, e.g. "incident.created" (shown on the Email Log). */
  template: string;
  processId: number | null;
  entityType?: string;
  entityId?: number;
  notificationId?: number;
}

/**
 * Writes emails to the outbox inside the caller's transaction: they are sent only if the change that
 * caused them commits, and they survive SMTP outages and restarts. The dispatcher job delivers them.
 */
export async function enqueueEmails(trx: Executor, emails: OutgoingEmail[], now: Date): Promise<void> {
  if (emails.length === 0) return;
  await trx.insertInto('email_outbox').values(emails.map((e) => ({
    process_id: e.processId,
    channel: 'email',
    to_address: e.to,
    subject: e.subject.slice(0, 300),
    html: e.html,
    text: e.text,
    template: e.template,
    entity_type: e.entityType ?? null,
    entity_id: e.entityId ?? null,
    notification_id: e.notificationId ?? null,
    status: 'queued',
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
  }))).execute();
}

export interface Recipient {
  id: number;
  email: string;
  name: string;
}

/**
 * Active staff of a process to mail (never client stakeholders), optionally only some roles: the
 * rows of the original's email matrix that name managers, admins or a role.
 */
export async function processRecipients(trx: Executor, processId: number, roles?: string[]): Promise<Recipient[]> {
  let q = trx.selectFrom('users').select(['id', 'email', 'name'])
    .where('process_id', '=', processId)
    .where('is_active', '=', true)
    .where('role', '!=', 'client');
  if (roles?.length) q = q.where('role', 'in', roles as never[]);
  return q.orderBy('id').execute();
}

/**
 * Every active user of a process, client stakeholders included: the matrix's "All process users"
 * (incident created, in progress, resolved, unattended). Clients may read their process's incidents.
 */
export async function allProcessUsers(trx: Executor, processId: number): Promise<Recipient[]> {
  return trx.selectFrom('users').select(['id', 'email', 'name'])
    .where('process_id', '=', processId)
    .where('is_active', '=', true)
    .orderBy('id').execute();
}
