import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { ApprovalList, type ApprovalListProps } from '../../../views/approvals/ApprovalList.js';
import { ApprovalCreateForm, ApprovalsPage } from '../../../views/approvals/ApprovalsPage.js';
import { AppShell } from '../../../views/layout/AppShell.js';
import { Modal } from '../../../views/components/Modal.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { badRequest, DomainError, notFound } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps, toast } from '../../http/render.js';
import { decodeCursor, pageCursor, page, parseLimit, type Cursor } from '../../pagination.js';
import { processFilter } from '../../tenancy.js';
import { listApprovals, type ApprovalFilters, type ApprovalRow } from './queries.js';
import { serializeApproval } from './serialize.js';
import { createApproval, decideApproval, getApproval } from './service.js';

const PAGE_SIZE = 25;
const PENDING_LIMIT = 50;

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound('Approval request');
  return Number(raw);
}

const cursorKey = (r: ApprovalRow) => ({ at: r.submitted_at, id: r.id });

/** Pending requests (newest first) and one page of decided ones, as the page shows them. */
async function listProps(c: Ctx, extra: Pick<ApprovalListProps, 'failed'> = {}): Promise<ApprovalListProps> {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const cursor = pageCursor(c.req.query('cursor'));
  const pendingRows = await listApprovals(db, actor, { status: 'pending' }, null, PENDING_LIMIT);
  const decidedRows = await listApprovals(db, actor, { status: 'decided' }, cursor, PAGE_SIZE);
  const decided = page(decidedRows, PAGE_SIZE, cursorKey);
  return {
    actor,
    pending: pendingRows.slice(0, PENDING_LIMIT),
    pendingMore: pendingRows.length > PENDING_LIMIT,
    decided: decided.items,
    next: decided.next,
    now: clock(),
    ...extra,
  };
}

async function createFormProps(c: Ctx) {
  const actor = actorOf(c);
  const processes = actor.role === 'super_admin' && processFilter(actor) === null
    ? await c.get('deps').db.selectFrom('processes').select(['id', 'name']).orderBy('name').execute()
    : undefined;
  return { actor, processes };
}

function formPage(node: Child) {
  return <div class="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{node}</div>;
}

export const approvalPages = new Hono<AppEnv>();
approvalPages.use('/approvals', requireAuth, requirePermission('approvals.view'));
approvalPages.use('/approvals/*', requireAuth, requirePermission('approvals.view'));

approvalPages.get('/approvals', async (c) => {
  const list = await listProps(c);
  if (isHtmx(c) && htmxTarget(c) === 'approval-list') return c.html(<ApprovalList {...list} />);
  return renderPage(c, <ApprovalsPage shell={await shellProps(c, 'Approvals')} list={list} />);
});

approvalPages.get('/approvals/new', requirePermission('approvals.submit'), async (c) => {
  const form = <ApprovalCreateForm {...await createFormProps(c)} />;
  if (isHtmx(c)) return c.html(<Modal title="New Approval Request">{form}</Modal>);
  return renderPage(c, <AppShell {...await shellProps(c, 'New Approval Request')}>{formPage(form)}</AppShell>);
});

approvalPages.post('/approvals', requirePermission('approvals.submit'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const form = await readForm(c);
  try {
    const approval = await createApproval(db, actorOf(c), form, clock(), { appUrl: config.appUrl });
    if (isHtmx(c)) {
      toast(c, `Request #${approval.id} submitted`, ['approvals:changed']);
      // Close the modal: the list refreshes on approvals:changed.
      c.header('HX-Retarget', '#modal');
      c.header('HX-Reswap', 'innerHTML');
      return c.html('');
    }
    flash(c, `Request #${approval.id} submitted`);
    return c.redirect('/approvals', 302);
  } catch (err) {
    if (!(err instanceof DomainError) || (err.status !== 422 && err.status !== 403)) throw err;
    const props = { ...await createFormProps(c), values: form, errors: err.fields, error: err.fields ? undefined : err.message };
    const body = <ApprovalCreateForm {...props} />;
    if (isHtmx(c)) return c.html(body, 422);
    return renderPage(c, <AppShell {...await shellProps(c, 'New Approval Request')}>{formPage(body)}</AppShell>, 422);
  }
});

approvalPages.post('/approvals/:id', requirePermission('approvals.decide'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const id = parseId(c.req.param('id'));
  const form = await readForm(c);
  try {
    const approval = await decideApproval(db, actorOf(c), id, form, clock(), { appUrl: config.appUrl });
    const message = `Request #${approval.id} ${approval.status}`;
    if (isHtmx(c)) {
      toast(c, message, ['approvals:decided']);
      return c.html(<ApprovalList {...await listProps(c)} />);
    }
    flash(c, message);
    return c.redirect('/approvals', 302);
  } catch (err) {
    if (!(err instanceof DomainError) || ![403, 409, 422].includes(err.status)) throw err;
    const message = err.fields ? Object.values(err.fields).join(' ') : err.message;
    const list = await listProps(c, { failed: { id, message, note: form.note } });
    const status = err.status === 422 ? 422 : 409;
    if (isHtmx(c)) {
      if (err.status !== 422) toast(c, err.message, [], 'error');
      return c.html(<ApprovalList {...list} />, status);
    }
    return renderPage(c, <ApprovalsPage shell={{ ...await shellProps(c, 'Approvals'), flash: err.message }} list={list} />, err.status === 403 ? 403 : status);
  }
});

/* ---------------------------------------------------------------- API */

const API_STATUSES = ['pending', 'approved', 'rejected'] as const;

function apiFilters(c: Ctx): ApprovalFilters {
  const status = c.req.query('status');
  if (!status) return {};
  if (!(API_STATUSES as readonly string[]).includes(status)) throw badRequest('status must be pending, approved or rejected.');
  return { status: status as ApprovalFilters['status'] };
}

export const approvalApi = new Hono<AppEnv>();
approvalApi.use('/approvals', requireAuth, requirePermission('approvals.view'));
approvalApi.use('/approvals/*', requireAuth, requirePermission('approvals.view'));

approvalApi.get('/approvals', async (c) => {
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listApprovals(c.get('deps').db, actorOf(c), apiFilters(c), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, cursorKey);
  return c.json({ items: items.map(serializeApproval), next_cursor: next });
});

approvalApi.post('/approvals', requirePermission('approvals.submit'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const created = await createApproval(db, actorOf(c), await readJson(c), clock(), { appUrl: config.appUrl });
  return c.json(serializeApproval(created), 201);
});

approvalApi.get('/approvals/:id', async (c) => {
  const a = await getApproval(c.get('deps').db, actorOf(c), parseId(c.req.param('id')));
  return c.json(serializeApproval(a));
});

approvalApi.patch('/approvals/:id', requirePermission('approvals.decide'), async (c) => {
  const { db, clock, config } = c.get('deps');
  const id = parseId(c.req.param('id'));
  const decided = await decideApproval(db, actorOf(c), id, await readJson(c), clock(), { appUrl: config.appUrl });
  return c.json(serializeApproval(decided), 200);
});
