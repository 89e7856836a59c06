import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { DowntimeList, DowntimeRowView, downtimeQuery } from '../../../views/downtime/DowntimeList.js';
import { DowntimeCreateForm, DowntimePage, OngoingCount } from '../../../views/downtime/DowntimePage.js';
import { AppShell } from '../../../views/layout/AppShell.js';
import { Modal } from '../../../views/components/Modal.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { badRequest, DomainError, notFound } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps, toast } from '../../http/render.js';
import { decodeCursor, pageCursor, page, parseLimit } from '../../pagination.js';
import { owningProcess, processFilter, scoped, type Actor } from '../../tenancy.js';
import { datetimeLocalInstant, zoneOffsetMs } from '../../time.js';
import { DOWNTIME_STATUSES, findDowntime, linkableIncidents, listDowntime, type DowntimeFilters, type DowntimeRow, type DowntimeStatus } from './queries.js';
import { serializeDowntime } from './serialize.js';
import { createDowntime, endDowntime, getDowntime } from './service.js';

const PAGE_SIZE = 25;
/** The zone used when neither the browser nor a process says one (a super admin viewing all). */
const FALLBACK_TZ = 'UTC';

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound('Downtime event');
  return Number(raw);
}

/** Filters from the query string (status, linked incident); unknown values are a 400 on the API and ignored on pages. */
function parseFilters(c: Ctx, strict: boolean): DowntimeFilters {
  const status = c.req.query('status');
  const incident = c.req.query('incident_id');
  const f: DowntimeFilters = {};
  if (status) {
    if ((DOWNTIME_STATUSES as readonly string[]).includes(status)) f.status = status as DowntimeStatus;
    else if (strict) throw badRequest('status must be ongoing or ended.');
  }
  if (incident) {
    if (/^\d{1,15}$/.test(incident)) f.incidentId = Number(incident);
    else if (strict) throw badRequest('incident_id must be an incident id.');
  }
  return f;
}

async function processTimezone(c: Ctx, processId: number | null): Promise<string> {
  if (processId === null) return FALLBACK_TZ;
  const p = await c.get('deps').db.selectFrom('processes').select('timezone').where('id', '=', processId).executeTakeFirst();
  return p?.timezone ?? FALLBACK_TZ;
}

/** "Now" as a datetime-local value (YYYY-MM-DDTHH:MM) in a zone. */
function localNow(now: Date, tz: string): string {
  return new Date(now.getTime() + zoneOffsetMs(now, tz)).toISOString().slice(0, 16);
}

/** Services typed as "Payment Gateway, Checkout API": a list, blanks between commas dropped. */
function splitServices(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** The page form's fields as the service's input (the same shape the API takes). */
async function formInput(c: Ctx, form: Record<string, string>): Promise<Record<string, unknown>> {
  const actor = actorOf(c);
  const requested = /^\d{1,15}$/.test(form.process_id ?? '') ? Number(form.process_id) : null;
  const tz = await processTimezone(c, owningProcess(actor, requested));
  const startedAt = datetimeLocalInstant(form.started_at_local, { tz: form.tz, offset: form.tz_offset }, tz);
  return {
    process_id: form.process_id,
    started_at: startedAt ? startedAt.toISOString() : form.started_at,
    services_affected: splitServices(form.services_affected),
    impact_level: form.impact_level,
    incident_id: form.incident_id,
    notes: form.notes,
  };
}

/** `preselect`: an incident the form opens linked to ("Log downtime" in the incident's dialog), if the actor sees it. */
async function createFormProps(c: Ctx, preselect?: string) {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const processes = actor.role === 'super_admin' && processFilter(actor) === null
    ? await db.selectFrom('processes').select(['id', 'name']).orderBy('name').execute()
    : undefined;
  const tz = await processTimezone(c, processFilter(actor));
  const wanted = preselect && /^\d{1,15}$/.test(preselect) ? Number(preselect) : undefined;
  const incidents = await linkableIncidents(db, actor, { include: wanted });
  const values = wanted !== undefined && incidents.some((i) => i.id === wanted) ? { incident_id: String(wanted) } : undefined;
  return { actor, incidents, processes, defaultStart: localNow(clock(), tz), values };
}

async function countOngoing(c: Ctx, actor: Actor): Promise<number> {
  const row = await scoped(c.get('deps').db.selectFrom('downtime_events'), actor, 'downtime_events.process_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('downtime_events.ended_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The create form as a page of its own, for browsers without JavaScript. */
async function formPage(c: Ctx, body: Child, status: 200 | 422 = 200) {
  return renderPage(c, (
    <AppShell {...await shellProps(c, 'Log Downtime')}>
      <a href="/downtime" class="mb-3 inline-block text-sm text-teal hover:underline">← All downtime</a>
      <div class="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{body}</div>
    </AppShell>
  ), status);
}

export const downtimePages = new Hono<AppEnv>();
downtimePages.use('/downtime', requireAuth, requirePermission('downtime.view'));
downtimePages.use('/downtime/*', requireAuth, requirePermission('downtime.view'));

downtimePages.get('/downtime', async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const filters = parseFilters(c, false);
  const cursor = pageCursor(c.req.query('cursor'));
  const rows = await listDowntime(db, actor, filters, cursor, PAGE_SIZE);
  const { items, next } = page(rows, PAGE_SIZE, (r) => ({ at: r.started_at, id: r.id }));
  const list = { actor, rows: items, next, filters, now: clock(), query: downtimeQuery(filters) };
  if (isHtmx(c) && htmxTarget(c) === 'downtime-list') return c.html(<DowntimeList {...list} />);
  return renderPage(c, <DowntimePage shell={await shellProps(c, 'Downtime Tracking')} list={list} ongoing={await countOngoing(c, actor)} />);
});

downtimePages.get('/downtime/ongoing-count', async (c) => c.html(<OngoingCount count={await countOngoing(c, actorOf(c))} />));

downtimePages.get('/downtime/new', requirePermission('downtime.edit'), async (c) => {
  const form = <DowntimeCreateForm {...await createFormProps(c, c.req.query('incident_id'))} />;
  if (isHtmx(c)) return c.html(<Modal title="Log Downtime Event">{form}</Modal>);
  return formPage(c, form);
});

downtimePages.post('/downtime', requirePermission('downtime.edit'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const form = await readForm(c);
  try {
    const created = await createDowntime(db, actorOf(c), await formInput(c, form), clock(), { appUrl: config.appUrl });
    if (isHtmx(c)) {
      toast(c, `Downtime logged: ${created.impact_level} impact`, ['downtime:changed']);
      // Close the dialog: the list refreshes itself on downtime:changed.
      c.header('HX-Retarget', '#modal');
      c.header('HX-Reswap', 'innerHTML');
      return c.body(null, 200);
    }
    flash(c, 'Downtime logged');
    return c.redirect('/downtime', 302);
  } catch (err) {
    if (!(err instanceof DomainError) || (err.status !== 422 && err.status !== 403)) throw err;
    const props = { ...await createFormProps(c), values: form, errors: err.fields, error: err.fields ? undefined : err.message };
    const body = <DowntimeCreateForm {...props} />;
    if (isHtmx(c)) return c.html(body, 422);
    return formPage(c, body, 422);
  }
});

/** Ends the event now. The row re-renders in place; a conflict (already ended) shows it as it is. */
downtimePages.post('/downtime/:id/end', requirePermission('downtime.edit'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const actor = actorOf(c);
  const id = parseId(c.req.param('id'));
  const now = clock();
  try {
    const row = await endDowntime(db, actor, id, { ended_at: now.toISOString() }, now, { appUrl: config.appUrl });
    if (isHtmx(c)) {
      toast(c, 'Downtime ended', ['downtime:ended']);
      return c.html(<DowntimeRowView row={row} actor={actor} now={now} />);
    }
    flash(c, 'Downtime ended');
    return c.redirect('/downtime', 302);
  } catch (err) {
    if (!(err instanceof DomainError) || ![403, 409, 422].includes(err.status)) throw err;
    const message = err.fields ? Object.values(err.fields)[0] : err.message;
    const row = await findDowntime(db, actor, id);
    if (isHtmx(c) && row) {
      toast(c, message, [], 'error');
      return c.html(<DowntimeRowView row={row} actor={actor} now={now} />, err.status === 422 ? 422 : 409);
    }
    flash(c, message);
    return c.redirect('/downtime', 302);
  }
});

/* ---------------------------------------------------------------- API */

function serializeRow(r: DowntimeRow, now: Date) {
  return { ...serializeDowntime(r, now), incident_title: r.incident_title ?? null, process_slug: r.process_slug };
}

export const downtimeApi = new Hono<AppEnv>();
downtimeApi.use('/downtime', requireAuth, requirePermission('downtime.view'));
downtimeApi.use('/downtime/*', requireAuth, requirePermission('downtime.view'));

downtimeApi.get('/downtime', async (c) => {
  const { db, clock } = c.get('deps');
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listDowntime(db, actorOf(c), parseFilters(c, true), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, (r) => ({ at: r.started_at, id: r.id }));
  const now = clock();
  return c.json({ items: items.map((r) => serializeRow(r, now)), next_cursor: next });
});

downtimeApi.post('/downtime', requirePermission('downtime.edit'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const now = clock();
  const created = await createDowntime(db, actorOf(c), await readJson(c), now, { appUrl: config.appUrl });
  return c.json(serializeRow(created, now), 201);
});

downtimeApi.get('/downtime/:id', async (c) => {
  const { db, clock } = c.get('deps');
  return c.json(serializeRow(await getDowntime(db, actorOf(c), parseId(c.req.param('id'))), clock()));
});

downtimeApi.patch('/downtime/:id', requirePermission('downtime.edit'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const id = parseId(c.req.param('id'));
  const now = clock();
  const ended = await endDowntime(db, actorOf(c), id, await readJson(c), now, { appUrl: config.appUrl });
  return c.json(serializeRow(ended, now), 200);
});
