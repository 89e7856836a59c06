import { sign, verify } from 'hono/jwt';
import type { Role } from '../db/schema.js';

const ALG = 'HS256' as const;
export const SESSION_HOURS = 12;

export interface SessionClaims {
  userId: number;
  processId: number;
  role: Role;
  processSlug: string;
  /** Issued-at in milliseconds: compared with the user's tokens_valid_after. */
  iatMs: number;
}

export async function issueToken(claims: Omit<SessionClaims, 'iatMs'>, secret: string, now: Date): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return sign(
    { ...claims, sub: String(claims.userId), iat, iatMs: now.getTime(), exp: iat + SESSION_HOURS * 3600 },
    secret,
    ALG,
  );
}

/**
 * Tokens whose signature and shape were verified, so that a session's every request does not pay a
 * WebCrypto HMAC round trip. Only verified tokens get in; expiry is still checked on every read, and
 * revocation is the user row's tokens_valid_after, read on every request.
 */
const VERIFIED_MAX = 5_000;
const verified = new Map<string, { secret: string; claims: SessionClaims; expMs: number }>();

function remember(token: string, secret: string, claims: SessionClaims, expMs: number): void {
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value as string);
  verified.set(token, { secret, claims, expMs });
}

/**
 * Verifies signature (HS256 only), expiry against the application clock, and shape; null for
 * anything else.
 */
export async function readToken(token: string, secret: string, now: Date): Promise<SessionClaims | null> {
  const known = verified.get(token);
  if (known && known.secret === secret) return known.expMs > now.getTime() ? known.claims : null;
  try {
    const p = await verify(token, secret, { alg: ALG, exp: false, iat: false, nbf: false });
    if (typeof p.exp !== 'number' || p.exp * 1000 <= now.getTime()) return null;
    if (typeof p.userId !== 'number' || typeof p.processId !== 'number' || typeof p.iatMs !== 'number') return null;
    const claims: SessionClaims = {
      userId: p.userId,
      processId: p.processId,
      role: p.role as Role,
      processSlug: String(p.processSlug ?? ''),
      iatMs: p.iatMs,
    };
    remember(token, secret, claims, p.exp * 1000);
    return claims;
  } catch {
    return null;
  }
}
