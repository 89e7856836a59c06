import { Hono } from 'hono';
import { ActivityFeed, ActivityPage, type FeedProps } from '../../../views/activity/ActivityPage.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { badRequest } from '../../errors.js';
import { iso } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { htmxTarget, isHtmx, renderPage, shellProps } from '../../http/render.js';
import { decodeCursor, pageCursor, page, parseLimit, type Cursor } from '../../pagination.js';
import { COUNT_DAYS, countByType, listActivity, serializeActivity, TYPE_FILTER } from './queries.js';

/**
 * The live activity feed (everyone): the events of the records the actor may see, newest first,
 * refreshed by htmx every 15 s, with a type filter and its counts over the last 7 days.
 */

const PAGE_SIZE = 50;
const DAY = 86_400_000;

function readType(c: Ctx, strict: boolean): string {
  const raw = (c.req.query('type') ?? '').trim();
  if (!raw) return '';
  if (TYPE_FILTER.test(raw)) return raw;
  if (strict) throw badRequest('type must be an entity type such as incident or ticket.');
  return '';
}

export const activityPages = new Hono<AppEnv>();
activityPages.use('/activity', requireAuth, requirePermission('activity.view'));

activityPages.get('/activity', async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const now = clock();
  const type = readType(c, false);
  const cursor = pageCursor(c.req.query('cursor'));
  const rows = await listActivity(db, actor, { type }, cursor, PAGE_SIZE);
  const { items, next } = page(rows, PAGE_SIZE, (r) => ({ at: r.created_at, id: r.id }));
  const counts = await countByType(db, actor, new Date(now.getTime() - COUNT_DAYS * DAY));
  const feed: FeedProps = { actor, rows: items, next, type, now, counts, live: cursor === null };
  if (isHtmx(c) && htmxTarget(c) === 'activity-feed') return c.html(<ActivityFeed {...feed} oob />);
  return renderPage(c, <ActivityPage shell={await shellProps(c, 'Live Activity Feed')} feed={feed} />);
});

/* ---------------------------------------------------------------- API */

export const activityApi = new Hono<AppEnv>();
activityApi.use('/activity', requireAuth, requirePermission('activity.view'));
activityApi.use('/activity/*', requireAuth, requirePermission('activity.view'));

activityApi.get('/activity', async (c) => {
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listActivity(c.get('deps').db, actorOf(c), { type: readType(c, true) }, decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
  return c.json({ items: items.map(serializeActivity), next_cursor: next });
});

activityApi.get('/activity/counts', async (c) => {
  const since = new Date(c.get('deps').clock().getTime() - COUNT_DAYS * DAY);
  const counts = await countByType(c.get('deps').db, actorOf(c), since);
  return c.json({ since: iso(since), ...counts });
});
