import { randomUUID } from 'node:crypto';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { sql } from 'kysely';
import { ErrorPage } from '../views/errors/ErrorPage.js';
import { session } from './auth/session.js';
import type { Deps } from './deps.js';
import { DomainError } from './errors.js';
import { apiError } from './http/api.js';
import { vendorAssets } from './http/assets.js';
import { isApi, type AppEnv, type Ctx } from './http/env.js';
import { Metrics, ownMetrics, renderMetrics, type MetricsCollector } from './http/metrics.js';
import { asciiJson, renderPage } from './http/render.js';
import { crossOriginProtection, securityHeaders } from './http/security.js';
import { accountApi, accountPages } from './modules/account/routes.js';
import { authApi, authPages } from './modules/auth/routes.js';
import { dashboardApi, dashboardPages } from './modules/dashboard/routes.js';
import { incidentApi, incidentPages } from './modules/incidents/routes.js';
import { emailLogApi, emailLogPages } from './modules/email-log/routes.js';
import { approvalApi, approvalPages } from './modules/approvals/routes.js';
import { handoverApi, handoverPages } from './modules/handovers/routes.js';
import { ticketApi, ticketPages } from './modules/tickets/routes.js';
import { downtimeApi, downtimePages } from './modules/downtime/routes.js';
import { oncallApi, oncallPages } from './modules/oncall/routes.js';
import { aiApi, aiPages } from './modules/ai/routes.js';
import { integrationApi, integrationPages } from './modules/integrations/routes.js';
import { alertApi } from './modules/alerts/routes.js';
import { userApi, userPages } from './modules/users/routes.js';
import { registrationApi, registrationPages } from './modules/registration/routes.js';
import { notificationApi, notificationPages } from './modules/notifications/routes.js';
import { reportingApi, reportingPages } from './modules/reporting/routes.js';
import { auditLogApi, auditLogPages } from './modules/audit-log/routes.js';
import { activityApi, activityPages } from './modules/activity/routes.js';
import { escalationApi, escalationPages } from './modules/escalations/routes.js';
import { automationApi, automationPages } from './modules/automation/routes.js';

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Paths that carry a credential: an integration's alert key and a calendar feed's token. Logs keep
 * everything else of the path and a redacted stand-in for the secret.
 */
const SECRET_PATHS: [RegExp, string][] = [
  [/^(\/api\/v1\/alerts\/)[^/]+/, '$1[redacted]'],
  [/^(\/oncall\/ical\/)[^/]+?(\.ics)?$/, '$1[redacted]$2'],
];

/** The request path as the request log writes it, secrets redacted. */
export function loggedPath(path: string): string {
  for (const [re, replacement] of SECRET_PATHS) if (re.test(path)) return path.replace(re, replacement);
  return path;
}

function renderError(c: Ctx, err: DomainError) {
  if (isApi(c)) return apiError(c, err);
  if (c.req.header('hx-request')) {
    c.header('HX-Trigger', asciiJson({ toast: { kind: 'error', message: err.message } }));
    return c.body(null, err.status);
  }
  const status = err.status === 401 ? 401 : err.status;
  return renderPage(c, <ErrorPage status={status} message={err.message} />, status as 403 | 404);
}

export interface AppOptions {
  /** This process's counters (created here when not given). */
  metrics?: Metrics;
  /** What /metrics shows: this process's figures (the default) or a whole cluster's. */
  collectMetrics?: MetricsCollector;
}

export function createApp(deps: Deps, opts: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const metrics = opts.metrics ?? new Metrics();
  const collectMetrics = opts.collectMetrics ?? ownMetrics;

  app.use('*', async (c, next) => {
    const started = performance.now();
    c.set('deps', deps);
    c.set('requestId', c.req.header('x-request-id')?.slice(0, 64) || randomUUID());
    await next();
    const ms = performance.now() - started;
    metrics.observe(c.req.method, c.res.status, ms);
    if (!c.req.path.startsWith('/public/') && !c.req.path.startsWith('/vendor/')) {
      deps.log.info('request', {
        id: c.get('requestId'), method: c.req.method, path: loggedPath(c.req.path), status: c.res.status, ms: Math.round(ms * 10) / 10,
        user: c.get('actor')?.userId,
      });
    }
  });
  app.use('*', securityHeaders(deps.config.env === 'production'));

  app.use('/public/*', serveStatic({ root: './' }));
  app.route('/', vendorAssets());

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await sql`select 1`.execute(deps.db);
      return c.json({ status: 'ready', database: deps.dialect });
    } catch (e) {
      // The reason goes to the log, not to whoever asks (the endpoint needs no sign-in).
      deps.log.error('readiness check failed', { error: (e as Error).message });
      return c.json({ status: 'unavailable', database: deps.dialect }, 503);
    }
  });
  app.get('/metrics', async (c) => c.text(renderMetrics(await collectMetrics(metrics)), 200, { 'Content-Type': 'text/plain; version=0.0.4' }));

  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => {
      // The rest of the body is not read: the connection cannot carry another request.
      c.header('Connection', 'close');
      return apiError(c as Ctx, new DomainError(413, 'payload_too_large', 'The request body is larger than 1 MB.'));
    },
  });
  // A GET or HEAD has no body to limit, and looking for one makes the Node adapter build a whole web
  // Request: skip them.
  app.use('*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));
  app.use('*', session);
  app.use('*', crossOriginProtection(deps.config.appUrl));

  app.route('/', authPages);
  app.route('/', accountPages);
  app.route('/', dashboardPages);
  app.route('/', incidentPages);
  app.route('/', emailLogPages);
  app.route('/', approvalPages);
  app.route('/', handoverPages);
  app.route('/', ticketPages);
  app.route('/', downtimePages);
  app.route('/', oncallPages);
  app.route('/', aiPages);
  app.route('/', integrationPages);
  app.route('/', registrationPages);
  app.route('/', userPages);
  app.route('/', notificationPages);
  app.route('/', reportingPages);
  app.route('/', auditLogPages);
  app.route('/', activityPages);
  app.route('/', escalationPages);
  app.route('/', automationPages);

  const api = new Hono<AppEnv>();
  api.route('/', authApi);
  api.route('/', accountApi);
  api.route('/', dashboardApi);
  api.route('/', incidentApi);
  api.route('/', emailLogApi);
  api.route('/', approvalApi);
  api.route('/', handoverApi);
  api.route('/', ticketApi);
  api.route('/', downtimeApi);
  api.route('/', aiApi);
  api.route('/', oncallApi);
  api.route('/', integrationApi);
  api.route('/', alertApi);
  api.route('/', registrationApi);
  api.route('/', userApi);
  api.route('/', notificationApi);
  api.route('/', reportingApi);
  api.route('/', auditLogApi);
  api.route('/', activityApi);
  api.route('/', escalationApi);
  api.route('/', automationApi);
  app.route('/api/v1', api);

  app.notFound((c) => renderError(c as Ctx, new DomainError(404, 'not_found', 'There is nothing at this address.')));
  app.onError((err, c) => {
    if (err instanceof DomainError) return renderError(c as Ctx, err);
    deps.log.error('unhandled error', { id: c.get('requestId'), path: loggedPath(c.req.path), error: err.stack ?? String(err) });
    if (isApi(c as Ctx)) return c.json({ error: { code: 'internal', message: 'Something went wrong on our side.' } }, 500);
    return c.html('<!DOCTYPE html><h1>Something went wrong</h1><p>The error was logged.</p>', 500);
  });
  return app;
}
