import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { enqueueEmails } from '../../mail/outbox.js';
import { genericEmail } from '../../mail/templates.js';
import { CODE_TTL_MS, type Purpose } from './codes.js';

type Trx = Transaction<Database>;

export interface MailContext {
  appUrl: string;
}

const MINUTES = Math.round(CODE_TTL_MS / 60_000);

/**
 * The 6-digit code (Password Reset OTP, and the registration code). Kept out of every process's
 * Email Log (process_id null) and blanked there once used or replaced.
 */
export async function codeEmail(trx: Trx, to: string, code: string, purpose: Purpose, codeId: number, now: Date, mail: MailContext): Promise<void> {
  const register = purpose === 'register';
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: register ? `${code} is your D2C OPs verification code` : `${code} is your D2C OPs password reset code`,
    heading: register ? 'Verify your email address' : 'Reset your password',
    lines: [
      register
        ? 'Enter this code on the registration page to confirm your email address:'
        : 'Someone asked to reset the password of the D2C OPs account with this address. Enter this code on the reset page:',
      code,
      `The code works once and expires in ${MINUTES} minutes. Never share it: the D2C OPs team will never ask you for it.`,
      register
        ? 'If you did not start a registration, ignore this email; nothing happens without the code.'
        : 'If you did not ask for this, ignore this email: your password stays as it is.',
    ],
    facts: [{ label: 'Code', value: code }],
  });
  await enqueueEmails(trx, [{
    to, ...rendered, template: register ? 'auth.register_code' : 'auth.reset_code', processId: null,
    entityType: 'verification_code', entityId: codeId,
  }], now);
}

/**
 * Registering with an address that already has an account: no code, but the owner learns what
 * happened. The API answers exactly as for a new address, so nobody else learns anything.
 */
export async function accountExistsEmail(trx: Trx, to: string, codeId: number, now: Date, mail: MailContext): Promise<void> {
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: 'You already have a D2C OPs account',
    heading: 'You already have an account',
    lines: [
      'Someone (hopefully you) tried to register for D2C OPs with this email address, which already has an account.',
      'Sign in with it, or use “Forgot password?” on the sign-in page to choose a new password. If the account is waiting for approval, you will be emailed when it is approved.',
      'If this was not you, you can ignore this email.',
    ],
    link: { href: '/login', label: 'Sign in' },
  });
  await enqueueEmails(trx, [{
    to, ...rendered, template: 'auth.account_exists', processId: null, entityType: 'verification_code', entityId: codeId,
  }], now);
}

/** After step 3: the registrant hears that the request waits for approval. */
export async function registrationReceivedEmail(
  trx: Trx, user: { id: number; email: string; name: string }, processId: number, processName: string, now: Date, mail: MailContext,
): Promise<void> {
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: 'Your D2C OPs registration is waiting for approval',
    heading: 'Registration received',
    lines: [
      `Hello ${user.name},`,
      `Your email address is verified and your password is set. The ${processName} operations team has your access request; you will get an email as soon as a manager or admin approves it, and then you can sign in.`,
    ],
    facts: [
      { label: 'Email', value: user.email },
      { label: 'Process', value: processName },
      { label: 'Status', value: 'Waiting for approval' },
    ],
  });
  await enqueueEmails(trx, [{
    to: user.email, ...rendered, template: 'auth.registration_received', processId, entityType: 'user', entityId: user.id,
  }], now);
}

/** After a reset: the owner is told, in case it was not them. */
export async function passwordResetEmail(trx: Trx, user: { id: number; email: string; name: string; processId: number }, now: Date, mail: MailContext): Promise<void> {
  const rendered = genericEmail({
    appUrl: mail.appUrl,
    subject: 'Your D2C OPs password was reset',
    heading: 'Your password was reset',
    lines: [
      `Hello ${user.name},`,
      'The password of your D2C OPs account was just reset with a code sent to this address. Every session that was signed in has been signed out.',
      'If this was not you, contact your administrator right away.',
    ],
    link: { href: '/login', label: 'Sign in' },
  });
  await enqueueEmails(trx, [{
    to: user.email, ...rendered, template: 'auth.password_reset', processId: user.processId, entityType: 'user', entityId: user.id,
  }], now);
}
