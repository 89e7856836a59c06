import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { HandoverList, type HandoverListProps } from '../../../views/handovers/HandoverList.js';
import { HandoverCreateForm, HandoversPage, type HandoverFormProps } from '../../../views/handovers/HandoversPage.js';
import { AppShell } from '../../../views/layout/AppShell.js';
import { Modal } from '../../../views/components/Modal.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { badRequest, DomainError, notFound } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps, toast } from '../../http/render.js';
import { decodeCursor, pageCursor, page, parseLimit, type Cursor } from '../../pagination.js';
import { owningProcess, processFilter, scoped } from '../../tenancy.js';
import { datetimeLocalInstant } from '../../time.js';
import { HANDOVER_STATUSES, handoverRecipients, listHandovers, openIncidentsText, type HandoverFilters, type HandoverRow } from './queries.js';
import { serializeHandover } from './serialize.js';
import { acknowledgeHandover, createHandover, getHandover } from './service.js';

const PAGE_SIZE = 25;

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound('Handover');
  return Number(raw);
}

const cursorKey = (r: HandoverRow) => ({ at: r.handover_time, id: r.id });

async function listProps(c: Ctx, extra: Pick<HandoverListProps, 'failed'> = {}): Promise<HandoverListProps> {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const cursor = pageCursor(c.req.query('cursor'));
  const rows = await listHandovers(db, actor, {}, cursor, PAGE_SIZE);
  const { items, next } = page(rows, PAGE_SIZE, cursorKey);
  return { actor, rows: items, next, now: clock(), ...extra };
}

/** How many handovers in the actor's view wait for the actor to acknowledge them. */
async function waitingForMe(c: Ctx): Promise<number> {
  const actor = actorOf(c);
  const row = await scoped(c.get('deps').db.selectFrom('handovers'), actor, 'handovers.process_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('handovers.recipient_id', '=', actor.userId)
    .where('handovers.acknowledged_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The process a new handover belongs to: the actor's own, or the super_admin's choice. */
function formProcess(c: Ctx, requested: string | undefined): number | null {
  const raw = requested && /^\d{1,15}$/.test(requested) ? Number(requested) : null;
  return owningProcess(actorOf(c), raw);
}

async function createFormProps(c: Ctx, processId: number | null): Promise<HandoverFormProps> {
  const actor = actorOf(c);
  const { db } = c.get('deps');
  const processes = actor.role === 'super_admin' && processFilter(actor) === null
    ? await db.selectFrom('processes').select(['id', 'name']).orderBy('name').execute()
    : undefined;
  const known = processId !== null && (!processes || processes.some((p) => p.id === processId));
  const pid = known ? processId : null;
  return {
    actor,
    processes,
    processId: pid,
    recipients: pid === null ? [] : await handoverRecipients(db, pid),
    openIncidents: pid === null ? '' : await openIncidentsText(db, pid),
  };
}

/**
 * The form's handover time is a datetime-local value; the browser adds its time zone (tz) and its UTC
 * offset in minutes (tz_offset, as getTimezoneOffset gives it). Without either, the process's time
 * zone is assumed.
 */
async function withInstant(c: Ctx, form: Record<string, string>): Promise<Record<string, string>> {
  const pid = formProcess(c, form.process_id);
  const process = pid === null ? undefined
    : await c.get('deps').db.selectFrom('processes').select('timezone').where('id', '=', pid).executeTakeFirst();
  const instant = datetimeLocalInstant(form.handover_time, { tz: form.tz, offset: form.tz_offset }, process?.timezone ?? 'UTC');
  return instant ? { ...form, handover_time: instant.toISOString() } : form;
}

function formPage(node: Child) {
  return <div class="mx-auto max-w-2xl rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{node}</div>;
}

export const handoverPages = new Hono<AppEnv>();
handoverPages.use('/handovers', requireAuth, requirePermission('handovers.view'));
handoverPages.use('/handovers/*', requireAuth, requirePermission('handovers.view'));

handoverPages.get('/handovers', async (c) => {
  const list = await listProps(c);
  if (isHtmx(c) && htmxTarget(c) === 'handover-list') return c.html(<HandoverList {...list} />);
  return renderPage(c, <HandoversPage shell={await shellProps(c, 'Shift Handovers')} list={list} waiting={await waitingForMe(c)} />);
});

handoverPages.get('/handovers/new', requirePermission('handovers.submit'), async (c) => {
  const props = await createFormProps(c, formProcess(c, c.req.query('process_id')));
  const form = <HandoverCreateForm {...props} />;
  if (isHtmx(c) && htmxTarget(c) === 'handover-form') return c.html(form);
  if (isHtmx(c)) return c.html(<Modal title="Submit Shift Handover" wide>{form}</Modal>);
  return renderPage(c, <AppShell {...await shellProps(c, 'Submit Shift Handover')}>{formPage(form)}</AppShell>);
});

handoverPages.post('/handovers', requirePermission('handovers.submit'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const form = await readForm(c);
  try {
    const handover = await createHandover(db, actorOf(c), await withInstant(c, form), clock(), { appUrl: config.appUrl });
    const message = `${handover.shift} handed over to ${handover.recipient_name}`;
    if (isHtmx(c)) {
      toast(c, message, ['handovers:changed']);
      // Close the modal: the list refreshes on handovers:changed.
      c.header('HX-Retarget', '#modal');
      c.header('HX-Reswap', 'innerHTML');
      return c.html('');
    }
    flash(c, message);
    return c.redirect('/handovers', 302);
  } catch (err) {
    if (!(err instanceof DomainError) || (err.status !== 422 && err.status !== 403)) throw err;
    const props = {
      ...await createFormProps(c, formProcess(c, form.process_id)),
      values: form, errors: err.fields, error: err.fields ? undefined : err.message,
    };
    const body = <HandoverCreateForm {...props} />;
    if (isHtmx(c)) return c.html(body, 422);
    return renderPage(c, <AppShell {...await shellProps(c, 'Submit Shift Handover')}>{formPage(body)}</AppShell>, 422);
  }
});

handoverPages.post('/handovers/:id', async (c) => {
  const { db, clock, config } = c.get('deps');
  const id = parseId(c.req.param('id'));
  const form = await readForm(c);
  try {
    const handover = await acknowledgeHandover(db, actorOf(c), id, form, clock(), { appUrl: config.appUrl });
    const message = `${handover.shift} handover acknowledged`;
    if (isHtmx(c)) {
      toast(c, message, []);
      return c.html(<HandoverList {...await listProps(c)} />);
    }
    flash(c, message);
    return c.redirect('/handovers', 302);
  } catch (err) {
    if (!(err instanceof DomainError) || ![403, 409, 422].includes(err.status)) throw err;
    const message = err.fields ? Object.values(err.fields).join(' ') : err.message;
    const list = await listProps(c, { failed: { id, message } });
    const status = err.status === 422 ? 422 : 409;
    if (isHtmx(c)) {
      toast(c, err.message, [], 'error');
      return c.html(<HandoverList {...list} />, status);
    }
    const shell = { ...await shellProps(c, 'Shift Handovers'), flash: message };
    return renderPage(c, <HandoversPage shell={shell} list={list} waiting={await waitingForMe(c)} />, err.status === 403 ? 403 : status);
  }
});

/* ---------------------------------------------------------------- API */

function apiFilters(c: Ctx): HandoverFilters {
  const status = c.req.query('status');
  if (!status) return {};
  if (!(HANDOVER_STATUSES as readonly string[]).includes(status)) throw badRequest('status must be pending or acknowledged.');
  return { status: status as HandoverFilters['status'] };
}

export const handoverApi = new Hono<AppEnv>();
handoverApi.use('/handovers', requireAuth, requirePermission('handovers.view'));
handoverApi.use('/handovers/*', requireAuth, requirePermission('handovers.view'));

handoverApi.get('/handovers', async (c) => {
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listHandovers(c.get('deps').db, actorOf(c), apiFilters(c), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, cursorKey);
  return c.json({ items: items.map(serializeHandover), next_cursor: next });
});

handoverApi.post('/handovers', requirePermission('handovers.submit'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const created = await createHandover(db, actorOf(c), await readJson(c), clock(), { appUrl: config.appUrl });
  return c.json(serializeHandover(created), 201);
});

handoverApi.get('/handovers/:id', async (c) => {
  const h = await getHandover(c.get('deps').db, actorOf(c), parseId(c.req.param('id')));
  return c.json(serializeHandover(h));
});

handoverApi.patch('/handovers/:id', async (c) => {
  const { db, clock, config } = c.get('deps');
  const id = parseId(c.req.param('id'));
  const updated = await acknowledgeHandover(db, actorOf(c), id, await readJson(c), clock(), { appUrl: config.appUrl });
  return c.json(serializeHandover(updated), 200);
});
