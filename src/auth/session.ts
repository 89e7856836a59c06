import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { MiddlewareHandler } from 'hono';
import { createQueryId, type CompiledQuery } from 'kysely';
import type { Config } from '../config.js';
import type { Db } from '../db/index.js';
import { forbidden, unauthenticated, validationFailed } from '../errors.js';
import { isApi, type AppEnv, type Ctx } from '../http/env.js';
import { can, type Permission } from '../roles.js';
import type { Actor } from '../tenancy.js';
import { readToken, SESSION_HOURS } from './tokens.js';

const VIEW_COOKIE = 'd2c_view';
/** In production the cookie carries the __Host- prefix (Secure, no Domain, Path=/). */
const SESSION_COOKIE = 'd2c_session';
const prefixFor = (config: Config) => (config.env === 'production' ? ('host' as const) : undefined);

export function setSessionCookie(c: Ctx, token: string): void {
  const { config } = c.get('deps');
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: config.env === 'production',
    path: '/',
    maxAge: SESSION_HOURS * 3600,
    prefix: prefixFor(config),
  });
}

export function clearSessionCookie(c: Ctx): void {
  const { config } = c.get('deps');
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: config.env === 'production', prefix: prefixFor(config) });
  deleteCookie(c, VIEW_COOKIE, { path: '/' });
}

export function setViewCookie(c: Ctx, slug: string | null): void {
  if (!slug) deleteCookie(c, VIEW_COOKIE, { path: '/' });
  else setCookie(c, VIEW_COOKIE, slug, { path: '/', sameSite: 'Lax', httpOnly: true, secure: c.get('deps').config.env === 'production' });
}

function bearer(c: Ctx): string | null {
  const h = c.req.header('authorization');
  if (!h) return null;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1] : null;
}

export function clientIp(c: Ctx): string | null {
  const { config } = c.get('deps');
  if (config.trustProxy) {
    const fwd = c.req.header('x-forwarded-for');
    if (fwd) return fwd.split(',')[0].trim().slice(0, 64);
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? null;
}

async function resolveView(db: Db, slug: string | undefined): Promise<number | null> {
  if (!slug) return null;
  const p = await db.selectFrom('processes').select('id').where('slug', '=', slug).executeTakeFirst();
  return p?.id ?? null;
}

function sessionUserQuery(db: Db, userId: number, issuedAtMs: number) {
  return db.selectFrom('users')
    .innerJoin('processes', 'processes.id', 'users.process_id')
    .select(['users.id', 'users.email', 'users.name', 'users.role', 'users.process_id', 'users.is_active',
      'users.tokens_valid_after', 'users.must_change_password', 'processes.slug'])
    .select((eb) => eb.exists(eb.selectFrom('revoked_tokens').select('revoked_tokens.user_id')
      .whereRef('revoked_tokens.user_id', '=', 'users.id')
      .where('revoked_tokens.issued_at_ms', '=', issuedAtMs)).as('signed_out'))
    .where('users.id', '=', userId);
}

type SessionUser = Awaited<ReturnType<ReturnType<typeof sessionUserQuery>['executeTakeFirst']>>;

// Stand-ins for the two values while the statement is compiled; no id or instant is negative.
const USER_ID = -1;
const ISSUED_AT = -2;
const compiledSessionQueries = new WeakMap<Db, CompiledQuery>();

/**
 * The signed-in user as every request reads it, with whether this token was signed out (one
 * statement; the benchmarks replay it). The statement differs between requests only in its two
 * values, so it is built and compiled once per database and run with the request's values
 * (building and compiling it anew was about 20 µs of every signed-in request).
 */
export async function findSessionUser(db: Db, userId: number, issuedAtMs: number): Promise<SessionUser> {
  let compiled = compiledSessionQueries.get(db);
  if (!compiled) {
    compiled = sessionUserQuery(db, USER_ID, ISSUED_AT).compile();
    if (compiled.parameters.length !== 2 || !compiled.parameters.includes(USER_ID) || !compiled.parameters.includes(ISSUED_AT)) {
      throw new Error('the session statement has other parameters than the user id and the issue time');
    }
    compiledSessionQueries.set(db, compiled);
  }
  const parameters = compiled.parameters.map((p) => (p === USER_ID ? userId : issuedAtMs));
  const result = await db.executeQuery<NonNullable<SessionUser>>({ ...compiled, parameters, queryId: createQueryId() });
  return result.rows[0];
}

/** The session token a request carries: the Bearer header first, else the session cookie. */
export function sessionToken(c: Ctx): string | null {
  return bearer(c) ?? getCookie(c, SESSION_COOKIE, prefixFor(c.get('deps').config)) ?? null;
}

/**
 * Ends the session of the token the request carries, so that a copy of it (a saved cookie, a
 * leaked header) opens nothing any more. Other sessions of the user stay signed in; rows of
 * tokens that have expired meanwhile are deleted.
 */
export async function revokeSessionToken(c: Ctx): Promise<void> {
  const { config, db, clock } = c.get('deps');
  const token = sessionToken(c);
  const now = clock();
  const claims = token ? await readToken(token, config.jwtSecret, now) : null;
  if (!claims) return;
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('revoked_tokens').where('expires_at', '<', now).execute();
    await trx.insertInto('revoked_tokens')
      .values({ user_id: claims.userId, issued_at_ms: claims.iatMs, expires_at: new Date(claims.iatMs + SESSION_HOURS * 3_600_000) })
      .orIgnore()
      .execute();
  });
}

/**
 * Loads the actor from the Bearer token or the session cookie. The user row is read on every
 * request, so deactivation, role changes and revoked tokens count at once.
 */
export async function loadActor(c: Ctx): Promise<Actor | null> {
  const { config, db, clock } = c.get('deps');
  const token = sessionToken(c);
  if (!token) return null;
  const claims = await readToken(token, config.jwtSecret, clock());
  if (!claims) return null;
  const user = await findSessionUser(db, claims.userId, claims.iatMs);
  if (!user || !user.is_active || Number(user.signed_out)) return null;
  if (claims.iatMs < user.tokens_valid_after.getTime()) return null;
  let viewProcessId: number | null = null;
  if (user.role === 'super_admin') {
    const asked = isApi(c) ? c.req.query('process') : getCookie(c, VIEW_COOKIE);
    // "all" is every process, as with no ?process= at all (the reports' links spell it out).
    const slug = asked === 'all' ? undefined : asked;
    viewProcessId = await resolveView(db, slug);
    // An API caller who names a process that does not exist gets told (as the reports and audit log
    // always did), not every process's data.
    if (slug && viewProcessId === null && isApi(c)) throw validationFailed({ process: 'Unknown process.' });
  }
  return {
    userId: user.id,
    processId: user.process_id,
    role: user.role,
    name: user.name,
    email: user.email,
    processSlug: user.slug,
    viewProcessId,
    mustChangePassword: user.must_change_password,
    ip: clientIp(c),
    userAgent: c.req.header('user-agent') ?? null,
  };
}

export const session: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('actor', await loadActor(c));
  await next();
};

const PASSWORD_PAGE = '/account/password';
const API_PASSWORD_PATH = '/api/v1/me/password';
const OPEN_TO_DEFAULT_PASSWORD = new Set(['GET /api/v1/me', `POST ${API_PASSWORD_PATH}`, 'POST /api/v1/auth/logout']);

/**
 * Signed in, or 401 (API) / redirect to the sign-in page (pages). An account that must change its
 * password (demo accounts in production) can open nothing else until it has, on pages or the API.
 */
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const actor = c.get('actor');
  // The API holds the same line: a default password (published in the README) opens only GET /me,
  // the password change itself and signing out until it is changed.
  if (actor?.mustChangePassword && isApi(c) && !OPEN_TO_DEFAULT_PASSWORD.has(`${c.req.method} ${c.req.path}`)) {
    throw forbidden(`This account still has its default password: choose a new one first (POST ${API_PASSWORD_PATH} or ${PASSWORD_PAGE}).`);
  }
  if (actor?.mustChangePassword && !isApi(c) && c.req.path !== PASSWORD_PAGE) {
    if (c.req.header('hx-request')) {
      c.header('HX-Redirect', PASSWORD_PAGE);
      return c.body(null, 403);
    }
    return c.redirect(PASSWORD_PAGE, 302);
  }
  if (actor) return next();
  if (isApi(c)) throw unauthenticated();
  const wanted = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : '/';
  if (c.req.header('hx-request')) {
    c.header('HX-Redirect', '/login');
    return c.body(null, 401);
  }
  return c.redirect(`/login?next=${encodeURIComponent(wanted)}`, 302);
};

/** The one access check: the actor's role must have the permission, else 403. */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const actor = c.get('actor');
    if (!actor) throw unauthenticated();
    if (!can(actor.role, permission)) throw forbidden('Your role does not have access to this.');
    await next();
  };
}
