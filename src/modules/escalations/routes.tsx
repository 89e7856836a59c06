import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { ChainDetailPage, DryRunView, ExecutionList } from '../../../views/escalations/ChainDetail.js';
import { blankTier, ChainForm, type ChainFormProps, type ChainFormValues, type TierValues } from '../../../views/escalations/ChainForm.js';
import { ChainList, EscalationsPage } from '../../../views/escalations/EscalationsPage.js';
import { AppShell } from '../../../views/layout/AppShell.js';
import { Modal } from '../../../views/components/Modal.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { badRequest, DomainError, notFound } from '../../errors.js';
import { readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps, toast } from '../../http/render.js';
import { decodeCursor, page, parseLimit, type Cursor } from '../../pagination.js';
import { processFilter } from '../../tenancy.js';
import { dryRun } from './dryrun.js';
import { readFormAll } from './forms.js';
import { chainExecutions, findChain, listChains, pageableUsers, withTiers, type ChainView } from './queries.js';
import { serializeChain, serializeExecution } from './serialize.js';
import { createChain, deleteChain, getChain, MAX_TIERS, updateChain } from './service.js';

const PAGE_SIZE = 50;
const EXEC_PAGE_SIZE = 25;

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound('Escalation chain');
  return Number(raw);
}

function softCursor(raw: string | undefined): Cursor | null {
  try {
    return decodeCursor(raw);
  } catch {
    return null;
  }
}

const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? v[v.length - 1] ?? '' : v ?? '');

/** The tier rows of the form, in the order they were shown. */
function formTiers(form: Record<string, string | string[]>): TierValues[] {
  const idx = Object.keys(form).map((k) => /^tier_delay_minutes_(\d{1,2})$/.exec(k)).filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1])).sort((a, b) => a - b);
  return idx.slice(0, MAX_TIERS + 1).map((i) => ({
    delay_minutes: one(form[`tier_delay_minutes_${i}`]).trim(),
    user_id: one(form[`tier_user_id_${i}`]),
    email: one(form[`tier_email_${i}`]) !== '',
    webhook: one(form[`tier_webhook_${i}`]) !== '',
    webhook_url: one(form[`tier_webhook_url_${i}`]).trim(),
  }));
}

function formValues(form: Record<string, string | string[]>): ChainFormValues {
  return { name: one(form.name), trigger_severity: one(form.trigger_severity), process_id: one(form.process_id), tiers: formTiers(form) };
}

/** The form as the service's input (the same shape the API takes). */
function formInput(v: ChainFormValues): Record<string, unknown> {
  return {
    name: v.name,
    trigger_severity: v.trigger_severity === '' ? null : v.trigger_severity,
    process_id: v.process_id || undefined,
    tiers: v.tiers.map((t) => ({
      delay_minutes: t.delay_minutes,
      channels: [t.email ? 'email' : null, t.webhook ? 'webhook' : null].filter(Boolean),
      user_id: t.user_id || null,
      webhook_url: t.webhook ? t.webhook_url : null,
    })),
  };
}

function chainValues(c: ChainView): ChainFormValues {
  return {
    name: c.name,
    trigger_severity: c.trigger_severity ? String(c.trigger_severity) : '',
    process_id: String(c.process_id),
    tiers: c.tiers.map((t) => ({
      delay_minutes: String(t.delay_minutes), user_id: t.user_id ? String(t.user_id) : '', email: t.channels.includes('email'),
      webhook: t.channels.includes('webhook'), webhook_url: t.webhook_url ?? '',
    })),
  };
}

/** Users a tier may page (and, for a super_admin viewing all processes, the processes). */
async function formContext(c: Ctx, processId: number | null) {
  const { db } = c.get('deps');
  const actor = actorOf(c);
  const viewing = processFilter(actor);
  if (processId !== null) return { users: await pageableUsers(db, [processId]), processes: undefined };
  if (viewing !== null) return { users: await pageableUsers(db, [viewing]), processes: undefined };
  const processes = await db.selectFrom('processes').select(['id', 'name']).orderBy('name').execute();
  return { users: await pageableUsers(db, processes.map((p) => p.id)), processes };
}

async function listProps(c: Ctx) {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const rows = await listChains(db, actor, softCursor(c.req.query('cursor')), PAGE_SIZE);
  const { items, next } = page(rows, PAGE_SIZE, (r) => ({ at: r.created_at, id: r.id }));
  return { actor, chains: await withTiers(db, items), next, now: clock() };
}

function card(body: Child) {
  return <div class="mx-auto max-w-2xl rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{body}</div>;
}

async function formResponse(c: Ctx, title: string, props: ChainFormProps, status: 200 | 422 = 200) {
  const form = <ChainForm {...props} />;
  if (isHtmx(c) && htmxTarget(c) === 'chain-form') return c.html(form, status);
  if (isHtmx(c)) return c.html(<Modal title={title} wide>{form}</Modal>, status);
  return renderPage(c, <AppShell {...await shellProps(c, title)}>{card(form)}</AppShell>, status);
}

/** "+ Add Tier" / "Remove": the same form with a row more or less, nothing saved. */
function rowAction(action: string, values: ChainFormValues): { values: ChainFormValues; focus: number } | null {
  if (action === 'add_tier') {
    const last = values.tiers[values.tiers.length - 1];
    const after = last && /^\d+$/.test(last.delay_minutes) ? String(Number(last.delay_minutes) + 15) : '';
    const tiers = values.tiers.length < MAX_TIERS ? [...values.tiers, blankTier(after)] : values.tiers;
    return { values: { ...values, tiers }, focus: tiers.length - 1 };
  }
  const m = /^remove_(\d{1,2})$/.exec(action);
  if (m) {
    const i = Number(m[1]);
    const tiers = values.tiers.filter((_, k) => k !== i);
    return { values: { ...values, tiers: tiers.length ? tiers : [blankTier('0')] }, focus: Math.max(0, Math.min(i, tiers.length - 1)) };
  }
  return null;
}

export const escalationPages = new Hono<AppEnv>();
escalationPages.use('/escalations', requireAuth, requirePermission('escalations.view'));
escalationPages.use('/escalations/*', requireAuth, requirePermission('escalations.view'));

escalationPages.get('/escalations', async (c) => {
  const list = await listProps(c);
  if (isHtmx(c) && htmxTarget(c) === 'chain-list') return c.html(<ChainList {...list} />);
  return renderPage(c, <EscalationsPage shell={await shellProps(c, 'Escalation Chains')} list={list} />);
});

escalationPages.get('/escalations/new', requirePermission('escalations.manage'), async (c) => {
  const ctx = await formContext(c, null);
  const values: ChainFormValues = { name: '', trigger_severity: '1', process_id: '', tiers: [blankTier('0')] };
  return formResponse(c, 'New Escalation Chain', { chainId: null, values, ...ctx });
});

async function saveChain(c: Ctx, chainId: number | null) {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const form = await readFormAll(c);
  const values = formValues(form);
  const title = chainId === null ? 'New Escalation Chain' : 'Edit Escalation Chain';
  const processId = chainId === null
    ? (/^\d{1,15}$/.test(values.process_id) ? Number(values.process_id) : null)
    : (await getChain(db, actor, chainId)).process_id;
  const ctx = await formContext(c, chainId === null && processFilter(actor) === null ? null : processId);
  const row = rowAction(one(form._action), values);
  if (row) return formResponse(c, title, { chainId, values: row.values, focusTier: row.focus, ...ctx });
  try {
    const saved = chainId === null
      ? await createChain(db, actor, formInput(values), clock())
      : await updateChain(db, actor, chainId, formInput(values), clock());
    const message = chainId === null ? `Chain “${saved.name}” created` : `Chain “${saved.name}” saved`;
    const from = c.req.header('hx-current-url') ?? '';
    if (isHtmx(c) && chainId !== null && new URL(from, 'http://x').pathname === `/escalations/${chainId}`) {
      flash(c, message);
      c.header('HX-Redirect', `/escalations/${chainId}`);
      return c.body(null, 200);
    }
    if (isHtmx(c)) {
      toast(c, message, ['escalations:changed']);
      c.header('HX-Retarget', '#modal');
      c.header('HX-Reswap', 'innerHTML');
      return c.html('');
    }
    flash(c, message);
    return c.redirect('/escalations', 302);
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 422) throw err;
    return formResponse(c, title, { chainId, values, errors: err.fields, error: err.fields ? undefined : err.message, ...ctx }, 422);
  }
}

escalationPages.post('/escalations', requirePermission('escalations.manage'), (c) => saveChain(c, null));

escalationPages.get('/escalations/:id/edit', requirePermission('escalations.manage'), async (c) => {
  const chain = await getChain(c.get('deps').db, actorOf(c), parseId(c.req.param('id')));
  const ctx = await formContext(c, chain.process_id);
  return formResponse(c, 'Edit Escalation Chain', { chainId: chain.id, values: chainValues(chain), ...ctx });
});

escalationPages.post('/escalations/:id', requirePermission('escalations.manage'), (c) => saveChain(c, parseId(c.req.param('id'))));

escalationPages.post('/escalations/:id/delete', requirePermission('escalations.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const id = parseId(c.req.param('id'));
  const chain = await getChain(db, actor, id);
  try {
    await deleteChain(db, actor, id, clock());
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 409) throw err;
    if (isHtmx(c)) {
      toast(c, err.message, [], 'error');
      return c.html(<ChainList {...await listProps(c)} />, 409);
    }
    flash(c, err.message);
    return c.redirect('/escalations', 302);
  }
  const message = `Chain “${chain.name}” deleted`;
  if (isHtmx(c)) {
    toast(c, message);
    return c.html(<ChainList {...await listProps(c)} />);
  }
  flash(c, message);
  return c.redirect('/escalations', 302);
});

function parseSeverity(raw: string | undefined, fallback: number, strict: boolean): number {
  if (raw === undefined || raw === '') return fallback;
  if (/^[1-4]$/.test(raw)) return Number(raw);
  if (strict) throw badRequest('severity must be 1 to 4.');
  return fallback;
}

escalationPages.get('/escalations/:id/dry-run', async (c) => {
  const { db, clock } = c.get('deps');
  const chain = await getChain(db, actorOf(c), parseId(c.req.param('id')));
  const run = await dryRun(db, chain, parseSeverity(c.req.query('severity'), chain.trigger_severity ?? 1, false), clock());
  const view = <DryRunView chain={chain} run={run} />;
  if (isHtmx(c) && htmxTarget(c) === 'dry-run') return c.html(view);
  if (isHtmx(c)) return c.html(<Modal title={`Dry run: ${chain.name}`} wide>{view}</Modal>);
  return renderPage(c, (
    <AppShell {...await shellProps(c, `Dry run: ${chain.name}`)}>
      <a href="/escalations" class="mb-3 inline-block text-sm text-teal hover:underline">← All chains</a>
      {card(view)}
    </AppShell>
  ));
});

escalationPages.get('/escalations/:id', async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const chain = await getChain(db, actor, parseId(c.req.param('id')));
  const rows = await chainExecutions(db, chain.id, softCursor(c.req.query('cursor')), EXEC_PAGE_SIZE);
  const { items, next } = page(rows, EXEC_PAGE_SIZE, (r) => ({ at: r.fired_at, id: r.id }));
  const executions = { chain, rows: items, next };
  if (isHtmx(c) && htmxTarget(c) === 'execution-list') return c.html(<ExecutionList {...executions} />);
  const run = await dryRun(db, chain, chain.trigger_severity ?? 1, clock());
  return renderPage(c, <ChainDetailPage shell={await shellProps(c, chain.name)} actor={actor} chain={chain} run={run} executions={executions} />);
});

/* ---------------------------------------------------------------- API */

export const escalationApi = new Hono<AppEnv>();
escalationApi.use('/escalation-chains', requireAuth, requirePermission('escalations.view'));
escalationApi.use('/escalation-chains/*', requireAuth, requirePermission('escalations.view'));

escalationApi.get('/escalation-chains', async (c) => {
  const { db } = c.get('deps');
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listChains(db, actorOf(c), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
  return c.json({ items: (await withTiers(db, items)).map(serializeChain), next_cursor: next });
});

escalationApi.post('/escalation-chains', requirePermission('escalations.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  return c.json(serializeChain(await createChain(db, actorOf(c), await readJson(c), clock())), 201);
});

escalationApi.get('/escalation-chains/:id', async (c) => {
  return c.json(serializeChain(await getChain(c.get('deps').db, actorOf(c), parseId(c.req.param('id')))));
});

escalationApi.patch('/escalation-chains/:id', requirePermission('escalations.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const id = parseId(c.req.param('id'));
  return c.json(serializeChain(await updateChain(db, actorOf(c), id, await readJson(c), clock())), 200);
});

escalationApi.delete('/escalation-chains/:id', requirePermission('escalations.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  await deleteChain(db, actorOf(c), parseId(c.req.param('id')), clock());
  return c.body(null, 204);
});

escalationApi.get('/escalation-chains/:id/executions', async (c) => {
  const { db } = c.get('deps');
  const chain = await findChain(db, actorOf(c), parseId(c.req.param('id')));
  if (!chain) throw notFound('Escalation chain');
  const limit = parseLimit(c.req.query('limit'));
  const rows = await chainExecutions(db, chain.id, decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, (r) => ({ at: r.fired_at, id: r.id }));
  return c.json({ items: items.map(serializeExecution), next_cursor: next });
});

escalationApi.get('/escalation-chains/:id/dry-run', async (c) => {
  const { db, clock } = c.get('deps');
  const chain = await getChain(db, actorOf(c), parseId(c.req.param('id')));
  const run = await dryRun(db, chain, parseSeverity(c.req.query('severity'), chain.trigger_severity ?? 1, true), clock());
  return c.json({
    chain_id: chain.id,
    severity: run.severity,
    opened_at: run.opened_at.toISOString(),
    applies: run.applies,
    note: run.note,
    tiers: run.steps.map((s) => ({
      position: s.position, delay_minutes: s.delay_minutes, at: s.at.toISOString(), channels: s.channels, webhook_url: s.webhook_url,
      target: s.target, via: s.via, user_unavailable: s.user_unavailable, reaches_nobody: s.reaches_nobody,
    })),
    oncall: run.oncall.map((o) => ({ from: o.from.toISOString(), to: o.to.toISOString(), primary: o.primary, backup: o.backup })),
    rules: run.rules,
  });
});
