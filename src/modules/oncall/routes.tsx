import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { AppShell } from '../../../views/layout/AppShell.js';
import { Modal } from '../../../views/components/Modal.js';
import { CalendarFeed, CalendarPage } from '../../../views/oncall/CalendarPage.js';
import { CoverageWarning, OnCallNowCard } from '../../../views/oncall/OnCallNow.js';
import { OncallList, type OncallListProps } from '../../../views/oncall/OncallList.js';
import {
  OncallCreateForm, OncallPage, RotationCreateForm, RotationList, type OncallFormProps, type RotationsProps,
} from '../../../views/oncall/OncallPage.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { badRequest, DomainError, notFound } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps } from '../../http/render.js';
import { decodeCursor, page, parseLimit } from '../../pagination.js';
import { crossesProcesses, owningProcess, processFilter } from '../../tenancy.js';
import { localDate } from '../../time.js';
import {
  cursorOf, findRotation, listOncall, listOncallRange, listRotations, oncallCandidates, shiftsOfUser,
} from './queries.js';
import {
  serializeCoverage, serializeGenerate, serializeNow, serializeNowShifts, serializeOncall, serializeRotation,
} from './serialize.js';
import {
  coverage, createOncall, createRotation, deleteOncall, deleteRotation, feedCalendar, feedToken, feedUrl, generateRotation,
  onCallNow, onCallNowForOne, regenerateFeedToken, type GenerateResult,
} from './service.js';
import { addDays, daysBetween, formatDay, isCalendarDate } from './shifts.js';

/** The page shows two weeks by default and at most about three months at once. */
const DEFAULT_DAYS = 14;
const MAX_PAGE_DAYS = 93;
const PAGE_ROWS = 3000;

const view = [requireAuth, requirePermission('oncall.view')] as const;
const manage = [requireAuth, requirePermission('oncall.manage')] as const;

/**
 * Like render.ts's toast(), but safe for any text: header values must be Latin-1, and names and
 * rotation names are not, so the JSON escapes every non-ASCII character (JSON.parse restores them).
 */
function toast(c: Ctx, message: string, events: string[] = [], kind: 'success' | 'error' = 'success'): void {
  const payload: Record<string, unknown> = { toast: { message, kind } };
  for (const e of events) payload[e] = true;
  c.header('HX-Trigger', JSON.stringify(payload).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

function parseId(raw: string, what: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound(what);
  return Number(raw);
}

/** The time zone that "today" means for the actor: their process, or the one a super_admin views. */
async function homeZone(c: Ctx): Promise<string> {
  const actor = actorOf(c);
  const pid = processFilter(actor) ?? actor.processId;
  const p = await c.get('deps').db.selectFrom('processes').select('timezone').where('id', '=', pid).executeTakeFirst();
  return p?.timezone ?? 'UTC';
}

/** The page's date range: valid dates or the default two weeks from today; never more than ~3 months. */
async function pageRange(c: Ctx): Promise<{ from: string; to: string }> {
  const today = localDate(c.get('deps').clock(), await homeZone(c));
  const qFrom = c.req.query('from');
  const qTo = c.req.query('to');
  const from = isCalendarDate(qFrom) ? qFrom : today;
  let to = isCalendarDate(qTo) && qTo >= from ? qTo : addDays(from, DEFAULT_DAYS - 1);
  if (daysBetween(from, to) >= MAX_PAGE_DAYS) to = addDays(from, MAX_PAGE_DAYS - 1);
  return { from, to };
}

async function listProps(c: Ctx): Promise<OncallListProps> {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const { from, to } = await pageRange(c);
  const rows = await listOncallRange(db, actor, from, to, PAGE_ROWS + 1);
  return { actor, rows: rows.slice(0, PAGE_ROWS), truncated: rows.length > PAGE_ROWS, from, to, now: clock() };
}

async function rotationsProps(c: Ctx, result?: RotationsProps['result']): Promise<RotationsProps> {
  const actor = actorOf(c);
  return { actor, rotations: await listRotations(c.get('deps').db, actor), result };
}

/** The process a new entry or rotation belongs to: the actor's own, or the super_admin's choice. */
function formProcess(c: Ctx, requested: string | undefined): number | null {
  const raw = requested && /^\d{1,15}$/.test(requested) ? Number(requested) : null;
  return owningProcess(actorOf(c), raw);
}

async function formProps(c: Ctx, processId: number | null): Promise<OncallFormProps> {
  const actor = actorOf(c);
  const { db, clock } = c.get('deps');
  const processes = actor.role === 'super_admin' && processFilter(actor) === null
    ? await db.selectFrom('processes').select(['id', 'name', 'timezone']).orderBy('name').execute()
    : undefined;
  const process = processId === null ? undefined
    : await db.selectFrom('processes').select(['id', 'timezone']).where('id', '=', processId).executeTakeFirst();
  const pid = process && (!processes || processes.some((p) => p.id === process.id)) ? process.id : null;
  const timezone = pid !== null ? process!.timezone : null;
  return {
    actor,
    processes: processes?.map((p) => ({ id: p.id, name: p.name })),
    processId: pid,
    timezone,
    people: pid === null ? [] : await oncallCandidates(db, pid),
    today: localDate(clock(), timezone ?? await homeZone(c)),
  };
}

/** The rotation form's member_1 … member_20 selects, in order, as the API's member_ids. */
function rotationInput(form: Record<string, string>): Record<string, unknown> {
  const ids: string[] = [];
  for (let i = 1; i <= 20; i++) {
    const v = form[`member_${i}`];
    if (v) ids.push(v);
  }
  return { ...form, member_ids: ids };
}

function formPage(node: Child) {
  return <div class="mx-auto max-w-2xl rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{node}</div>;
}

/** Closes the modal (the lists refresh on the events). */
function closeModal(c: Ctx, message: string, events: string[]) {
  toast(c, message, events);
  c.header('HX-Retarget', '#modal');
  c.header('HX-Reswap', 'innerHTML');
  return c.html('');
}

function generatedText(g: GenerateResult): string {
  const parts = [`${g.created === 1 ? '1 shift' : `${g.created} shifts`} written`];
  if (g.kept) parts.push(`${g.kept} already there`);
  if (g.skipped.length) parts.push(`${g.skipped.length === 1 ? '1 day' : `${g.skipped.length} days`} skipped`);
  return parts.join(', ');
}

/* ---------------------------------------------------------------- pages */

export const oncallPages = new Hono<AppEnv>();

/** The calendar feed: public, by its secret token; an unknown or replaced token is a 404. */
oncallPages.get('/oncall/ical/:file', async (c) => {
  const { db, clock, config } = c.get('deps');
  const m = /^([A-Za-z0-9_-]{1,64})\.ics$/.exec(c.req.param('file'));
  const body = m ? await feedCalendar(db, m[1], clock(), config.appUrl) : null;
  if (body === null) return c.text('Not found', 404);
  return c.body(body, 200, {
    'Content-Type': 'text/calendar; charset=utf-8',
    'Content-Disposition': 'inline; filename="oncall.ics"',
    'Cache-Control': 'private, no-cache',
    'X-Robots-Tag': 'noindex',
  });
});

oncallPages.get('/oncall', ...view, async (c) => {
  const list = await listProps(c);
  if (isHtmx(c) && htmxTarget(c) === 'oncall-list') return c.html(<OncallList {...list} />);
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const now = clock();
  const [current, cover, rotations] = await Promise.all([
    onCallNow(db, actor, now),
    actor.role === 'client' ? Promise.resolve([]) : coverage(db, actor, now),
    rotationsProps(c),
  ]);
  return renderPage(c, <OncallPage shell={await shellProps(c, 'On-Call Scheduling')} list={list} now={current} coverage={cover} rotations={rotations} />);
});

oncallPages.get('/oncall/now', ...view, async (c) => {
  const { db, clock } = c.get('deps');
  return c.html(<OnCallNowCard items={await onCallNow(db, actorOf(c), clock())} />);
});

oncallPages.get('/oncall/coverage', ...view, async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  if (actor.role === 'client') return c.html(<div></div>);
  return c.html(<CoverageWarning reports={await coverage(db, actor, clock())} showProcess={crossesProcesses(actor)} />);
});

oncallPages.get('/oncall/new', ...manage, async (c) => {
  const form = <OncallCreateForm {...await formProps(c, formProcess(c, c.req.query('process_id')))} />;
  if (isHtmx(c) && htmxTarget(c) === 'oncall-form') return c.html(form);
  if (isHtmx(c)) return c.html(<Modal title="Add On-Call Schedule">{form}</Modal>);
  return renderPage(c, <AppShell {...await shellProps(c, 'Add On-Call Schedule')}>{formPage(form)}</AppShell>);
});

oncallPages.post('/oncall', ...manage, async (c) => {
  const { db, clock, config } = c.get('deps');
  const form = await readForm(c);
  try {
    const row = await createOncall(db, actorOf(c), form, clock(), { appUrl: config.appUrl });
    const message = `${row.user_name} is ${row.role} on call on ${formatDay(row.date)}`;
    if (isHtmx(c)) return closeModal(c, message, ['oncall:changed']);
    flash(c, message);
    return c.redirect(`/oncall?from=${row.date}`, 302);
  } catch (err) {
    if (!(err instanceof DomainError) || (err.status !== 422 && err.status !== 409)) throw err;
    const props = {
      ...await formProps(c, formProcess(c, form.process_id)),
      values: form, errors: err.fields, error: err.fields ? undefined : err.message,
    };
    const body = <OncallCreateForm {...props} />;
    if (isHtmx(c)) return c.html(body, err.status);
    return renderPage(c, <AppShell {...await shellProps(c, 'Add On-Call Schedule')}>{formPage(body)}</AppShell>, err.status);
  }
});

oncallPages.post('/oncall/:id/delete', ...manage, async (c) => {
  const { db, clock, config } = c.get('deps');
  const row = await deleteOncall(db, actorOf(c), parseId(c.req.param('id'), 'On-call entry'), clock(), { appUrl: config.appUrl });
  const message = `${row.user_name} removed from the schedule on ${formatDay(row.date)}`;
  if (isHtmx(c)) {
    toast(c, message, ['oncall:changed']);
    return c.html('');
  }
  flash(c, message);
  return c.redirect('/oncall', 302);
});

oncallPages.get('/oncall/rotations', ...view, async (c) => {
  if (!isHtmx(c)) return c.redirect('/oncall#rotations', 302);
  return c.html(<RotationList {...await rotationsProps(c)} />);
});

oncallPages.get('/oncall/rotations/new', ...manage, async (c) => {
  const form = <RotationCreateForm {...await formProps(c, formProcess(c, c.req.query('process_id')))} />;
  if (isHtmx(c) && htmxTarget(c) === 'rotation-form') return c.html(form);
  if (isHtmx(c)) return c.html(<Modal title="New Rotation" wide>{form}</Modal>);
  return renderPage(c, <AppShell {...await shellProps(c, 'New Rotation')}>{formPage(form)}</AppShell>);
});

oncallPages.post('/oncall/rotations', ...manage, async (c) => {
  const { db, clock, config } = c.get('deps');
  const form = await readForm(c);
  try {
    const { rotation, generated } = await createRotation(db, actorOf(c), rotationInput(form), clock(), { appUrl: config.appUrl });
    const message = `Rotation “${rotation.name}” saved${generated ? `: ${generatedText(generated)}` : ''}`;
    if (isHtmx(c)) return closeModal(c, message, ['rotations:changed', 'oncall:changed']);
    flash(c, message);
    return c.redirect('/oncall#rotations', 302);
  } catch (err) {
    if (!(err instanceof DomainError) || (err.status !== 422 && err.status !== 409)) throw err;
    const props = {
      ...await formProps(c, formProcess(c, form.process_id)),
      values: form, errors: err.fields, error: err.fields ? undefined : err.message,
    };
    const body = <RotationCreateForm {...props} />;
    if (isHtmx(c)) return c.html(body, err.status);
    return renderPage(c, <AppShell {...await shellProps(c, 'New Rotation')}>{formPage(body)}</AppShell>, err.status);
  }
});

oncallPages.post('/oncall/rotations/:id/generate', ...manage, async (c) => {
  const { db, clock, config } = c.get('deps');
  const id = parseId(c.req.param('id'), 'Rotation');
  const form = await readForm(c);
  try {
    const generated = await generateRotation(db, actorOf(c), id, form, clock(), { appUrl: config.appUrl });
    if (isHtmx(c)) {
      toast(c, generatedText(generated), ['oncall:changed']);
      return c.html(<RotationList {...await rotationsProps(c, { id, generated })} />);
    }
    flash(c, generatedText(generated));
    return c.redirect('/oncall#rotations', 302);
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 422) throw err;
    const message = err.fields ? Object.values(err.fields).join(' ') : err.message;
    if (isHtmx(c)) {
      toast(c, message, [], 'error');
      return c.html(<RotationList {...await rotationsProps(c, { id, error: message })} />, 422);
    }
    flash(c, message);
    return c.redirect('/oncall#rotations', 302);
  }
});

oncallPages.post('/oncall/rotations/:id/delete', ...manage, async (c) => {
  const { db, clock } = c.get('deps');
  const { rotation, removed } = await deleteRotation(db, actorOf(c), parseId(c.req.param('id'), 'Rotation'), clock());
  const message = `Rotation “${rotation.name}” deleted${removed ? `, ${removed === 1 ? '1 coming shift' : `${removed} coming shifts`} removed` : ''}`;
  if (isHtmx(c)) {
    toast(c, message, ['oncall:changed']);
    return c.html(<RotationList {...await rotationsProps(c)} />);
  }
  flash(c, message);
  return c.redirect('/oncall#rotations', 302);
});

async function calendarProps(c: Ctx) {
  const { db, clock, config } = c.get('deps');
  const actor = actorOf(c);
  const token = await feedToken(db, actor);
  const today = localDate(clock(), await homeZone(c));
  const upcoming = (await shiftsOfUser(db, actor.userId, addDays(today, -1), 60))
    .filter((r) => r.window.end.getTime() > clock().getTime()).slice(0, 30);
  return { url: token ? feedUrl(config.appUrl, token) : null, upcoming };
}

oncallPages.get('/oncall/calendar', ...view, async (c) => {
  const props = await calendarProps(c);
  return renderPage(c, <CalendarPage shell={await shellProps(c, 'My On-Call Calendar')} {...props} />);
});

oncallPages.post('/oncall/calendar', ...view, async (c) => {
  const { db, clock, config } = c.get('deps');
  const hadOne = (await feedToken(db, actorOf(c))) !== null;
  const token = await regenerateFeedToken(db, actorOf(c), clock());
  const message = hadOne ? 'New calendar address made; the old one no longer works' : 'Calendar address created';
  if (isHtmx(c)) {
    toast(c, message);
    return c.html(<CalendarFeed url={feedUrl(config.appUrl, token)} />);
  }
  flash(c, message);
  return c.redirect('/oncall/calendar', 302);
});

/* ---------------------------------------------------------------- API */

/** `from`/`to` of the API: dates or a 400; `from` defaults to today in the actor's process. */
async function apiRange(c: Ctx): Promise<{ from: string; to?: string }> {
  const qFrom = c.req.query('from');
  const qTo = c.req.query('to');
  if (qFrom && !isCalendarDate(qFrom)) throw badRequest('from must be a date written YYYY-MM-DD.');
  if (qTo && !isCalendarDate(qTo)) throw badRequest('to must be a date written YYYY-MM-DD.');
  const from = qFrom || localDate(c.get('deps').clock(), await homeZone(c));
  if (qTo && qTo < from) throw badRequest('to must not be before from.');
  return { from, to: qTo || undefined };
}

function apiUrl(c: Ctx) {
  return { appUrl: c.get('deps').config.appUrl };
}

export const oncallApi = new Hono<AppEnv>();

oncallApi.get('/oncall', ...view, async (c) => {
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listOncall(c.get('deps').db, actorOf(c), await apiRange(c), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, cursorOf);
  return c.json({ items: items.map(serializeOncall), next_cursor: next });
});

oncallApi.get('/oncall/now', ...view, async (c) => {
  const { db, clock } = c.get('deps');
  const now = clock();
  const { process, shifts } = await onCallNowForOne(db, actorOf(c), now);
  return c.json({ ...serializeNow(shifts), process_id: process.id, process_slug: process.slug, at: now.toISOString(), shifts: serializeNowShifts(shifts) });
});

oncallApi.get('/oncall/coverage', ...view, async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  if (actor.role === 'client') throw new DomainError(403, 'forbidden', 'Your role does not have access to this.');
  return c.json({ items: (await coverage(db, actor, clock())).map(serializeCoverage) });
});

oncallApi.post('/oncall', ...manage, async (c) => {
  const { db, clock } = c.get('deps');
  const row = await createOncall(db, actorOf(c), await readJson(c), clock(), apiUrl(c));
  return c.json(serializeOncall(row), 201);
});

oncallApi.get('/oncall/rotations', ...view, async (c) => {
  const rows = await listRotations(c.get('deps').db, actorOf(c));
  return c.json({ items: rows.map(serializeRotation), next_cursor: null });
});

oncallApi.post('/oncall/rotations', ...manage, async (c) => {
  const { db, clock } = c.get('deps');
  const { rotation, generated } = await createRotation(db, actorOf(c), await readJson(c), clock(), apiUrl(c));
  return c.json({ ...serializeRotation(rotation), generated: generated ? serializeGenerate(generated) : null }, 201);
});

oncallApi.get('/oncall/rotations/:id', ...view, async (c) => {
  const r = await findRotation(c.get('deps').db, actorOf(c), parseId(c.req.param('id'), 'Rotation'));
  if (!r) throw notFound('Rotation');
  return c.json(serializeRotation(r));
});

oncallApi.post('/oncall/rotations/:id/generate', ...manage, async (c) => {
  const { db, clock } = c.get('deps');
  const result = await generateRotation(db, actorOf(c), parseId(c.req.param('id'), 'Rotation'), await readJson(c), clock(), apiUrl(c));
  return c.json(serializeGenerate(result), 200);
});

oncallApi.delete('/oncall/rotations/:id', ...manage, async (c) => {
  const { db, clock } = c.get('deps');
  const { rotation, removed } = await deleteRotation(db, actorOf(c), parseId(c.req.param('id'), 'Rotation'), clock());
  return c.json({ ...serializeRotation(rotation), removed_shifts: removed }, 200);
});

oncallApi.get('/oncall/ical', ...view, async (c) => {
  const token = await feedToken(c.get('deps').db, actorOf(c));
  return c.json({ url: token ? feedUrl(c.get('deps').config.appUrl, token) : null });
});

oncallApi.post('/oncall/ical', ...view, async (c) => {
  const { db, clock, config } = c.get('deps');
  const token = await regenerateFeedToken(db, actorOf(c), clock());
  return c.json({ url: feedUrl(config.appUrl, token) }, 201);
});

oncallApi.delete('/oncall/:id', ...manage, async (c) => {
  const { db, clock } = c.get('deps');
  const row = await deleteOncall(db, actorOf(c), parseId(c.req.param('id'), 'On-call entry'), clock(), apiUrl(c));
  return c.json(serializeOncall(row), 200);
});

