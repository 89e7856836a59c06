import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { enqueueEmails } from '../../mail/outbox.js';
import { genericEmail } from '../../mail/templates.js';
import { ROLE_LABELS } from '../../roles.js';
import type { Role } from '../../db/schema.js';

type Trx = Transaction<Database>;

export interface MailContext {
  appUrl: string;
}

const base = (appUrl: string) => appUrl.replace(/\/+$/, '');

/** The set-password link of a welcome email: `APP_URL/welcome?token=…` (query, so request logs never hold it). */
export function welcomeLink(appUrl: string, token: string): string {
  return `${base(appUrl)}/welcome?token=${token}`;
}

/** A token in a welcome link, as redact.ts blanks it once used or replaced. */
export const WELCOME_TOKEN_PATTERN = /token=[A-Za-z0-9_-]{20,}/g;

/**
 * Welcome Email (POST /users): a single-use, expiring link to choose a password. No password
 * ever travels by email. Kept out of every process's Email Log (process_id null): the link is a
 * credential until it is used.
 */
export async function welcomeEmail(
  trx: Trx,
  user: { id: number; email: string; name: string; role: Role; processName: string },
  token: string,
  expiresHours: number,
  invitedBy: string,
  now: Date,
  mail: MailContext,
): Promise<void> {
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: 'Welcome to D2C OPs: choose your password',
    heading: `Welcome to D2C OPs, ${user.name}`,
    lines: [
      `${invitedBy} created a D2C OPs account for you in ${user.processName}.`,
      `Choose your password with the link below. The link works once and expires in ${expiresHours} hours; after that, ask your administrator for a new one.`,
      'Then sign in with this email address and the password you chose.',
    ],
    facts: [
      { label: 'Email', value: user.email },
      { label: 'Role', value: ROLE_LABELS[user.role] },
      { label: 'Process', value: user.processName },
    ],
    link: { href: welcomeLink(mail.appUrl, token), label: 'Choose your password' },
  });
  await enqueueEmails(trx, [{
    to: user.email, ...rendered, template: 'user.welcome', processId: null, entityType: 'user', entityId: user.id,
  }], now);
}

/** Email Changed (PATCH /users/:id/email): to the old and to the new address. */
export async function emailChangedEmails(
  trx: Trx,
  user: { id: number; name: string; processId: number },
  oldEmail: string,
  newEmail: string,
  changedBy: { name: string; self: boolean },
  now: Date,
  mail: MailContext,
): Promise<void> {
  const who = changedBy.self ? 'You' : changedBy.name;
  const toOld = genericEmail({
    appUrl: mail.appUrl,
    subject: 'Your D2C OPs email address was changed',
    heading: 'Your email address was changed',
    lines: [
      `Hello ${user.name},`,
      `${who} changed the sign-in email of your D2C OPs account from ${oldEmail} to ${newEmail}. This address no longer signs in.`,
      'If you did not expect this, contact your administrator right away.',
    ],
    facts: [
      { label: 'Old address', value: oldEmail },
      { label: 'New address', value: newEmail },
      { label: 'Changed by', value: changedBy.self ? user.name : changedBy.name },
    ],
  });
  const toNew = genericEmail({
    appUrl: mail.appUrl,
    subject: 'This is now your D2C OPs sign-in email',
    heading: 'Your email address was changed',
    lines: [
      `Hello ${user.name},`,
      `${who} changed the sign-in email of your D2C OPs account to this address (it was ${oldEmail}). Sign in with it from now on; your password is unchanged.`,
    ],
    facts: [
      { label: 'Old address', value: oldEmail },
      { label: 'New address', value: newEmail },
      { label: 'Changed by', value: changedBy.self ? user.name : changedBy.name },
    ],
    link: { href: '/login', label: 'Sign in' },
  });
  await enqueueEmails(trx, [
    { to: oldEmail, ...toOld, template: 'user.email_changed', processId: user.processId, entityType: 'user', entityId: user.id },
    { to: newEmail, ...toNew, template: 'user.email_changed', processId: user.processId, entityType: 'user', entityId: user.id },
  ], now);
}
