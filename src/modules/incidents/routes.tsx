import { Hono } from 'hono';
import { DOWNTIME_SHOWN, IncidentDetail } from '../../../views/incidents/IncidentDetail.js';
import { IncidentList } from '../../../views/incidents/IncidentList.js';
import { IncidentCreateForm, IncidentsPage } from '../../../views/incidents/IncidentsPage.js';
import { AppShell } from '../../../views/layout/AppShell.js';
import { Modal } from '../../../views/components/Modal.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { badRequest, DomainError, notFound } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps, toast } from '../../http/render.js';
import { decodeCursor, pageCursor, page, parseLimit } from '../../pagination.js';
import { can } from '../../roles.js';
import { processFilter, type Actor } from '../../tenancy.js';
import { listDowntime } from '../downtime/queries.js';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../db/schema.js';
import { assignableUsers, listIncidents, listIncidentSummaries, type IncidentFilters, type IncidentRow, type TimelineEntry } from './queries.js';
import { addIncidentNote } from './notes.js';
import { serializeIncident } from './serialize.js';
import { createIncident, getIncidentWithTimeline, updateIncident } from './service.js';

const PAGE_SIZE = 25;

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound('Incident');
  return Number(raw);
}

/** Filters from the query string; unknown values are a 400 on the API and ignored on pages. */
function parseFilters(c: Ctx, strict: boolean): IncidentFilters {
  const q = c.req.query();
  const f: IncidentFilters = {};
  const bad = (m: string) => {
    if (strict) throw badRequest(m);
  };
  if (q.status) {
    if (q.status === 'active' || (INCIDENT_STATUSES as readonly string[]).includes(q.status)) f.status = q.status as IncidentStatus | 'active';
    else bad('status must be open, in_progress, resolved or active.');
  }
  if (q.severity) {
    if (/^[1-4]$/.test(q.severity)) f.severity = Number(q.severity);
    else bad('severity must be 1 to 4.');
  }
  if (q.assigned_to) {
    if (q.assigned_to === 'none') f.assignedTo = 'none';
    else if (q.assigned_to === 'me') f.assignedTo = actorOf(c).userId;
    else if (/^\d{1,15}$/.test(q.assigned_to)) f.assignedTo = Number(q.assigned_to);
    else bad('assigned_to must be a user id, "me" or "none".');
  }
  if (q.q) f.q = q.q.slice(0, 200);
  return f;
}

function filterQuery(f: IncidentFilters): string {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.severity) p.set('severity', String(f.severity));
  if (f.assignedTo) p.set('assigned_to', String(f.assignedTo));
  if (f.q) p.set('q', f.q);
  return p.toString();
}

/** Who can be picked as assignee: the process of the incident, or the actor's (or viewed) process. */
async function assignableFor(c: Ctx, processId: number | null) {
  const pid = processId ?? processFilter(actorOf(c));
  return pid === null ? [] : assignableUsers(c.get('deps').db, pid);
}

async function detailProps(c: Ctx, id: number, extra: { errors?: Record<string, string>; error?: string; values?: Record<string, string> } = {}) {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const { incident, timeline } = await getIncidentWithTimeline(db, actor, id);
  const [assignable, downtime] = await Promise.all([
    assignableFor(c, incident.process_id),
    can(actor.role, 'downtime.view') ? listDowntime(db, actor, { incidentId: incident.id }, null, DOWNTIME_SHOWN) : undefined,
  ]);
  return { actor, incident, timeline, downtime, assignable, now: clock(), ...extra };
}

export const incidentPages = new Hono<AppEnv>();
incidentPages.use('/incidents', requireAuth, requirePermission('incidents.view'));
incidentPages.use('/incidents/*', requireAuth, requirePermission('incidents.view'));

incidentPages.get('/incidents', async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const filters = parseFilters(c, false);
  const cursor = pageCursor(c.req.query('cursor'));
  const partial = isHtmx(c) && htmxTarget(c) === 'incident-list';
  // The full page also needs the assignee filter's options: both queries at once (on MySQL, two
  // connections of the pool instead of two round trips one after the other).
  const [rows, assignees] = await Promise.all([
    listIncidentSummaries(db, actor, filters, cursor, PAGE_SIZE),
    partial ? [] : assignableFor(c, null),
  ]);
  const { items, next } = page(rows, PAGE_SIZE, (r) => ({ at: r.opened_at, id: r.id }));
  const list = { actor, rows: items, next, filters, now: clock(), query: filterQuery(filters) };
  if (partial) return c.html(<IncidentList {...list} />);
  return renderPage(c, <IncidentsPage shell={await shellProps(c, 'Incident Management')} list={list} assignees={assignees} />);
});

async function createFormProps(c: Ctx) {
  const actor = actorOf(c);
  const processes = actor.role === 'super_admin' && processFilter(actor) === null
    ? await c.get('deps').db.selectFrom('processes').select(['id', 'name']).orderBy('name').execute()
    : undefined;
  return { actor, assignable: await assignableFor(c, null), processes };
}

incidentPages.get('/incidents/new', requirePermission('incidents.edit'), async (c) => {
  const form = <IncidentCreateForm {...await createFormProps(c)} />;
  if (isHtmx(c)) return c.html(<Modal title="New Incident">{form}</Modal>);
  return renderPage(c, <AppShell {...await shellProps(c, 'New Incident')}><div class="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{form}</div></AppShell>);
});

incidentPages.post('/incidents', requirePermission('incidents.edit'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const form = await readForm(c);
  try {
    const incident = await createIncident(db, actorOf(c), form, clock(), { appUrl: config.appUrl });
    if (isHtmx(c)) {
      toast(c, `Incident #${incident.id} opened`, ['incidents:changed']);
      // Replace the whole dialog, so its title names the new incident rather than "New Incident".
      c.header('HX-Retarget', '#modal');
      c.header('HX-Reswap', 'innerHTML');
      return c.html(<Modal title={`Incident #${incident.id}`} recordPath={`/incidents/${incident.id}`} wide><IncidentDetail {...await detailProps(c, incident.id)} /></Modal>);
    }
    flash(c, `Incident #${incident.id} opened`);
    return c.redirect(`/incidents/${incident.id}`, 302);
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 422) throw err;
    const props = { ...await createFormProps(c), values: form, errors: err.fields, error: err.fields ? undefined : err.message };
    const body = <IncidentCreateForm {...props} />;
    if (isHtmx(c)) return c.html(body, 422);
    return renderPage(c, <AppShell {...await shellProps(c, 'New Incident')}><div class="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{body}</div></AppShell>, 422);
  }
});

incidentPages.get('/incidents/:id', async (c) => {
  const props = await detailProps(c, parseId(c.req.param('id')));
  if (isHtmx(c) && htmxTarget(c) === 'modal') {
    return c.html(<Modal title={`Incident #${props.incident.id}`} recordPath={`/incidents/${props.incident.id}`} wide><IncidentDetail {...props} /></Modal>);
  }
  return renderPage(c, (
    <AppShell {...await shellProps(c, `Incident #${props.incident.id}`)}>
      <a href="/incidents" class="mb-3 inline-block text-sm text-teal hover:underline">← All incidents</a>
      <div class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm"><IncidentDetail {...props} /></div>
    </AppShell>
  ));
});

/**
 * A change made from the incident's dialog or page: the panel again with a toast (htmx) or a
 * redirect with a flash; a refused change shows the panel with its messages and what was typed.
 */
async function changeFromDetail(c: Ctx, done: string, change: (id: number, form: Record<string, string>) => Promise<unknown>) {
  const id = parseId(c.req.param('id') ?? '');
  const form = await readForm(c);
  try {
    await change(id, form);
    if (isHtmx(c)) {
      toast(c, done, ['incidents:changed']);
      return c.html(<IncidentDetail {...await detailProps(c, id)} />);
    }
    flash(c, done);
    return c.redirect(`/incidents/${id}`, 302);
  } catch (err) {
    if (!(err instanceof DomainError) || (err.status !== 409 && err.status !== 422)) throw err;
    const props = await detailProps(c, id, { errors: err.fields, error: err.fields ? 'Please correct the fields below.' : err.message, values: form });
    const status = err.status;
    if (isHtmx(c)) return c.html(<IncidentDetail {...props} />, status);
    return renderPage(c, (
      <AppShell {...await shellProps(c, `Incident #${id}`)}>
        <div class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm"><IncidentDetail {...props} /></div>
      </AppShell>
    ), status);
  }
}

incidentPages.post('/incidents/:id', requirePermission('incidents.edit'), (c) => {
  const { db, clock, config } = c.get('deps');
  return changeFromDetail(c, 'Incident updated', (id, form) => updateIncident(db, actorOf(c), id, form, clock(), { appUrl: config.appUrl }));
});

incidentPages.post('/incidents/:id/notes', requirePermission('incidents.edit'), (c) => {
  const { db, clock } = c.get('deps');
  return changeFromDetail(c, 'Note added', (id, form) => addIncidentNote(db, actorOf(c), id, form, clock()));
});

/* ---------------------------------------------------------------- API */

/** The record with the list's extras, added to it rather than spread into a copy (the list's hot path). */
function serializeRow(r: IncidentRow) {
  const out: ReturnType<typeof serializeIncident> & { assignee_name?: string | null; process_slug?: string } = serializeIncident(r);
  out.assignee_name = r.assignee_name ?? null;
  out.process_slug = r.process_slug;
  return out;
}

async function incidentJson(c: Ctx, actor: Actor, id: number) {
  const { incident, timeline } = await getIncidentWithTimeline(c.get('deps').db, actor, id);
  return {
    ...serializeRow(incident),
    timeline: timeline.map(timelineJson),
  };
}

function timelineJson(t: TimelineEntry) {
  return { id: t.id, kind: t.kind, message: t.message, user_id: t.user_id, user_name: t.user_name ?? null, created_at: t.created_at.toISOString() };
}

export const incidentApi = new Hono<AppEnv>();
incidentApi.use('/incidents', requireAuth, requirePermission('incidents.view'));
incidentApi.use('/incidents/*', requireAuth, requirePermission('incidents.view'));

incidentApi.get('/incidents', async (c) => {
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listIncidents(c.get('deps').db, actorOf(c), parseFilters(c, true), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, (r) => ({ at: r.opened_at, id: r.id }));
  return c.json({ items: items.map(serializeRow), next_cursor: next });
});

incidentApi.post('/incidents', requirePermission('incidents.edit'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const created = await createIncident(db, actorOf(c), await readJson(c), clock(), { appUrl: config.appUrl });
  return c.json(await incidentJson(c, actorOf(c), created.id), 201);
});

incidentApi.get('/incidents/:id', async (c) => c.json(await incidentJson(c, actorOf(c), parseId(c.req.param('id')))));

/** A note on the timeline (an addition to API.md): `{note}` -> 201 with the timeline entry. */
incidentApi.post('/incidents/:id/notes', requirePermission('incidents.edit'), async (c) => {
  const entry = await addIncidentNote(c.get('deps').db, actorOf(c), parseId(c.req.param('id')), await readJson(c), c.get('deps').clock());
  return c.json(timelineJson(entry), 201);
});

incidentApi.patch('/incidents/:id', requirePermission('incidents.edit'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const id = parseId(c.req.param('id'));
  await updateIncident(db, actorOf(c), id, await readJson(c), clock(), { appUrl: config.appUrl });
  return c.json(await incidentJson(c, actorOf(c), id), 200);
});
