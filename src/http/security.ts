import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { forbidden } from '../errors.js';
import type { AppEnv } from './env.js';

/**
 * Security headers. Alpine's standard build evaluates expressions, so scripts need 'unsafe-eval';
 * inline scripts stay forbidden, which is what stops injected markup from running.
 */
export function securityHeaders(production: boolean): MiddlewareHandler<AppEnv> {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-eval'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    referrerPolicy: 'strict-origin-when-cross-origin',
    strictTransportSecurity: production ? 'max-age=31536000; includeSubDomains' : false,
    xFrameOptions: 'DENY',
    crossOriginEmbedderPolicy: false,
  });
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-origin protection for cookie-authenticated writes, as Go's CrossOriginProtection does it:
 * a state-changing request from a browser carries Sec-Fetch-Site or Origin; it must say same-origin
 * (or the configured APP_URL). Requests with neither header come from non-browser clients, which
 * cannot ride a victim's cookies. Bearer-token API calls are not exposed to CSRF at all.
 */
export function crossOriginProtection(appUrl: string): MiddlewareHandler<AppEnv> {
  const appOrigin = new URL(appUrl).origin;
  return async (c, next) => {
    if (SAFE.has(c.req.method)) return next();
    if (c.req.header('authorization')?.toLowerCase().startsWith('bearer ')) return next();
    if (c.req.path.startsWith('/api/v1/alerts/')) return next();
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    if (site) {
      if (site === 'same-origin' || site === 'none') return next();
      if (origin && (origin === appOrigin || origin === new URL(c.req.url).origin)) return next();
      throw forbidden('Cross-site request refused.');
    }
    if (origin === undefined) return next();
    if (origin === appOrigin || origin === new URL(c.req.url).origin) return next();
    throw forbidden('Cross-site request refused.');
  };
}
