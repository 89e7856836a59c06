import { Hono, type MiddlewareHandler } from 'hono';
import { BellCount, BellPanel } from '../../../views/notifications/Bell.js';
import { NotificationList, type NotificationListProps } from '../../../views/notifications/NotificationList.js';
import { NotificationDetail, NotificationForm, NotificationsPage, sendLabel } from '../../../views/notifications/NotificationsPage.js';
import { Modal } from '../../../views/components/Modal.js';
import { AppShell } from '../../../views/layout/AppShell.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { sql } from 'kysely';
import { badRequest, DomainError, forbidden, notFound } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps, toast } from '../../http/render.js';
import { decodeCursor, pageCursor, page, parseLimit, type Cursor } from '../../pagination.js';
import { processFilter, type Actor } from '../../tenancy.js';
import {
  bellItems, deliveriesOf, deliverySummary, DIRECTIONS, findNotification, listNotifications, markAllRead, unreadCount,
  type Direction, type NotificationFilters, type NotificationRow,
} from './queries.js';
import { serializeNotification } from './serialize.js';
import { directionFor, sendNotification } from './service.js';

const PAGE_SIZE = 25;
const BELL_SIZE = 8;

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound('Notification');
  return Number(raw);
}

function parseFilters(c: Ctx, strict: boolean): NotificationFilters {
  const d = c.req.query('direction');
  if (!d) return {};
  if ((DIRECTIONS as readonly string[]).includes(d)) return { direction: d as Direction };
  if (strict) throw badRequest('direction must be ops_to_client or client_to_ops.');
  return {};
}

const cursorKey = (r: NotificationRow) => ({ at: r.sent_at, id: r.id });

async function listProps(c: Ctx): Promise<NotificationListProps> {
  const { db } = c.get('deps');
  const actor = actorOf(c);
  const filters = parseFilters(c, false);
  const cursor = pageCursor(c.req.query('cursor'));
  const rows = await listNotifications(db, actor, filters, cursor, PAGE_SIZE);
  const { items, next } = page(rows, PAGE_SIZE, cursorKey);
  const query = filters.direction ? new URLSearchParams({ direction: filters.direction }).toString() : '';
  return { actor, rows: items, deliveries: await deliverySummary(db, items.map((r) => r.id)), next, filters, query };
}

/** How many people a message from the actor reaches in the process they are in (or viewing). */
async function audienceSize(c: Ctx, actor: Actor, direction: Direction): Promise<number | undefined> {
  const pid = processFilter(actor);
  if (pid === null) return undefined;
  const q = c.get('deps').db.selectFrom('users').select(sql<number>`count(*)`.as('n'))
    .where('process_id', '=', pid).where('is_active', '=', true);
  const row = await (direction === 'ops_to_client' ? q.where('role', '=', 'client') : q.where('role', 'in', ['manager', 'admin'])).executeTakeFirst();
  return Number(row?.n ?? 0);
}

async function formProps(c: Ctx) {
  const actor = actorOf(c);
  const direction = directionFor(actor);
  if (!direction) throw forbidden('Your role cannot send notifications.');
  const processes = actor.role === 'super_admin' && processFilter(actor) === null
    ? await c.get('deps').db.selectFrom('processes').select(['id', 'name']).orderBy('name').execute()
    : undefined;
  return { actor, direction, processes, audience: await audienceSize(c, actor, direction) };
}

/** Staff see who each email went to and what became of it; a client sees the message only. */
async function detail(c: Ctx, id: number) {
  const { db } = c.get('deps');
  const actor = actorOf(c);
  const n = await findNotification(db, actor, id);
  if (!n) throw notFound('Notification');
  const deliveries = actor.role === 'client' ? null : await deliveriesOf(db, id);
  return { n, deliveries };
}

const viewers = [requireAuth, requirePermission('notifications.view')] as const;

/** The bell loads on every page: signed out, or held on the password page, it quietly shows nothing. */
const bellGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  const actor = c.get('actor');
  if (!actor || actor.mustChangePassword) return c.body(null, 204);
  await next();
};

export const notificationPages = new Hono<AppEnv>();

notificationPages.get('/notifications/bell/count', bellGuard, async (c) => {
  const count = await unreadCount(c.get('deps').db, actorOf(c));
  return c.html(<BellCount count={count} />);
});

notificationPages.post('/notifications/bell/open', bellGuard, async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const items = await bellItems(db, actor, BELL_SIZE);
  await markAllRead(db, actor, clock());
  const tz = (await db.selectFrom('processes').select('timezone').where('id', '=', actor.processId).executeTakeFirst())?.timezone ?? 'UTC';
  return c.html(<>
    <BellPanel items={items} now={clock()} tz={tz} client={actor.role === 'client'} />
    <BellCount count={0} oob />
  </>);
});

notificationPages.get('/notifications', ...viewers, async (c) => {
  const list = await listProps(c);
  if (isHtmx(c) && htmxTarget(c) === 'notification-list') return c.html(<NotificationList {...list} />);
  return renderPage(c, <NotificationsPage shell={await shellProps(c, 'Client Notifications')} list={list} direction={directionFor(actorOf(c))} />);
});

notificationPages.get('/notifications/new', ...viewers, async (c) => {
  const props = await formProps(c);
  const form = <NotificationForm {...props} />;
  if (isHtmx(c)) return c.html(<Modal title={props.direction === 'ops_to_client' ? 'Send Client Notification' : 'Message the ops team'}>{form}</Modal>);
  return renderPage(c, (
    <AppShell {...await shellProps(c, sendLabel(props.direction))}>
      <div class="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{form}</div>
    </AppShell>
  ));
});

notificationPages.post('/notifications', ...viewers, async (c) => {
  const { db, clock, config } = c.get('deps');
  const form = await readForm(c);
  try {
    const n = await sendNotification(db, actorOf(c), form, clock(), { appUrl: config.appUrl });
    const message = `Sent to ${n.recipients} ${n.recipients === 1 ? 'recipient' : 'recipients'}`;
    if (isHtmx(c)) {
      toast(c, message, ['notifications:changed']);
      c.header('HX-Retarget', '#modal');
      c.header('HX-Reswap', 'innerHTML');
      return c.html('');
    }
    flash(c, message);
    return c.redirect('/notifications', 302);
  } catch (err) {
    if (!(err instanceof DomainError) || (err.status !== 422 && err.status !== 409)) throw err;
    const props = { ...await formProps(c), values: form, errors: err.fields, error: err.fields ? undefined : err.message };
    const body = <NotificationForm {...props} />;
    if (isHtmx(c)) return c.html(body, err.status);
    return renderPage(c, (
      <AppShell {...await shellProps(c, sendLabel(props.direction))}>
        <div class="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{body}</div>
      </AppShell>
    ), err.status);
  }
});

notificationPages.get('/notifications/:id', ...viewers, async (c) => {
  const props = await detail(c, parseId(c.req.param('id')));
  if (isHtmx(c) && htmxTarget(c) === 'modal') {
    return c.html(<Modal title="Notification" wide><NotificationDetail {...props} /></Modal>);
  }
  return renderPage(c, (
    <AppShell {...await shellProps(c, 'Notification')}>
      <a href="/notifications" class="mb-3 inline-block text-sm text-teal hover:underline">← All notifications</a>
      <div class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm"><NotificationDetail {...props} /></div>
    </AppShell>
  ));
});

/* ---------------------------------------------------------------- API */

export const notificationApi = new Hono<AppEnv>();

notificationApi.get('/notifications', ...viewers, async (c) => {
  const { db } = c.get('deps');
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listNotifications(db, actorOf(c), parseFilters(c, true), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, cursorKey);
  const deliveries = await deliverySummary(db, items.map((r) => r.id));
  return c.json({ items: items.map((n) => serializeNotification(n, deliveries.get(n.id))), next_cursor: next });
});

notificationApi.post('/notifications', ...viewers, async (c) => {
  const { db, clock, config } = c.get('deps');
  const n = await sendNotification(db, actorOf(c), await readJson(c), clock(), { appUrl: config.appUrl });
  const deliveries = await deliverySummary(db, [n.id]);
  return c.json(serializeNotification(n, deliveries.get(n.id)), 201);
});

/** The signed-in user's unread count, as the bell shows it. */
notificationApi.get('/notifications/unread', ...viewers, async (c) => c.json({ unread: await unreadCount(c.get('deps').db, actorOf(c)) }));

/** Marks every notification of the bell read, as opening it does. */
notificationApi.post('/notifications/read', ...viewers, async (c) => {
  const { db, clock } = c.get('deps');
  return c.json({ marked: await markAllRead(db, actorOf(c), clock()) });
});

notificationApi.get('/notifications/:id', ...viewers, async (c) => {
  const { db } = c.get('deps');
  const { n, deliveries } = await detail(c, parseId(c.req.param('id')));
  const summary = await deliverySummary(db, [n.id]);
  return c.json({
    ...serializeNotification(n, summary.get(n.id)),
    deliveries: deliveries?.map((d) => ({ to: d.to_address, status: d.status, sent_at: d.sent_at ? d.sent_at.toISOString() : null })) ?? null,
  });
});
