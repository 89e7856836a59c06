import { Hono } from 'hono';
import { AuditLogList, AuditLogPage, IntegrityResult, type AuditFilterValues, type AuditListProps } from '../../../views/audit-log/AuditLogPage.js';
import { AppShell } from '../../../views/layout/AppShell.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { DomainError, validationFailed } from '../../errors.js';
import { iso } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { htmxTarget, isHtmx, renderPage, shellProps, toast } from '../../http/render.js';
import { decodeCursor, page, pageCursor, parseLimit } from '../../pagination.js';
import { Fields } from '../../validation.js';
import type { Actor } from '../../tenancy.js';
import { actorForProcess, defaultZone, parseRange } from '../reporting/range.js';
import { verifyAuditChains } from './integrity.js';
import { ACTION_FILTER, countAudit, knownActions, listAudit, serializeAudit, type AuditFilters } from './queries.js';

/**
 * The Audit Log (admin+): every entry of the actor's process (super_admin: all, or the process
 * they view), filtered by action and date range, newest first, with "Verify integrity".
 */

const PAGE_SIZE = 50;

/** Filters from the query string; every problem is a 422 naming its field. */
async function readFilters(c: Ctx, actor: Actor): Promise<{ filters: AuditFilters; values: AuditFilterValues; tz: string }> {
  const q = c.req.query();
  const tzDefault = await defaultZone(c.get('deps').db, actor);
  const action = (q.action ?? '').trim();
  if (action && !ACTION_FILTER.test(action)) {
    throw validationFailed({ action: 'An action looks like incident.update, or an entity type like incident.' });
  }
  // Besides calendar days, `from` and `to` take instants (2026-05-09T06:00:00Z), both inclusive, as
  // API clients often have one at hand ("what happened since I started?").
  const isInstant = { from: Boolean(q.from?.includes('T')), to: Boolean(q.to?.includes('T')) };
  const f = new Fields({ from: q.from?.trim(), to: q.to?.trim() });
  const fromAt = isInstant.from ? f.instant('from', { label: 'From' }) : null;
  const toAt = isInstant.to ? f.instant('to', { label: 'To' }) : null;
  f.check();
  const range = parseRange({ from: isInstant.from ? null : q.from, to: isInstant.to ? null : q.to, tz: q.tz }, { tz: tzDefault, now: c.get('deps').clock() });
  const start = fromAt ?? range.start;
  const end = toAt ? new Date(toAt.getTime() + 1) : range.end;
  if (start && end && start >= end) throw validationFailed({ to: 'The end date must be on or after the start date.' });
  return {
    filters: { action: action || undefined, start, end },
    values: { action, from: fromAt ? q.from.trim() : range.from ?? '', to: toAt ? q.to.trim() : range.to ?? '' },
    tz: range.tz,
  };
}

function filterQuery(values: AuditFilterValues, tz: string): string {
  const p = new URLSearchParams();
  if (values.action) p.set('action', values.action);
  if (values.from) p.set('from', values.from);
  if (values.to) p.set('to', values.to);
  if (values.from || values.to) p.set('tz', tz);
  return p.toString();
}

export const auditLogPages = new Hono<AppEnv>();
auditLogPages.use('/audit-log', requireAuth, requirePermission('audit.view'));
auditLogPages.use('/audit-log/*', requireAuth, requirePermission('audit.view'));

auditLogPages.get('/audit-log', async (c) => {
  const { db } = c.get('deps');
  const actor = actorOf(c);
  const partial = isHtmx(c) && htmxTarget(c) === 'audit-log-list';
  let list: AuditListProps;
  let values: AuditFilterValues = { action: c.req.query('action') ?? '', from: c.req.query('from') ?? '', to: c.req.query('to') ?? '' };
  let tz = await defaultZone(db, actor);
  let status: 200 | 422 = 200;
  try {
    const read = await readFilters(c, actor);
    values = read.values;
    tz = read.tz;
    const rows = await listAudit(db, actor, read.filters, pageCursor(c.req.query('cursor')), PAGE_SIZE);
    const { items, next } = page(rows, PAGE_SIZE, (r) => ({ at: r.created_at, id: r.id }));
    const total = await countAudit(db, actor, read.filters);
    list = { actor, rows: items, next, total, filtered: Boolean(values.action || values.from || values.to), query: filterQuery(values, tz) };
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 422) throw err;
    status = 422;
    list = { actor, rows: [], next: null, total: 0, filtered: true, query: '', error: Object.values(err.fields ?? {})[0] ?? err.message };
  }
  if (partial) return c.html(<AuditLogList {...list} />, status);
  const actions = await knownActions(db, actor);
  return renderPage(c, <AuditLogPage shell={await shellProps(c, 'Audit Log')} list={list} values={values} actions={actions} tz={tz} />, status);
});

auditLogPages.get('/audit-log/verify', async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const report = await verifyAuditChains(db, actor, clock());
  const tz = await defaultZone(db, actor);
  if (isHtmx(c)) {
    const broken = report.chains.filter((x) => !x.ok).length;
    toast(c, report.ok ? `Audit log intact: ${report.entries.toLocaleString('en-US')} entries verified` : `Audit log broken in ${broken} ${broken === 1 ? 'chain' : 'chains'}`, [], report.ok ? 'success' : 'error');
    return c.html(<IntegrityResult report={report} tz={tz} />);
  }
  return renderPage(c, (
    <AppShell {...await shellProps(c, 'Audit Log integrity')}>
      <a href="/audit-log" class="mb-3 inline-block text-sm text-teal hover:underline">← Audit Log</a>
      <IntegrityResult report={report} tz={tz} />
    </AppShell>
  ));
});

/* ---------------------------------------------------------------- API */

export const auditLogApi = new Hono<AppEnv>();
auditLogApi.use('/audit-log', requireAuth, requirePermission('audit.view'));
auditLogApi.use('/audit-log/*', requireAuth, requirePermission('audit.view'));

auditLogApi.get('/audit-log', async (c) => {
  const { db } = c.get('deps');
  const actor = await actorForProcess(db, actorOf(c), c.req.query('process'));
  const limit = parseLimit(c.req.query('limit'));
  const { filters } = await readFilters(c, actor);
  const rows = await listAudit(db, actor, filters, decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
  return c.json({ items: items.map(serializeAudit), next_cursor: next, total: await countAudit(db, actor, filters) });
});

auditLogApi.get('/audit-log/verify', async (c) => {
  const { db, clock } = c.get('deps');
  const actor = await actorForProcess(db, actorOf(c), c.req.query('process'));
  const report = await verifyAuditChains(db, actor, clock());
  return c.json({ ...report, checked_at: iso(report.checked_at) });
});
