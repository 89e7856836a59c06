import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { IntegrationCreated, IntegrationForm } from '../../../views/integrations/IntegrationForm.js';
import { IntegrationList, IntegrationRowView } from '../../../views/integrations/IntegrationList.js';
import { IntegrationsPage } from '../../../views/integrations/IntegrationsPage.js';
import { DeliveryList, DeliveryRowView, SecretPanel, TestWebhookForm } from '../../../views/integrations/Webhooks.js';
import { AppShell } from '../../../views/layout/AppShell.js';
import { Modal } from '../../../views/components/Modal.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { badRequest, DomainError, notFound, validationFailed } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps } from '../../http/render.js';
import { decodeCursor, page, parseLimit, type Cursor } from '../../pagination.js';
import { processFilter } from '../../tenancy.js';
import {
  findDelivery, isDeliveryStatus, listDeliveries, retryDelivery, sendTestWebhook, serializeDelivery, type DeliveryFilters,
} from '../../webhooks/deliveries.js';
import { rotateSigningSecret, signingSecret, type SigningSecret } from '../../webhooks/signing.js';
import { findIntegration, listIntegrations } from './queries.js';
import { serializeIntegration } from './serialize.js';
import { createIntegration, deleteIntegration, rotateIntegrationKey, updateIntegration } from './service.js';

/**
 * The Integrations page (admin+): inbound integrations (alert URLs), the outbound webhook signing
 * secret, "Send test webhook" and the webhook delivery log; and their JSON twins under /api/v1.
 */

const INTEGRATIONS_PAGE = 200;
const DELIVERY_PAGE = 25;

function parseId(raw: string, what = 'Integration'): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound(what);
  return Number(raw);
}

function deliveryFilters(c: Ctx, strict: boolean): DeliveryFilters {
  const status = c.req.query('status');
  if (!status) return {};
  if (isDeliveryStatus(status)) return { status };
  if (strict) throw badRequest('status must be queued, sending, sent, retrying, failed or bounced.');
  return {};
}

function lenientCursor(raw: string | undefined): Cursor | null {
  try {
    return decodeCursor(raw);
  } catch {
    return null;
  }
}

/** super_admin viewing every process picks one in forms; everyone else works in their own. */
async function processChoices(c: Ctx) {
  const actor = actorOf(c);
  if (actor.role !== 'super_admin' || processFilter(actor) !== null) return undefined;
  return c.get('deps').db.selectFrom('processes').select(['id', 'name']).orderBy('name').execute();
}

async function secretOf(c: Ctx): Promise<{ secret: SigningSecret | null; tz: string }> {
  const { db, clock } = c.get('deps');
  const pid = processFilter(actorOf(c));
  if (pid === null) return { secret: null, tz: 'UTC' };
  const p = await db.selectFrom('processes').select('timezone').where('id', '=', pid).executeTakeFirst();
  return { secret: await signingSecret(db, pid, clock()), tz: p?.timezone ?? 'UTC' };
}

async function integrationListProps(c: Ctx) {
  const { db, config } = c.get('deps');
  const actor = actorOf(c);
  const rows = await listIntegrations(db, actor, null, INTEGRATIONS_PAGE);
  return { actor, rows: rows.slice(0, INTEGRATIONS_PAGE), appUrl: config.appUrl };
}

async function deliveryListProps(c: Ctx) {
  const actor = actorOf(c);
  const filters = deliveryFilters(c, false);
  const rows = await listDeliveries(c.get('deps').db, actor, filters, lenientCursor(c.req.query('cursor')), DELIVERY_PAGE);
  const { items, next } = page(rows, DELIVERY_PAGE, (r) => ({ at: r.created_at, id: r.id }));
  return { actor, rows: items, next, filters, query: filters.status ? `status=${filters.status}` : '' };
}

async function fullPage(c: Ctx, test: { values?: Record<string, string>; errors?: Record<string, string>; error?: string } = {}, status: 200 | 422 = 200) {
  const { secret, tz } = await secretOf(c);
  return renderPage(c, (
    <IntegrationsPage
      shell={await shellProps(c, 'Integrations')}
      appUrl={c.get('deps').config.appUrl}
      list={await integrationListProps(c)}
      secret={secret}
      secretTz={tz}
      test={{ processes: await processChoices(c), ...test }}
      deliveries={await deliveryListProps(c)}
    />
  ), status);
}

/** A form or modal outside htmx (no JavaScript): the same content in a page. */
async function standalone(c: Ctx, title: string, body: Child, status: 200 | 422 = 200) {
  return renderPage(c, (
    <AppShell {...await shellProps(c, title)}>
      <a href="/integrations" class="mb-3 inline-block text-sm text-teal hover:underline">← Integrations</a>
      <div class="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{body}</div>
    </AppShell>
  ), status);
}

/**
 * The toast (and events) for htmx, like render.ts's toast(), but safe for any text: header values
 * must be Latin-1, so everything else travels as JSON \u escapes (names may be “quoted” or Łódź).
 */
function toast(c: Ctx, message: string, events: string[] = []): void {
  const payload: Record<string, unknown> = { toast: { message, kind: 'success' } };
  for (const e of events) payload[e] = true;
  c.header('HX-Trigger', JSON.stringify(payload).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

function isFormError(err: unknown): err is DomainError {
  return err instanceof DomainError && err.status === 422;
}

export const integrationPages = new Hono<AppEnv>();
integrationPages.use('/integrations', requireAuth, requirePermission('integrations.manage'));
integrationPages.use('/integrations/*', requireAuth, requirePermission('integrations.manage'));

integrationPages.get('/integrations', async (c) => {
  if (isHtmx(c) && htmxTarget(c) === 'integration-list') return c.html(<IntegrationList {...await integrationListProps(c)} />);
  if (isHtmx(c) && htmxTarget(c) === 'delivery-list') return c.html(<DeliveryList {...await deliveryListProps(c)} />);
  return fullPage(c);
});

integrationPages.get('/integrations/deliveries', async (c) => {
  if (isHtmx(c)) return c.html(<DeliveryList {...await deliveryListProps(c)} />);
  return fullPage(c);
});

integrationPages.get('/integrations/new', async (c) => {
  const form = <IntegrationForm processes={await processChoices(c)} />;
  if (isHtmx(c)) return c.html(<Modal title="New Integration">{form}</Modal>);
  return standalone(c, 'New Integration', form);
});

integrationPages.post('/integrations', async (c) => {
  const { db, clock, config } = c.get('deps');
  const form = await readForm(c);
  try {
    const created = await createIntegration(db, actorOf(c), form, clock());
    if (isHtmx(c)) {
      toast(c, `Integration “${created.name}” created`, ['integrations:changed']);
      return c.html(<IntegrationCreated integration={created} appUrl={config.appUrl} />);
    }
    flash(c, `Integration “${created.name}” created`);
    return c.redirect('/integrations', 303);
  } catch (err) {
    if (!isFormError(err)) throw err;
    const body = <IntegrationForm processes={await processChoices(c)} values={form} errors={err.fields} error={err.fields ? undefined : err.message} />;
    if (isHtmx(c)) return c.html(body, 422);
    return standalone(c, 'New Integration', body, 422);
  }
});

integrationPages.get('/integrations/:id{[0-9]+}/edit', async (c) => {
  const integration = await findIntegration(c.get('deps').db, actorOf(c), parseId(c.req.param('id')));
  if (!integration) throw notFound('Integration');
  const form = <IntegrationForm integration={integration} />;
  if (isHtmx(c)) return c.html(<Modal title={`Edit ${integration.name}`}>{form}</Modal>);
  return standalone(c, `Edit ${integration.name}`, form);
});

integrationPages.post('/integrations/:id{[0-9]+}', async (c) => {
  const { db, clock } = c.get('deps');
  const id = parseId(c.req.param('id'));
  const form = await readForm(c);
  // The edit form never changes the kind or pauses: only what it shows.
  const input = { name: form.name ?? '', default_severity: form.default_severity ?? '', severity_map: form.severity_map ?? '' };
  try {
    const updated = await updateIntegration(db, actorOf(c), id, input, clock());
    if (isHtmx(c)) {
      toast(c, `Integration “${updated.name}” saved`, ['integrations:changed']);
      c.header('HX-Retarget', '#modal');
      c.header('HX-Reswap', 'innerHTML');
      return c.html('');
    }
    flash(c, `Integration “${updated.name}” saved`);
    return c.redirect('/integrations', 303);
  } catch (err) {
    if (!isFormError(err)) throw err;
    const integration = await findIntegration(db, actorOf(c), id);
    if (!integration) throw notFound('Integration');
    const body = <IntegrationForm integration={integration} values={form} errors={err.fields} error={err.fields ? undefined : err.message} />;
    if (isHtmx(c)) return c.html(body, 422);
    return standalone(c, `Edit ${integration.name}`, body, 422);
  }
});

/** Row buttons: do it, then swap the row (htmx) or go back to the page. */
async function rowAction(c: Ctx, message: (name: string) => string, act: (id: number) => Promise<{ name: string }>) {
  const { db, config } = c.get('deps');
  const id = parseId(c.req.param('id') ?? '');
  const done = await act(id);
  if (isHtmx(c)) {
    toast(c, message(done.name));
    const row = await findIntegration(db, actorOf(c), id);
    if (!row) throw notFound('Integration');
    return c.html(<IntegrationRowView actor={actorOf(c)} row={row} appUrl={config.appUrl} />);
  }
  flash(c, message(done.name));
  return c.redirect('/integrations', 303);
}

integrationPages.post('/integrations/:id{[0-9]+}/pause', (c) => rowAction(c, (n) => `“${n}” paused: its alerts are refused`,
  (id) => updateIntegration(c.get('deps').db, actorOf(c), id, { is_active: false }, c.get('deps').clock())));

integrationPages.post('/integrations/:id{[0-9]+}/resume', (c) => rowAction(c, (n) => `“${n}” accepts alerts again`,
  (id) => updateIntegration(c.get('deps').db, actorOf(c), id, { is_active: true }, c.get('deps').clock())));

integrationPages.post('/integrations/:id{[0-9]+}/rotate-key', (c) => rowAction(c, (n) => `New URL for “${n}”: update your monitoring`,
  (id) => rotateIntegrationKey(c.get('deps').db, actorOf(c), id, c.get('deps').clock())));

integrationPages.post('/integrations/:id{[0-9]+}/delete', async (c) => {
  const { db, clock } = c.get('deps');
  const id = parseId(c.req.param('id'));
  const current = await findIntegration(db, actorOf(c), id);
  if (!current) throw notFound('Integration');
  await deleteIntegration(db, actorOf(c), id, clock());
  if (isHtmx(c)) {
    toast(c, `Integration “${current.name}” deleted`, ['integrations:changed']);
    return c.html('');
  }
  flash(c, `Integration “${current.name}” deleted`);
  return c.redirect('/integrations', 303);
});

integrationPages.post('/integrations/webhook-secret/rotate', async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const pid = processFilter(actor);
  if (pid === null) throw validationFailed({ process: 'Choose a process in the switcher first.' }, 'Choose a process in the switcher first: each process has its own secret.');
  await rotateSigningSecret(db, actor, pid, clock());
  if (isHtmx(c)) {
    toast(c, 'Signing secret rotated: update your receivers');
    const { secret, tz } = await secretOf(c);
    return c.html(<SecretPanel secret={secret} tz={tz} />);
  }
  flash(c, 'Signing secret rotated: update your receivers');
  return c.redirect('/integrations', 303);
});

integrationPages.post('/integrations/webhook-test', async (c) => {
  const { db, clock } = c.get('deps');
  const form = await readForm(c);
  try {
    const delivery = await sendTestWebhook(db, actorOf(c), form, clock());
    if (isHtmx(c)) {
      toast(c, `Test webhook #${delivery.id} queued`, ['deliveries:changed']);
      return c.html(<TestWebhookForm processes={await processChoices(c)} values={{ url: form.url ?? '', process_id: form.process_id ?? '' }} queued={delivery.id} />);
    }
    flash(c, `Test webhook #${delivery.id} queued`);
    return c.redirect('/integrations', 303);
  } catch (err) {
    if (!isFormError(err)) throw err;
    const props = { values: form, errors: err.fields, error: err.fields ? undefined : err.message };
    if (isHtmx(c)) return c.html(<TestWebhookForm processes={await processChoices(c)} {...props} />, 422);
    return fullPage(c, props, 422);
  }
});

integrationPages.post('/integrations/deliveries/:id{[0-9]+}/retry', async (c) => {
  const { db, clock } = c.get('deps');
  const id = parseId(c.req.param('id'), 'Webhook delivery');
  const row = await retryDelivery(db, actorOf(c), id, clock());
  if (isHtmx(c)) {
    toast(c, `Webhook #${id} queued again`);
    return c.html(<DeliveryRowView actor={actorOf(c)} row={row} />);
  }
  flash(c, `Webhook #${id} queued again`);
  return c.redirect('/integrations', 303);
});

/* ---------------------------------------------------------------- API */

export const integrationApi = new Hono<AppEnv>();
for (const path of ['/integrations', '/integrations/*', '/webhooks', '/webhooks/*']) {
  integrationApi.use(path, requireAuth, requirePermission('integrations.manage'));
}

integrationApi.get('/integrations', async (c) => {
  const { db, config } = c.get('deps');
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listIntegrations(db, actorOf(c), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
  return c.json({ items: items.map((r) => serializeIntegration(r, config.appUrl)), next_cursor: next });
});

integrationApi.post('/integrations', async (c) => {
  const { db, clock, config } = c.get('deps');
  const created = await createIntegration(db, actorOf(c), await readJson(c), clock());
  return c.json(serializeIntegration(created, config.appUrl), 201);
});

integrationApi.get('/integrations/:id', async (c) => {
  const { db, config } = c.get('deps');
  const row = await findIntegration(db, actorOf(c), parseId(c.req.param('id')));
  if (!row) throw notFound('Integration');
  return c.json(serializeIntegration(row, config.appUrl));
});

integrationApi.patch('/integrations/:id', async (c) => {
  const { db, clock, config } = c.get('deps');
  const id = parseId(c.req.param('id'));
  const updated = await updateIntegration(db, actorOf(c), id, await readJson(c), clock());
  return c.json(serializeIntegration(updated, config.appUrl));
});

integrationApi.delete('/integrations/:id', async (c) => {
  const { db, clock } = c.get('deps');
  await deleteIntegration(db, actorOf(c), parseId(c.req.param('id')), clock());
  return c.body(null, 204);
});

integrationApi.post('/integrations/:id/rotate-key', async (c) => {
  const { db, clock, config } = c.get('deps');
  const rotated = await rotateIntegrationKey(db, actorOf(c), parseId(c.req.param('id')), clock());
  return c.json(serializeIntegration(rotated, config.appUrl));
});

function secretJson(processId: number, s: SigningSecret) {
  return { process_id: processId, secret: s.secret, created_at: s.created_at.toISOString(), rotated_at: s.rotated_at ? s.rotated_at.toISOString() : null };
}

function secretProcess(c: Ctx): number {
  const pid = processFilter(actorOf(c));
  if (pid === null) throw validationFailed({ process: 'Pass ?process=<slug>: each process has its own secret.' });
  return pid;
}

integrationApi.get('/webhooks/secret', async (c) => {
  const { db, clock } = c.get('deps');
  const pid = secretProcess(c);
  return c.json(secretJson(pid, await signingSecret(db, pid, clock())));
});

integrationApi.post('/webhooks/secret/rotate', async (c) => {
  const { db, clock } = c.get('deps');
  const pid = secretProcess(c);
  return c.json(secretJson(pid, await rotateSigningSecret(db, actorOf(c), pid, clock())));
});

integrationApi.post('/webhooks/test', async (c) => {
  const { db, clock } = c.get('deps');
  const delivery = await sendTestWebhook(db, actorOf(c), await readJson(c), clock());
  return c.json(serializeDelivery(delivery), 202);
});

integrationApi.get('/webhooks/deliveries', async (c) => {
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listDeliveries(c.get('deps').db, actorOf(c), deliveryFilters(c, true), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
  return c.json({ items: items.map(serializeDelivery), next_cursor: next });
});

integrationApi.get('/webhooks/deliveries/:id', async (c) => {
  const row = await findDelivery(c.get('deps').db, actorOf(c), parseId(c.req.param('id'), 'Webhook delivery'));
  if (!row) throw notFound('Webhook delivery');
  return c.json(serializeDelivery(row));
});

integrationApi.post('/webhooks/deliveries/:id/retry', async (c) => {
  const { db, clock } = c.get('deps');
  const row = await retryDelivery(db, actorOf(c), parseId(c.req.param('id'), 'Webhook delivery'), clock());
  return c.json(serializeDelivery(row));
});
