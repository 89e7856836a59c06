import type { Transaction } from 'kysely';
import { recordAction } from '../../audit.js';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/password.js';
import { affected, insertedId, isUniqueViolation, type Db, type Dialect } from '../../db/index.js';
import { ROLES, type Database, type Role } from '../../db/schema.js';
import { conflict, DomainError, forbidden, notFound, validationFailed } from '../../errors.js';
import { can, ROLE_LABELS } from '../../roles.js';
import { owningProcess, type Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';
import { LostRace, retryLostRace, whereAsRead } from '../../races.js';
import { emailChangedEmails, welcomeEmail } from './emails.js';
import { emailTaken, findUser, ownUser, type UserRow } from './queries.js';
import { consumeWelcomeToken, findWelcomeToken, issueWelcomeToken, retireWelcomeTokens, WELCOME_HOURS } from './tokens.js';

type Trx = Transaction<Database>;

export const NAME_MAX = 120;
export const EMAIL_MAX = 254;

export interface UserContext {
  appUrl: string;
  /** MariaDB locks the super admin rows while counting them; SQLite runs one writer at a time. */
  dialect: Dialect;
}

/** Roles an admin may give (Figure 5.3's dropdown); a super admin may also give super_admin. */
export const ADMIN_GRANTABLE: Role[] = ['viewer', 'operator', 'manager', 'admin', 'client'];

export function grantableRoles(actor: Actor): Role[] {
  return actor.role === 'super_admin' ? [...ADMIN_GRANTABLE, 'super_admin'] : ADMIN_GRANTABLE;
}

const EMAIL_SHAPE = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** A sign-in email: trimmed, lower case, one plausible address. */
export function readEmail(f: Fields, name = 'email', label = 'Email'): string | null {
  const raw = f.text(name, { required: true, max: EMAIL_MAX, label });
  if (raw === null) return null;
  const email = raw.toLowerCase();
  if (!EMAIL_SHAPE.test(email)) {
    f.fail(name, 'Enter a valid email address, e.g. name@example.com.');
    return null;
  }
  return email;
}

/** A true/false flag from JSON (boolean) or a form ("true"/"false", "1"/"0"). */
function readFlag(f: Fields, input: Record<string, unknown>, name: string, label: string): boolean | null {
  const raw = input[name];
  if (raw === true || raw === 'true' || raw === '1' || raw === 1) return true;
  if (raw === false || raw === 'false' || raw === '0' || raw === 0) return false;
  f.fail(name, `${label} must be true or false.`);
  return null;
}

const emailInUse = () => new DomainError(409, 'conflict', 'Another account already uses this email address.', {
  email: 'Another account already uses this email address.',
});

/** An admin acts on their own process only (scope); a super admin's account only a super admin touches. */
async function targetFor(trx: Trx | Db, actor: Actor, id: number): Promise<UserRow> {
  const target = await findUser(trx, actor, id);
  if (!target) throw notFound('User');
  if (target.role === 'super_admin' && actor.role !== 'super_admin') {
    throw forbidden('Only a super admin can change a super admin account.');
  }
  return target;
}

// ---------------------------------------------------------------------------------------------
// Add User

/**
 * An admin adds a user to their process (a super admin to any process): the account is active but
 * has no password; the Welcome email carries a single-use link to choose one.
 */
export async function createUser(db: Db, actor: Actor, input: Record<string, unknown>, now: Date, ctx: UserContext): Promise<UserRow> {
  if (!can(actor.role, 'users.manage')) throw forbidden();
  const f = new Fields(input);
  const name = f.text('name', { required: true, max: NAME_MAX, label: 'Name' });
  const email = readEmail(f);
  const role = f.oneOf('role', ROLES, { required: true, label: 'Role' });
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process this user belongs to.');
    f.check();
  }

  const id = await db.transaction().execute(async (trx) => {
    // Every problem at once: the process is looked up even when other fields are wrong.
    const process = await f.ref('process_id', processId,
      (pid) => trx.selectFrom('processes').select(['id', 'name']).where('id', '=', pid).executeTakeFirst(), 'Unknown process.');
    f.check();
    if (!grantableRoles(actor).includes(role!)) throw forbidden('Only a super admin can grant the super admin role.');
    if (await emailTaken(trx, email!)) throw emailInUse();
    let userId: number;
    try {
      userId = insertedId(await trx.insertInto('users').values({
        process_id: process!.id, email: email!, name: name!, password_hash: null, role: role!, is_active: true, phone: null,
        must_change_password: false, tokens_valid_after: now, created_at: now, updated_at: now,
      }).executeTakeFirstOrThrow());
    } catch (err) {
      if (isUniqueViolation(err)) throw emailInUse();
      throw err;
    }
    await recordAction(trx, actor, now, {
      action: 'user.create', entityType: 'user', entityId: userId, processId: process!.id,
      changes: { name, email, role }, summary: `${name} (${ROLE_LABELS[role!]})`,
    });
    const token = await issueWelcomeToken(trx, userId, now);
    await welcomeEmail(trx, { id: userId, email: email!, name: name!, role: role!, processName: process!.name }, token, WELCOME_HOURS, actor.name, now, ctx);
    return userId;
  });
  return (await findUser(db, actor, id)) ?? ownUser(db, id);
}

/** A new welcome link for a user who has not chosen a password yet; the old link stops working. */
export async function resendWelcome(db: Db, actor: Actor, id: number, now: Date, ctx: UserContext): Promise<UserRow> {
  if (!can(actor.role, 'users.manage')) throw forbidden();
  await db.transaction().execute(async (trx) => {
    const target = await targetFor(trx, actor, id);
    if (target.password_hash !== null) throw conflict(`${target.name} has already chosen a password. They can use "Forgot password?" on the sign-in page.`);
    if (!target.is_active) throw conflict(`${target.name} is deactivated. Reactivate the account first.`);
    const token = await issueWelcomeToken(trx, target.id, now);
    await welcomeEmail(trx, { id: target.id, email: target.email, name: target.name, role: target.role, processName: target.process_name },
      token, WELCOME_HOURS, actor.name, now, ctx);
    await recordAction(trx, actor, now, {
      action: 'user.welcome_resend', entityType: 'user', entityId: target.id, processId: target.process_id, summary: target.name,
    });
  });
  return (await findUser(db, actor, id))!;
}

// ---------------------------------------------------------------------------------------------
// Role, name, deactivation

interface Patch {
  name?: string;
  role?: Role;
  is_active?: boolean;
}

function readPatch(input: Record<string, unknown>): Patch {
  const f = new Fields(input);
  const patch: Patch = {};
  if (f.has('name')) {
    const n = f.text('name', { required: true, max: NAME_MAX, label: 'Name' });
    if (n !== null) patch.name = n;
  }
  if (f.has('role')) {
    const r = f.oneOf('role', ROLES, { required: true, label: 'Role' });
    if (r !== null) patch.role = r;
  }
  if (f.has('is_active')) {
    const a = readFlag(f, input, 'is_active', 'Active');
    if (a !== null) patch.is_active = a;
  }
  f.check();
  return patch;
}

/**
 * The other active super admins, locked on MariaDB until the transaction ends so two super admins
 * demoting each other at once cannot leave none.
 */
async function otherActiveSuperAdmins(trx: Trx, exceptId: number, dialect: Dialect): Promise<number> {
  let q = trx.selectFrom('users').select('id').where('role', '=', 'super_admin').where('is_active', '=', true);
  if (dialect === 'mysql') q = q.forUpdate();
  const rows = await q.execute();
  return rows.filter((r) => r.id !== exceptId).length;
}

/**
 * Changes any of name, role and active state. Role changes and deactivation take effect on the
 * user's next request (sessions issued before are refused). Rules: an admin manages their own
 * process up to admin; only a super admin grants or changes super_admin; nobody changes their own
 * role or deactivates themselves; the last active super admin stays.
 */
export async function updateUser(db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date, ctx: UserContext): Promise<UserRow> {
  if (!can(actor.role, 'users.manage')) throw forbidden();
  const patch = readPatch(input);
  // Lost to a change at the same moment: tried again on what won (the same role or state asked for
  // again is then the no-op it is on its own, not a second audit entry or a 409).
  await retryLostRace('This user changed meanwhile. Reload and try again.', () => applyUserPatch(db, actor, id, patch, now, ctx));
  return (await findUser(db, actor, id))!;
}

async function applyUserPatch(db: Db, actor: Actor, id: number, patch: ReturnType<typeof readPatch>, now: Date, ctx: UserContext): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const target = await targetFor(trx, actor, id);
    const set: Record<string, unknown> = {};
    const changes: Record<string, [unknown, unknown]> = {};
    const self = target.id === actor.userId;
    const roleChanges = patch.role !== undefined && patch.role !== target.role;
    const activeChanges = patch.is_active !== undefined && patch.is_active !== target.is_active;

    if (roleChanges && !grantableRoles(actor).includes(patch.role!)) {
      throw forbidden('Only a super admin can grant the super admin role.');
    }
    const losesSuperAdmin = target.role === 'super_admin' && target.is_active
      && ((roleChanges && patch.role !== 'super_admin') || (activeChanges && patch.is_active === false));
    if (losesSuperAdmin && (await otherActiveSuperAdmins(trx, target.id, ctx.dialect)) === 0) {
      throw conflict('This is the last active super admin: demoting or deactivating it would lock everyone out of the platform. Make another super admin first.');
    }
    if (self && roleChanges) throw conflict('You cannot change your own role. Ask another admin.');
    if (self && activeChanges) throw conflict('You cannot deactivate your own account. Ask another admin.');

    if (patch.name !== undefined && patch.name !== target.name) {
      set.name = patch.name;
      changes.name = [target.name, patch.name];
    }
    if (roleChanges) {
      set.role = patch.role;
      changes.role = [target.role, patch.role];
    }
    if (activeChanges) {
      set.is_active = patch.is_active;
      changes.is_active = [target.is_active, patch.is_active];
    }
    if (Object.keys(set).length === 0) return;
    // Sessions issued before a role change or a deactivation are refused from the next request on.
    if (roleChanges || activeChanges) set.tokens_valid_after = now;
    const res = await whereAsRead(trx.updateTable('users').set({ ...set, updated_at: now })
      .where('id', '=', target.id).where('role', '=', target.role), target, Object.keys(changes))
      .executeTakeFirst();
    if (affected(res) === 0) throw new LostRace();

    const entry = { entityType: 'user', entityId: target.id, processId: target.process_id };
    if (activeChanges) {
      await recordAction(trx, actor, now, {
        ...entry, action: patch.is_active ? 'user.activate' : 'user.deactivate', changes: { is_active: changes.is_active }, summary: target.name,
      });
    }
    if (roleChanges) {
      await recordAction(trx, actor, now, {
        ...entry, action: 'user.role_change', changes: { role: changes.role },
        summary: `${target.name}: ${ROLE_LABELS[target.role]} → ${ROLE_LABELS[patch.role!]}`,
      });
    }
    if (changes.name) {
      await recordAction(trx, actor, now, { ...entry, action: 'user.update', changes: { name: changes.name }, summary: patch.name! });
    }
  });
}

/** The signed-in user renames themself. */
export async function updateOwnName(db: Db, actor: Actor, input: Record<string, unknown>, now: Date): Promise<UserRow> {
  const f = new Fields(input);
  const name = f.text('name', { required: true, max: NAME_MAX, label: 'Name' });
  f.check();
  await db.transaction().execute(async (trx) => {
    const me = await ownUser(trx, actor.userId);
    if (me.name === name) return;
    await trx.updateTable('users').set({ name: name!, updated_at: now }).where('id', '=', actor.userId).execute();
    await recordAction(trx, actor, now, {
      action: 'user.update', entityType: 'user', entityId: actor.userId, processId: actor.processId,
      changes: { name: [me.name, name] }, summary: name!,
    });
  });
  return ownUser(db, actor.userId);
}

// ---------------------------------------------------------------------------------------------
// Email change

export interface EmailChangeOptions {
  /** The signed-in user changing their own address on the profile page confirms with their password. */
  requireCurrentPassword?: boolean;
}

/**
 * Changes a user's sign-in email (admin+ within reach, or the user themself). The address must be
 * unused by any account; the Email Changed mail goes to the old and the new address.
 */
export async function changeEmail(
  db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date, ctx: UserContext, opts: EmailChangeOptions = {},
): Promise<UserRow> {
  const self = id === actor.userId;
  if (!self && !can(actor.role, 'users.manage')) throw forbidden();
  const f = new Fields(input);
  const email = readEmail(f);
  const current = typeof input.current_password === 'string' ? input.current_password : '';
  if (self && opts.requireCurrentPassword && !current) f.fail('current_password', 'Enter your current password to confirm.');
  f.check();

  if (self && (opts.requireCurrentPassword || current)) {
    const me = await db.selectFrom('users').select('password_hash').where('id', '=', actor.userId).executeTakeFirstOrThrow();
    if (!(await verifyPassword(current, me.password_hash))) throw validationFailed({ current_password: 'That is not your current password.' });
  }

  // Lost to a change at the same moment: tried again on what won (the same address asked for again
  // is then a no-op, not a second audit entry and a second pair of emails).
  await retryLostRace('This user changed meanwhile. Reload and try again.', () => db.transaction().execute(async (trx) => {
    const target = self ? await ownUser(trx, actor.userId) : await targetFor(trx, actor, id);
    if (target.email === email) return;
    if (await emailTaken(trx, email!, target.id)) throw emailInUse();
    try {
      const res = await trx.updateTable('users').set({ email: email!, updated_at: now })
        .where('id', '=', target.id).where('email', '=', target.email).executeTakeFirst();
      if (affected(res) === 0) throw new LostRace();
    } catch (err) {
      if (isUniqueViolation(err)) throw emailInUse();
      throw err;
    }
    await recordAction(trx, actor, now, {
      action: 'user.email_change', entityType: 'user', entityId: target.id, processId: target.process_id,
      changes: { email: [target.email, email] }, summary: target.name,
    });
    await emailChangedEmails(trx, { id: target.id, name: target.name, processId: target.process_id }, target.email, email!,
      { name: actor.name, self }, now, ctx);
  }));
  return self ? ownUser(db, actor.userId) : (await findUser(db, actor, id))!;
}

// ---------------------------------------------------------------------------------------------
// Welcome link: choose a password

export interface WelcomeInput {
  password?: unknown;
  confirm_password?: unknown;
}

/**
 * Sets the password of the welcome link's user and uses the link up (every other open link of the
 * user too). A used, expired or unknown link answers 404. Returns the email to sign in with.
 */
export async function setPasswordWithWelcome(db: Db, token: string, input: WelcomeInput, now: Date): Promise<{ email: string }> {
  const found = await findWelcomeToken(db, token, now);
  if (!found) throw notFound('Set-password link');
  const f = new Fields(input as Record<string, unknown>);
  const password = typeof input.password === 'string' ? input.password : '';
  const confirm = typeof input.confirm_password === 'string' ? input.confirm_password : '';
  const problem = password ? passwordProblem(password) : 'Choose a password.';
  if (problem) f.fail('password', problem);
  else if (input.confirm_password !== undefined && confirm !== password) f.fail('confirm_password', 'The two passwords do not match.');
  f.check();
  const hash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    if (!(await consumeWelcomeToken(trx, found.id, now))) throw notFound('Set-password link');
    await trx.updateTable('users')
      .set({ password_hash: hash, must_change_password: false, tokens_valid_after: now, updated_at: now })
      .where('id', '=', found.user_id).execute();
    await retireWelcomeTokens(trx, found.user_id, now, true);
    const me = await ownUser(trx, found.user_id);
    await recordAction(trx, {
      userId: me.id, processId: me.process_id, role: me.role, name: me.name, email: me.email, processSlug: me.process_slug, viewProcessId: null,
    }, now, {
      action: 'user.password_set', entityType: 'user', entityId: me.id, processId: me.process_id, summary: `${me.name} chose a password (welcome link)`,
    });
  });
  return { email: found.email };
}
