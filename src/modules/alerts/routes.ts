import { Hono } from 'hono';
import { clientIp } from '../../auth/session.js';
import { hit, isLimited, type Limit } from '../../auth/rate-limit.js';
import { DomainError, notFound } from '../../errors.js';
import { readJson } from '../../http/api.js';
import type { AppEnv } from '../../http/env.js';
import { findIntegrationByKey, type IntegrationKind } from '../integrations/queries.js';
import { parseAlertPayload } from './parse.js';
import { ingestAlerts } from './service.js';

/**
 * `POST /api/v1/alerts/<key>`: monitoring posts here; the key is the credential. Order of answers:
 * 413 (body over 1 MB, the app's body limit), 404 (unknown key), 403 (integration paused), 429 (over
 * the per-integration limit), 400 (not JSON), 422 (not a payload of the integration's kind), 202.
 */

/** Requests per integration key and minute. Counted in the database, so it holds across instances. */
export const ALERT_LIMIT: Limit = { max: 120, windowMs: 60_000 };

const KEY_SHAPE = /^[A-Za-z0-9_-]{16,64}$/;

export const alertApi = new Hono<AppEnv>();

alertApi.post('/alerts/:key', async (c) => {
  const { db, clock, config } = c.get('deps');
  const now = clock();
  const key = c.req.param('key');
  const integration = KEY_SHAPE.test(key) ? await findIntegrationByKey(db, key) : undefined;
  if (!integration) throw notFound('Integration');
  if (!integration.is_active) {
    // API.md has one code per status: a 403 is `forbidden`, whatever the reason in the message.
    throw new DomainError(403, 'forbidden', 'This integration is paused: an admin can resume it on the Integrations page.');
  }
  // Counted first, then checked, so concurrent requests cannot all slip under the limit.
  const bucket = `alerts:integration:${integration.id}`;
  await hit(db, bucket, ALERT_LIMIT, now);
  if (await isLimited(db, bucket, { ...ALERT_LIMIT, max: ALERT_LIMIT.max + 1 }, now)) {
    c.header('Retry-After', String(Math.ceil(ALERT_LIMIT.windowMs / 1000)));
    throw new DomainError(429, 'rate_limited', `Too many alerts: at most ${ALERT_LIMIT.max} requests a minute per integration. Try again in a minute.`);
  }
  const body = await readJson(c);
  const alerts = parseAlertPayload(integration.kind as IntegrationKind, body);
  const result = await ingestAlerts(db, integration, alerts, now, { appUrl: config.appUrl }, { ip: clientIp(c) });
  return c.json(result, 202);
});
