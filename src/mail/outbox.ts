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
 * MySQL/MariaDB TEXT holds 65,535 bytes. A mail quoting long user text can pass that (a 10,000-character
 * message of quotes is 60 KB of `&quot;` in the HTML part), which the database refused with a 500.
 * Text is cut with a note; HTML cannot be cut without breaking its markup, so an over-long HTML part
 * is left out and the mail goes as plain text.
 */
const BODY_MAX_BYTES = 60_000;
const SHORTENED = '\n\n… (shortened: read the whole message on the platform)';

function fitText(text: string): string {
  if (Buffer.byteLength(text) <= BODY_MAX_BYTES) return text;
  const cut = Buffer.from(text).subarray(0, BODY_MAX_BYTES - Buffer.byteLength(SHORTENED)).toString('utf8');
  // A character split by the cut decodes as U+FFFD: drop it.
  return cut.replace(/\uFFFD$/, '') + SHORTENED;
}

function fitHtml(html: string): string | null {
  return Buffer.byteLength(html) <= BODY_MAX_BYTES ? html : null;
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
    html: fitHtml(e.html),
    text: fitText(e.text),
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
