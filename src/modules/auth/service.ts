import type { Db } from '../../db/index.js';
import type { Role } from '../../db/schema.js';
import { DomainError, rateLimited, validationFailed, type FieldErrors } from '../../errors.js';
import { verifyPassword } from '../../auth/password.js';
import { clear, hit, isLimited, limitKey, LIMITS } from '../../auth/rate-limit.js';
import { issueToken } from '../../auth/tokens.js';

export const MAX_EMAIL_LENGTH = 254;

export interface LoginInput {
  email: unknown;
  password: unknown;
  ip: string | null;
}

export interface LoggedIn {
  token: string;
  user: { id: number; email: string; name: string; role: Role; process_id: number; process_slug: string };
  mustChangePassword: boolean;
}

export const INVALID_CREDENTIALS = 'Invalid email or password.';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function validate(input: LoginInput): { email: string; password: string } {
  const fields: FieldErrors = {};
  const email = typeof input.email === 'string' ? normaliseEmail(input.email) : '';
  const password = typeof input.password === 'string' ? input.password : '';
  if (!email) fields.email = 'Enter your email address.';
  else if (email.length > MAX_EMAIL_LENGTH) fields.email = `Use at most ${MAX_EMAIL_LENGTH} characters.`;
  if (!password) fields.password = 'Enter your password.';
  else if (password.length > 1024) fields.password = 'That password is too long.';
  if (Object.keys(fields).length) throw validationFailed(fields);
  return { email, password };
}

/**
 * Checks credentials and issues a session token. Failed attempts count against the email and the
 * IP; an unknown email and a wrong password answer the same, after the same bcrypt work.
 */
export async function login(db: Db, secret: string, input: LoginInput, now: Date): Promise<LoggedIn> {
  const { email, password } = validate(input);
  const emailKey = limitKey('login:email:', email);
  const ipKey = `login:ip:${input.ip ?? 'unknown'}`;
  if (await isLimited(db, emailKey, LIMITS.loginPerEmail, now) || await isLimited(db, ipKey, LIMITS.loginPerIp, now)) {
    throw rateLimited();
  }
  const user = await db.selectFrom('users')
    .innerJoin('processes', 'processes.id', 'users.process_id')
    .select(['users.id', 'users.email', 'users.name', 'users.role', 'users.process_id', 'users.password_hash',
      'users.is_active', 'users.must_change_password', 'processes.slug'])
    .where('users.email', '=', email)
    .executeTakeFirst();
  const ok = await verifyPassword(password, user?.password_hash ?? null);
  if (!user || !ok) {
    await hit(db, emailKey, LIMITS.loginPerEmail, now);
    await hit(db, ipKey, LIMITS.loginPerIp, now);
    throw new DomainError(401, 'unauthenticated', INVALID_CREDENTIALS);
  }
  if (!user.is_active) {
    throw new DomainError(403, 'forbidden', 'This account is not active yet. Contact your administrator.');
  }
  await clear(db, emailKey);
  await db.updateTable('users').set({ last_login_at: now }).where('id', '=', user.id).execute();
  const token = await issueToken(
    { userId: user.id, processId: user.process_id, role: user.role, processSlug: user.slug },
    secret,
    now,
  );
  return {
    token,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, process_id: user.process_id, process_slug: user.slug },
    mustChangePassword: user.must_change_password,
  };
}
