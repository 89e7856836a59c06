import { Hono } from 'hono';
import { TicketDetail } from '../../../views/tickets/TicketDetail.js';
import { TicketBoard } from '../../../views/tickets/TicketList.js';
import { TicketCreateForm, TicketsPage } from '../../../views/tickets/TicketsPage.js';
import { AppShell } from '../../../views/layout/AppShell.js';
import { Modal } from '../../../views/components/Modal.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { TICKET_STATUSES, TICKET_TYPES } from '../../db/schema.js';
import { badRequest, DomainError, notFound } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps, toast } from '../../http/render.js';
import { decodeCursor, pageCursor, page, parseLimit, type Cursor } from '../../pagination.js';
import { processFilter, type Actor } from '../../tenancy.js';
import {
  countByStatus, linkableIncident, listTickets, recentIncidents, ticketAssignees,
  type TicketFilters, type TicketRow, type TicketStatus, type TicketType,
} from './queries.js';
import { serializeHistory, serializeTicket } from './serialize.js';
import { createTicket, getTicketWithHistory, updateTicket } from './service.js';

const PAGE_SIZE = 25;

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound('Ticket');
  return Number(raw);
}

/** Filters from the query string; unknown values are a 400 on the API and ignored on pages. */
function parseFilters(c: Ctx, strict: boolean): TicketFilters {
  const q = c.req.query();
  const f: TicketFilters = {};
  const bad = (m: string) => {
    if (strict) throw badRequest(m);
  };
  if (q.status) {
    if ((TICKET_STATUSES as readonly string[]).includes(q.status)) f.status = q.status as TicketStatus;
    else bad(`status must be one of: ${TICKET_STATUSES.join(', ')}.`);
  }
  if (q.type) {
    if ((TICKET_TYPES as readonly string[]).includes(q.type)) f.type = q.type as TicketType;
    else bad(`type must be one of: ${TICKET_TYPES.join(', ')}.`);
  }
  return f;
}

const cursorOf = (r: TicketRow): Cursor => ({ at: r.created_at, id: r.id });

/** Who can be picked as assignee and which incidents can be linked, for a process (or none). */
async function choicesFor(c: Ctx, processId: number | null, keepIncident: number | null = null) {
  const { db } = c.get('deps');
  const actor = actorOf(c);
  if (processId === null) return { assignable: [], incidents: [] };
  const [assignable, incidents] = await Promise.all([ticketAssignees(db, processId), recentIncidents(db, actor, processId)]);
  if (keepIncident !== null && !incidents.some((i) => i.id === keepIncident)) {
    const linked = await linkableIncident(db, actor, processId, keepIncident);
    if (linked) incidents.push(linked);
  }
  return { assignable, incidents };
}

async function detailProps(c: Ctx, id: number, extra: { errors?: Record<string, string>; error?: string; values?: Record<string, string> } = {}) {
  const { db } = c.get('deps');
  const actor = actorOf(c);
  const { ticket, history } = await getTicketWithHistory(db, actor, id);
  return { actor, ticket, history, ...await choicesFor(c, ticket.process_id, ticket.incident_id), ...extra };
}

export const ticketPages = new Hono<AppEnv>();
ticketPages.use('/tickets', requireAuth, requirePermission('tickets.view'));
ticketPages.use('/tickets/*', requireAuth, requirePermission('tickets.view'));

ticketPages.get('/tickets', async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const filters = parseFilters(c, false);
  const cursor = pageCursor(c.req.query('cursor'));
  const [rows, counts] = await Promise.all([
    listTickets(db, actor, filters, cursor, PAGE_SIZE),
    countByStatus(db, actor, filters.type),
  ]);
  const { items, next } = page(rows, PAGE_SIZE, cursorOf);
  const board = { actor, rows: items, next, filters, counts, now: clock() };
  if (isHtmx(c) && htmxTarget(c) === 'tickets-board') return c.html(<TicketBoard {...board} />);
  return renderPage(c, <TicketsPage shell={await shellProps(c, 'Ticketing')} board={board} />);
});

async function createFormProps(c: Ctx) {
  const actor = actorOf(c);
  const processes = actor.role === 'super_admin' && processFilter(actor) === null
    ? await c.get('deps').db.selectFrom('processes').select(['id', 'name']).orderBy('name').execute()
    : undefined;
  return { actor, processes, ...await choicesFor(c, processFilter(actor)) };
}

const formCard = (body: unknown) => <div class="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{body}</div>;

ticketPages.get('/tickets/new', requirePermission('tickets.edit'), async (c) => {
  const form = <TicketCreateForm {...await createFormProps(c)} />;
  if (isHtmx(c)) return c.html(<Modal title="New Ticket">{form}</Modal>);
  return renderPage(c, <AppShell {...await shellProps(c, 'New Ticket')}>{formCard(form)}</AppShell>);
});

ticketPages.post('/tickets', requirePermission('tickets.edit'), async (c) => {
  const { db, clock } = c.get('deps');
  const form = await readForm(c);
  try {
    const ticket = await createTicket(db, actorOf(c), form, clock());
    if (isHtmx(c)) {
      toast(c, `Ticket #${ticket.id} created`, ['tickets:changed']);
      // Replace the whole dialog, so its title names the new ticket.
      c.header('HX-Retarget', '#modal');
      c.header('HX-Reswap', 'innerHTML');
      return c.html(<Modal title={`Ticket #${ticket.id}`} recordPath={`/tickets/${ticket.id}`} wide><TicketDetail {...await detailProps(c, ticket.id)} /></Modal>);
    }
    flash(c, `Ticket #${ticket.id} created`);
    return c.redirect(`/tickets/${ticket.id}`, 302);
  } catch (err) {
    if (!(err instanceof DomainError) || (err.status !== 422 && err.status !== 403)) throw err;
    const props = { ...await createFormProps(c), values: form, errors: err.fields, error: err.fields ? undefined : err.message };
    const body = <TicketCreateForm {...props} />;
    if (isHtmx(c)) return c.html(body, 422);
    return renderPage(c, <AppShell {...await shellProps(c, 'New Ticket')}>{formCard(body)}</AppShell>, 422);
  }
});

ticketPages.get('/tickets/:id', async (c) => {
  const props = await detailProps(c, parseId(c.req.param('id')));
  if (isHtmx(c) && htmxTarget(c) === 'modal') {
    return c.html(<Modal title={`Ticket #${props.ticket.id}`} recordPath={`/tickets/${props.ticket.id}`} wide><TicketDetail {...props} /></Modal>);
  }
  return renderPage(c, (
    <AppShell {...await shellProps(c, `Ticket #${props.ticket.id}`)}>
      <a href="/tickets" class="mb-3 inline-block text-sm text-teal hover:underline">← All tickets</a>
      <div class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm"><TicketDetail {...props} /></div>
    </AppShell>
  ));
});

ticketPages.post('/tickets/:id', requirePermission('tickets.edit'), async (c) => {
  const { db, clock } = c.get('deps');
  const id = parseId(c.req.param('id'));
  const form = await readForm(c);
  try {
    await updateTicket(db, actorOf(c), id, form, clock());
    if (isHtmx(c)) {
      toast(c, 'Ticket updated', ['tickets:changed']);
      return c.html(<TicketDetail {...await detailProps(c, id)} />);
    }
    flash(c, 'Ticket updated');
    return c.redirect(`/tickets/${id}`, 302);
  } catch (err) {
    if (!(err instanceof DomainError) || ![403, 409, 422].includes(err.status)) throw err;
    const props = await detailProps(c, id, { errors: err.fields, error: err.fields ? 'Please correct the fields below.' : err.message, values: form });
    const status = err.status as 403 | 409 | 422;
    if (isHtmx(c)) {
      // htmx swaps 409 and 422 only: a refusal is shown as a toast over the unchanged panel.
      if (status === 403) toast(c, err.message, [], 'error');
      return c.html(<TicketDetail {...props} />, status === 403 ? 409 : status);
    }
    return renderPage(c, (
      <AppShell {...await shellProps(c, `Ticket #${id}`)}>
        <div class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm"><TicketDetail {...props} /></div>
      </AppShell>
    ), status);
  }
});

/* ---------------------------------------------------------------- API */

async function ticketJson(c: Ctx, actor: Actor, id: number) {
  const { ticket, history } = await getTicketWithHistory(c.get('deps').db, actor, id);
  return { ...serializeTicket(ticket), history: history.map(serializeHistory) };
}

export const ticketApi = new Hono<AppEnv>();
ticketApi.use('/tickets', requireAuth, requirePermission('tickets.view'));
ticketApi.use('/tickets/*', requireAuth, requirePermission('tickets.view'));

ticketApi.get('/tickets', async (c) => {
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listTickets(c.get('deps').db, actorOf(c), parseFilters(c, true), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, cursorOf);
  return c.json({ items: items.map(serializeTicket), next_cursor: next });
});

ticketApi.post('/tickets', requirePermission('tickets.edit'), async (c) => {
  const { db, clock } = c.get('deps');
  const created = await createTicket(db, actorOf(c), await readJson(c), clock());
  return c.json(await ticketJson(c, actorOf(c), created.id), 201);
});

ticketApi.get('/tickets/:id', async (c) => c.json(await ticketJson(c, actorOf(c), parseId(c.req.param('id')))));

ticketApi.patch('/tickets/:id', requirePermission('tickets.edit'), async (c) => {
  const { db, clock } = c.get('deps');
  const id = parseId(c.req.param('id'));
  await updateTicket(db, actorOf(c), id, await readJson(c), clock());
  return c.json(await ticketJson(c, actorOf(c), id), 200);
});
