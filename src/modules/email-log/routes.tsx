import { Hono } from 'hono';
import { EmailLogList, EmailLogPage, EmailLogRowView } from '../../../views/email-log/EmailLogPage.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { badRequest, notFound } from '../../errors.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps, toast } from '../../http/render.js';
import { outboxStats, retryEmail } from '../../mail/dispatcher.js';
import { decodeCursor, pageCursor, page, parseLimit } from '../../pagination.js';
import { findEmail, isOutboxStatus, listEmails, serializeEmail, type EmailLogFilters } from './queries.js';

/**
 * The Email Log (admin+): every outbox row of the actor's process (super_admin: all, or the
 * process they view), with status tabs, a search, keyset pages and a Retry for undelivered mail.
 */

const PAGE_SIZE = 50;

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound('Email');
  return Number(raw);
}

/** Filters from the query string; unknown values are a 400 on the API and ignored on pages. */
function parseFilters(c: Ctx, strict: boolean): EmailLogFilters {
  const f: EmailLogFilters = {};
  const status = c.req.query('status');
  if (status) {
    if (isOutboxStatus(status)) f.status = status;
    else if (strict) throw badRequest('status must be queued, sending, sent, retrying, failed or bounced.');
  }
  const q = c.req.query('q')?.trim();
  if (q) f.q = q.slice(0, 200);
  return f;
}

function filterQuery(f: EmailLogFilters): string {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.q) p.set('q', f.q);
  return p.toString();
}

export const emailLogPages = new Hono<AppEnv>();
emailLogPages.use('/email-log', requireAuth, requirePermission('email_log.view'));
emailLogPages.use('/email-log/*', requireAuth, requirePermission('email_log.view'));

emailLogPages.get('/email-log', async (c) => {
  const { db, config } = c.get('deps');
  const actor = actorOf(c);
  const filters = parseFilters(c, false);
  const cursor = pageCursor(c.req.query('cursor'));
  const rows = await listEmails(db, actor, filters, cursor, PAGE_SIZE);
  const { items, next } = page(rows, PAGE_SIZE, (r) => ({ at: r.created_at, id: r.id }));
  const list = { actor, rows: items, next, filters, query: filterQuery(filters) };
  if (isHtmx(c) && htmxTarget(c) === 'email-log-list') return c.html(<EmailLogList {...list} />);
  const stats = await outboxStats(db, actor, { search: filters.q });
  return renderPage(c, <EmailLogPage shell={await shellProps(c, 'Email Log')} list={list} stats={stats} smtpConfigured={config.smtp !== null} />);
});

emailLogPages.post('/email-log/:id/retry', async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const id = parseId(c.req.param('id'));
  await retryEmail(db, actor, id, clock());
  if (isHtmx(c)) {
    const row = await findEmail(db, actor, id);
    if (!row) throw notFound('Email');
    toast(c, `Email #${id} queued again`);
    return c.html(<EmailLogRowView actor={actor} row={row} />);
  }
  flash(c, `Email #${id} queued again`);
  return c.redirect('/email-log', 303);
});

export const emailLogApi = new Hono<AppEnv>();
emailLogApi.use('/email-log', requireAuth, requirePermission('email_log.view'));
emailLogApi.use('/email-log/*', requireAuth, requirePermission('email_log.view'));

emailLogApi.get('/email-log', async (c) => {
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listEmails(c.get('deps').db, actorOf(c), parseFilters(c, true), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
  return c.json({ items: items.map(serializeEmail), next_cursor: next });
});

emailLogApi.get('/email-log/stats', async (c) => {
  return c.json(await outboxStats(c.get('deps').db, actorOf(c)));
});

emailLogApi.post('/email-log/:id/retry', async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const id = parseId(c.req.param('id'));
  await retryEmail(db, actor, id, clock());
  const row = await findEmail(db, actor, id);
  if (!row) throw notFound('Email');
  return c.json(serializeEmail(row));
});
