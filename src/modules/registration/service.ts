import type { Transaction } from 'kysely';
import { recordAction } from '../../audit.js';
import { hashPassword, passwordProblem } from '../../auth/password.js';
import { clear, hit, isLimited, limitKey, LIMITS, type Limit } from '../../auth/rate-limit.js';
import { insertedId, isUniqueViolation, type Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import { conflict, rateLimited, validationFailed } from '../../errors.js';
import type { Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';
import { insertApproval } from '../approvals/service.js';
import { NAME_MAX, readEmail } from '../users/service.js';
import { retireWelcomeTokens } from '../users/tokens.js';
import {
  checkCode, CODE_SHAPE, consumeCode, emailKey, issueCode, latestCode, liveCode, PURPOSES, type CodeRow, type Purpose,
} from './codes.js';
import { accountExistsEmail, codeEmail, passwordResetEmail, registrationReceivedEmail } from './emails.js';

/**
 * Stakeholder self-registration and password recovery, both on emailed codes.
 *
 * Registration order: (1) details -> a code is emailed and the details wait with it (no account
 * yet); (2) the code is checked; (3) the code (again) and a password -> the code is used up, the
 * client account is created INACTIVE with that password, and an "access" approval is filed with
 * the registrant as submitter and subject. Approving it activates the account and emails them.
 *
 * Every answer is the same whether or not an email has an account: registering an address that
 * has one emails its owner instead of a code, a reset for an unknown address emails nobody, and a
 * code row is written in every case so later checks behave alike.
 */

type Trx = Transaction<Database>;

export interface AuthContext {
  appUrl: string;
  /** Keys the code HMACs (the JWT secret). */
  secret: string;
  ip: string | null;
  userAgent?: string | null;
}

export const PHONE_MAX = 40;
/** One code per email and purpose a minute: "Resend code" waits out this cooldown. */
export const RESEND_COOLDOWN: Limit = { max: 1, windowMs: 60_000 };

export const CODE_INVALID = 'That code is wrong or no longer valid. Check the latest email, or ask for a new code.';
const codeInvalid = () => validationFailed({ code: CODE_INVALID }, 'That code is wrong or no longer valid.');

/** Sends of codes: per email, per IP and the resend cooldown, all counted before any work. */
const cooldownKey = (purpose: Purpose, email: string) => `code-cooldown:${purpose}:${emailKey(email)}`;

async function throttleSend(db: Db, email: string, purpose: Purpose, ip: string | null, now: Date): Promise<void> {
  const cooldown = cooldownKey(purpose, email);
  const perEmail = `code-send:email:${emailKey(email)}`;
  const perIp = `code-send:ip:${ip ?? 'unknown'}`;
  if (await isLimited(db, cooldown, RESEND_COOLDOWN, now)) {
    throw rateLimited('A code was sent to this address less than a minute ago. Please wait a minute before asking for another.');
  }
  if (await isLimited(db, perEmail, LIMITS.codePerEmail, now) || await isLimited(db, perIp, LIMITS.codePerIp, now)) throw rateLimited();
  await hit(db, cooldown, RESEND_COOLDOWN, now);
  await hit(db, perEmail, LIMITS.codePerEmail, now);
  await hit(db, perIp, LIMITS.codePerIp, now);
}

/** Checks of codes: per email and per IP, counted before the code is looked at. */
async function throttleCheck(db: Db, email: string, ip: string | null, now: Date): Promise<void> {
  const perEmail = `code-check:email:${emailKey(email)}`;
  const perIp = `code-check:ip:${ip ?? 'unknown'}`;
  if (await isLimited(db, perEmail, LIMITS.codePerEmail, now) || await isLimited(db, perIp, LIMITS.codePerIp, now)) throw rateLimited();
  await hit(db, perEmail, LIMITS.codePerEmail, now);
  await hit(db, perIp, LIMITS.codePerIp, now);
}

interface RegistrationDetails {
  name: string;
  process_id: number;
  phone: string | null;
}

function readCode(f: Fields, input: Record<string, unknown>): string | null {
  const raw = input.code;
  const code = typeof raw === 'string' ? raw.replace(/\s+/g, '') : typeof raw === 'number' ? String(raw).padStart(6, '0') : '';
  if (!code) {
    f.fail('code', 'Enter the 6-digit code from the email.');
    return null;
  }
  if (!CODE_SHAPE.test(code)) {
    f.fail('code', 'The code is 6 digits.');
    return null;
  }
  return code;
}

// ---------------------------------------------------------------------------------------------
// Step 1: details

/** POST /auth/register: checks the details and emails a code (or, for a known address, a notice). */
export async function register(db: Db, input: Record<string, unknown>, now: Date, ctx: AuthContext): Promise<void> {
  const f = new Fields(input);
  const name = f.text('name', { required: true, max: NAME_MAX, label: 'Name' });
  const email = readEmail(f);
  const slug = f.text('process_slug', { required: true, max: 64, label: 'Process' });
  const phone = f.text('phone', { max: PHONE_MAX, label: 'Phone' });
  if (phone !== null && !/^\+?[0-9 ()./-]{5,40}$/.test(phone)) f.fail('phone', 'Use digits, spaces and + ( ) - only, e.g. +27 82 555 0100.');
  // The process is looked up before the check, so an unknown one is reported with the other fields.
  const process = slug ? await db.selectFrom('processes').select(['id', 'name']).where('slug', '=', slug).executeTakeFirst() : undefined;
  if (slug && !process) f.fail('process_slug', 'Choose your process from the list.');
  f.check();

  await throttleSend(db, email!, 'register', ctx.ip, now);
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('email', '=', email!).executeTakeFirst();
    const details: RegistrationDetails = { name: name!, process_id: process!.id, phone };
    const issued = await issueCode(trx, email!, 'register', existing ? null : JSON.stringify(details), now, ctx.secret);
    if (existing) await accountExistsEmail(trx, email!, issued.id, now, ctx);
    else await codeEmail(trx, email!, issued.code, 'register', issued.id, now, ctx);
  });
}

/** "Resend code": a new code for the same registration or reset; the same answer in every case. */
export async function resendCode(db: Db, input: Record<string, unknown>, now: Date, ctx: AuthContext): Promise<void> {
  const f = new Fields(input);
  const email = readEmail(f);
  const purpose = f.oneOf('purpose', PURPOSES, { required: true, label: 'Purpose' });
  f.check();
  if (purpose === 'reset') return forgotPassword(db, { email }, now, ctx, { resend: true });

  await throttleSend(db, email!, 'register', ctx.ip, now);
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('email', '=', email!).executeTakeFirst();
    const previous = existing ? undefined : await latestCode(trx, email!, 'register');
    const issued = await issueCode(trx, email!, 'register', previous?.payload ?? null, now, ctx.secret);
    if (existing) await accountExistsEmail(trx, email!, issued.id, now, ctx);
    else if (previous?.payload) await codeEmail(trx, email!, issued.code, 'register', issued.id, now, ctx);
    // No registration was started for this address: nothing to send, the same answer.
  });
}

// ---------------------------------------------------------------------------------------------
// Forgot password

/** POST /auth/forgot-password: a reset code to the account's address, if there is one. Always 202. */
export async function forgotPassword(
  db: Db, input: Record<string, unknown>, now: Date, ctx: AuthContext, opts: { resend?: boolean } = {},
): Promise<void> {
  const f = new Fields(input);
  const email = readEmail(f);
  f.check();
  // Asked again within the resend cooldown, the code sent a moment ago stands: the same answer
  // (API.md: 202 always), nothing new sent. Only "Resend code" is told to wait.
  if (!opts.resend && await isLimited(db, cooldownKey('reset', email!), RESEND_COOLDOWN, now)) return;
  await throttleSend(db, email!, 'reset', ctx.ip, now);
  await db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select('id').where('email', '=', email!).executeTakeFirst();
    const issued = await issueCode(trx, email!, 'reset', null, now, ctx.secret);
    if (user) await codeEmail(trx, email!, issued.code, 'reset', issued.id, now, ctx);
  });
}

// ---------------------------------------------------------------------------------------------
// Step 2: verify

/** A right, live code of the purpose (a registration code also needs its details), else the one 422. */
async function verified(db: Db, email: string, purpose: Purpose, code: string, now: Date, ctx: AuthContext): Promise<CodeRow> {
  await throttleCheck(db, email, ctx.ip, now);
  const row = await checkCode(db, email, purpose, code, now, ctx.secret);
  if (!row || (purpose === 'register' && !row.payload)) throw codeInvalid();
  return row;
}

/** POST /auth/verify-code: checks the code without using it up (step 2; step 3 sends it again). */
export async function verifyCode(db: Db, input: Record<string, unknown>, now: Date, ctx: AuthContext): Promise<Purpose> {
  const f = new Fields(input);
  const email = readEmail(f);
  const code = readCode(f, input);
  const purpose = f.oneOf('purpose', PURPOSES, { required: true, label: 'Purpose' });
  f.check();
  await verified(db, email!, purpose!, code!, now, ctx);
  return purpose!;
}

// ---------------------------------------------------------------------------------------------
// Step 3: password

export interface Completed {
  purpose: Purpose;
  userId: number;
  email: string;
}

/**
 * POST /auth/set-password: with a right code, finishes a registration (inactive account + access
 * request) or a reset (new password, every session signed out). `purpose` may be left out: the
 * newest live code of the address decides.
 */
export async function setPassword(db: Db, input: Record<string, unknown>, now: Date, ctx: AuthContext): Promise<Completed> {
  const f = new Fields(input);
  const email = readEmail(f);
  const code = readCode(f, input);
  const given = f.oneOf('purpose', PURPOSES, { label: 'Purpose' });
  const password = typeof input.password === 'string' ? input.password : '';
  const problem = password ? passwordProblem(password) : 'Choose a password.';
  if (problem) f.fail('password', problem);
  else if (input.confirm_password !== undefined && input.confirm_password !== password) f.fail('confirm_password', 'The two passwords do not match.');
  f.check();

  let purpose: Purpose | null = given;
  if (!purpose) {
    const [reg, reset] = await Promise.all([liveCode(db, email!, 'register', now), liveCode(db, email!, 'reset', now)]);
    const newest = [reg, reset].filter((r): r is CodeRow => r !== undefined).sort((a, b) => b.id - a.id)[0];
    purpose = (newest?.purpose as Purpose | undefined) ?? 'reset';
  }
  const row = await verified(db, email!, purpose, code!, now, ctx);
  const hash = await hashPassword(password);
  const userId = await db.transaction().execute(async (trx) => {
    if (!(await consumeCode(trx, row.id, now))) throw codeInvalid();
    return purpose === 'register'
      ? completeRegistration(trx, email!, JSON.parse(row.payload!) as RegistrationDetails, hash, now, ctx)
      : completeReset(trx, email!, hash, now, ctx);
  });
  if (purpose === 'reset') await clear(db, limitKey('login:email:', email!));
  return { purpose, userId, email: email! };
}

function registrantActor(u: { id: number; process_id: number; name: string; email: string; slug: string }, ctx: AuthContext): Actor {
  return {
    userId: u.id, processId: u.process_id, role: 'client', name: u.name, email: u.email, processSlug: u.slug, viewProcessId: null,
    ip: ctx.ip, userAgent: ctx.userAgent ?? null,
  };
}

async function completeRegistration(trx: Trx, email: string, details: RegistrationDetails, hash: string, now: Date, ctx: AuthContext): Promise<number> {
  const process = await trx.selectFrom('processes').select(['id', 'name', 'slug']).where('id', '=', details.process_id).executeTakeFirst();
  if (!process) throw codeInvalid();
  const exists = () => conflict('An account with this email address already exists. Sign in, or use “Forgot password?”.');
  if (await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()) throw exists();
  let id: number;
  try {
    id = insertedId(await trx.insertInto('users').values({
      process_id: process.id, email, name: details.name, password_hash: hash, role: 'client', is_active: false,
      phone: details.phone, must_change_password: false, tokens_valid_after: now, created_at: now, updated_at: now,
    }).executeTakeFirstOrThrow());
  } catch (err) {
    if (isUniqueViolation(err)) throw exists();
    throw err;
  }
  const actor = registrantActor({ id, process_id: process.id, name: details.name, email, slug: process.slug }, ctx);
  await recordAction(trx, actor, now, {
    action: 'user.register', entityType: 'user', entityId: id, processId: process.id,
    changes: { email, role: 'client', is_active: false }, summary: `${details.name} registered as a client stakeholder`,
  });
  await insertApproval(trx, actor, {
    processId: process.id,
    type: 'access',
    title: `Client access: ${details.name}`,
    details: [
      `${details.name} <${email}> registered as a client stakeholder of ${process.name} and verified the email address.`,
      details.phone ? `Phone: ${details.phone}` : null,
      'Approving activates the account and emails them; rejecting leaves it inactive.',
    ].filter(Boolean).join('\n'),
    submittedBy: id,
    subjectUserId: id,
  }, now, { appUrl: ctx.appUrl });
  await registrationReceivedEmail(trx, { id, email, name: details.name }, process.id, process.name, now, ctx);
  return id;
}

async function completeReset(trx: Trx, email: string, hash: string, now: Date, ctx: AuthContext): Promise<number> {
  const user = await trx.selectFrom('users').innerJoin('processes', 'processes.id', 'users.process_id')
    .select(['users.id', 'users.name', 'users.email', 'users.process_id', 'users.role', 'processes.slug'])
    .where('users.email', '=', email).executeTakeFirst();
  if (!user) throw codeInvalid();
  await trx.updateTable('users')
    .set({ password_hash: hash, must_change_password: false, tokens_valid_after: now, updated_at: now })
    .where('id', '=', user.id).execute();
  await retireWelcomeTokens(trx, user.id, now);
  await recordAction(trx, { ...registrantActor({ ...user, slug: user.slug }, ctx), role: user.role }, now, {
    action: 'user.password_reset', entityType: 'user', entityId: user.id, processId: user.process_id,
    summary: `${user.name} reset their password with an emailed code`,
  });
  await passwordResetEmail(trx, { id: user.id, email: user.email, name: user.name, processId: user.process_id }, now, ctx);
  return user.id;
}
