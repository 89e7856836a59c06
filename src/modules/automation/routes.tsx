import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { AutomationPage, RuleList, RuleRowView, type RuleItem } from '../../../views/automation/AutomationPage.js';
import { emptyRule, RuleForm, type RuleFormProps, type RuleFormValues } from '../../../views/automation/RuleForm.js';
import { RuleLogList, RuleLogPage } from '../../../views/automation/RuleLog.js';
import { AppShell } from '../../../views/layout/AppShell.js';
import { Modal } from '../../../views/components/Modal.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { DomainError, notFound } from '../../errors.js';
import { readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps, toast } from '../../http/render.js';
import { decodeCursor, page, parseLimit, type Cursor } from '../../pagination.js';
import { processFilter } from '../../tenancy.js';
import { readFormAll } from '../escalations/forms.js';
import { describeAction, describeTrigger, nextOccurrence, parseStored } from './config.js';
import { chainChoices, chainNames, listRules, ruleExecutions, type RuleRow } from './queries.js';
import { serializeRule, serializeRuleExecution } from './serialize.js';
import { createRule, deleteRule, getRule, setRuleActive, updateRule } from './service.js';

const PAGE_SIZE = 50;
const LOG_PAGE_SIZE = 25;
const FALLBACK_TZ = 'UTC';

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound('Automation rule');
  return Number(raw);
}

function softCursor(raw: string | undefined): Cursor | null {
  try {
    return decodeCursor(raw);
  } catch {
    return null;
  }
}

/** Rows with their trigger and action in words (chain names from one query). */
async function describe(c: Ctx, rows: RuleRow[]): Promise<RuleItem[]> {
  const { db, clock } = c.get('deps');
  const now = clock();
  const parsed = rows.map((r) => ({ r, p: parseStored(r) }));
  const ids = parsed.map(({ p }) => (p?.action.type === 'escalate_chain' ? p.action.chain_id : null)).filter((x): x is number => x !== null);
  const chains = await chainNames(db, [...new Set(ids)]);
  return parsed.map(({ r, p }) => {
    if (!p) return { row: r, trigger: r.trigger_type, action: r.action_type, nextRun: null, broken: true };
    const chain = p.action.type === 'escalate_chain' ? chains.get(p.action.chain_id) : undefined;
    const nextRun = p.trigger.type === 'schedule' && r.is_active
      ? nextOccurrence(p.trigger.cron, p.trigger.timezone ?? r.process_timezone, now) : null;
    return {
      row: r,
      trigger: describeTrigger(p.trigger, r.process_timezone),
      action: describeAction(p.action, () => (chain && chain.process_id === r.process_id ? chain.name : null)),
      nextRun,
      broken: p.action.type === 'escalate_chain' && (!chain || chain.process_id !== r.process_id),
    };
  });
}

async function listProps(c: Ctx) {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const rows = await listRules(db, actor, softCursor(c.req.query('cursor')), PAGE_SIZE);
  const { items, next } = page(rows, PAGE_SIZE, (r) => ({ at: r.created_at, id: r.id }));
  return { actor, rules: await describe(c, items), next, now: clock() };
}

const one = (v: string | string[] | undefined): string => (Array.isArray(v) ? v[v.length - 1] ?? '' : v ?? '');
const many = (v: string | string[] | undefined): string[] => (Array.isArray(v) ? v : v ? [v] : []);

function formValues(form: Record<string, string | string[]>): RuleFormValues {
  return {
    name: one(form.name), process_id: one(form.process_id), trigger_type: one(form.trigger_type), severity: one(form.severity),
    minutes: one(form.minutes).trim(), cron: one(form.cron), timezone: one(form.timezone).trim(), c_severity: many(form.c_severity),
    c_status: many(form.c_status), c_title_contains: one(form.c_title_contains), c_min_age_minutes: one(form.c_min_age_minutes).trim(),
    action_type: one(form.action_type), chain_id: one(form.chain_id), roles: many(form.roles), is_active: one(form.is_active) === 'true',
  };
}

/** The form as the service's input (the API's shape). */
function formInput(v: RuleFormValues): Record<string, unknown> {
  let trigger: Record<string, unknown> = {};
  if (v.trigger_type === 'severity_unresolved') trigger = { severity: v.severity, minutes: v.minutes };
  else if (v.trigger_type === 'schedule') trigger = { cron: v.cron, timezone: v.timezone || undefined };
  else if (v.trigger_type === 'custom') {
    trigger = {
      severity: v.c_severity.length ? v.c_severity : undefined,
      status: v.c_status.length ? v.c_status : undefined,
      title_contains: v.c_title_contains || undefined,
      min_age_minutes: v.c_min_age_minutes || undefined,
    };
  }
  const action = v.action_type === 'escalate_chain' ? { chain_id: v.chain_id } : { roles: v.roles };
  return {
    name: v.name, process_id: v.process_id || undefined, trigger_type: v.trigger_type, trigger_config: trigger,
    action_type: v.action_type, action_config: action, is_active: v.is_active,
  };
}

function ruleValues(r: RuleRow): RuleFormValues {
  const v = emptyRule();
  v.name = r.name;
  v.process_id = String(r.process_id);
  v.trigger_type = r.trigger_type;
  v.action_type = r.action_type;
  v.is_active = Boolean(r.is_active);
  const p = parseStored(r);
  if (!p) return v;
  const t = p.trigger;
  if (t.type === 'severity_unresolved') {
    v.severity = String(t.severity);
    v.minutes = String(t.minutes);
  } else if (t.type === 'schedule') {
    v.cron = t.cron;
    v.timezone = t.timezone ?? '';
  } else {
    v.c_severity = (t.conditions.severity ?? []).map(String);
    v.c_status = t.conditions.status ?? [];
    v.c_title_contains = t.conditions.title_contains ?? '';
    v.c_min_age_minutes = t.conditions.min_age_minutes !== undefined ? String(t.conditions.min_age_minutes) : '';
  }
  if (p.action.type === 'escalate_chain') v.chain_id = String(p.action.chain_id);
  else v.roles = p.action.roles;
  return v;
}

/** Chains to choose from and the default zone, for the actor's (or the rule's) process. */
async function formContext(c: Ctx, processId: number | null) {
  const { db } = c.get('deps');
  const actor = actorOf(c);
  const pid = processId ?? processFilter(actor);
  if (pid !== null) {
    const p = await db.selectFrom('processes').select('timezone').where('id', '=', pid).executeTakeFirst();
    return { chains: await chainChoices(db, [pid]), processes: undefined, defaultTimezone: p?.timezone ?? FALLBACK_TZ };
  }
  const processes = await db.selectFrom('processes').select(['id', 'name']).orderBy('name').execute();
  return { chains: await chainChoices(db, processes.map((p) => p.id)), processes, defaultTimezone: FALLBACK_TZ };
}

function card(body: Child) {
  return <div class="mx-auto max-w-2xl rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{body}</div>;
}

async function formResponse(c: Ctx, title: string, props: RuleFormProps, status: 200 | 422 = 200) {
  const form = <RuleForm {...props} />;
  if (isHtmx(c) && htmxTarget(c) === 'rule-form') return c.html(form, status);
  if (isHtmx(c)) return c.html(<Modal title={title} wide>{form}</Modal>, status);
  return renderPage(c, <AppShell {...await shellProps(c, title)}>{card(form)}</AppShell>, status);
}

export const automationPages = new Hono<AppEnv>();
automationPages.use('/automation', requireAuth, requirePermission('automation.view'));
automationPages.use('/automation/*', requireAuth, requirePermission('automation.view'));

automationPages.get('/automation', async (c) => {
  const list = await listProps(c);
  if (isHtmx(c) && htmxTarget(c) === 'rule-list') return c.html(<RuleList {...list} />);
  return renderPage(c, <AutomationPage shell={await shellProps(c, 'Automation Rules')} list={list} />);
});

automationPages.get('/automation/new', requirePermission('automation.manage'), async (c) => {
  return formResponse(c, 'New Automation Rule', { ruleId: null, values: emptyRule(), ...await formContext(c, null) });
});

async function saveRule(c: Ctx, ruleId: number | null) {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const values = formValues(await readFormAll(c));
  const title = ruleId === null ? 'New Automation Rule' : 'Edit Automation Rule';
  const processId = ruleId === null ? (/^\d{1,15}$/.test(values.process_id) ? Number(values.process_id) : null) : (await getRule(db, actor, ruleId)).process_id;
  try {
    const saved = ruleId === null
      ? await createRule(db, actor, formInput(values), clock())
      : await updateRule(db, actor, ruleId, formInput(values), clock());
    const message = ruleId === null ? `Rule “${saved.name}” created` : `Rule “${saved.name}” saved`;
    if (isHtmx(c)) {
      toast(c, message, ['automation:changed']);
      c.header('HX-Retarget', '#modal');
      c.header('HX-Reswap', 'innerHTML');
      return c.html('');
    }
    flash(c, message);
    return c.redirect('/automation', 302);
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 422) throw err;
    const ctx = await formContext(c, ruleId === null && processFilter(actor) === null ? null : processId);
    return formResponse(c, title, { ruleId, values, errors: err.fields, error: err.fields ? undefined : err.message, ...ctx }, 422);
  }
}

automationPages.post('/automation', requirePermission('automation.manage'), (c) => saveRule(c, null));

automationPages.get('/automation/:id/edit', requirePermission('automation.manage'), async (c) => {
  const rule = await getRule(c.get('deps').db, actorOf(c), parseId(c.req.param('id')));
  return formResponse(c, 'Edit Automation Rule', { ruleId: rule.id, values: ruleValues(rule), ...await formContext(c, rule.process_id) });
});

automationPages.post('/automation/:id', requirePermission('automation.manage'), (c) => saveRule(c, parseId(c.req.param('id'))));

automationPages.post('/automation/:id/toggle', requirePermission('automation.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const actor = actorOf(c);
  const id = parseId(c.req.param('id'));
  const form = await readFormAll(c);
  const current = await getRule(db, actor, id);
  const wanted = one(form.is_active) === '' ? !current.is_active : one(form.is_active) === 'true';
  try {
    const rule = await setRuleActive(db, actor, id, wanted, clock());
    const message = `Rule “${rule.name}” ${rule.is_active ? 'activated' : 'paused'}`;
    if (isHtmx(c)) {
      toast(c, message);
      const [item] = await describe(c, [rule]);
      return c.html(<RuleRowView item={item} actor={actor} now={clock()} />);
    }
    flash(c, message);
  } catch (err) {
    if (!(err instanceof DomainError) || err.status !== 422) throw err;
    const message = `Cannot activate “${current.name}”: ${Object.values(err.fields ?? {})[0] ?? err.message}`;
    if (isHtmx(c)) {
      toast(c, message, [], 'error');
      const [item] = await describe(c, [current]);
      return c.html(<RuleRowView item={item} actor={actor} now={clock()} />, 422);
    }
    flash(c, message);
  }
  return c.redirect('/automation', 302);
});

automationPages.post('/automation/:id/delete', requirePermission('automation.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const rule = await deleteRule(db, actorOf(c), parseId(c.req.param('id')), clock());
  const message = `Rule “${rule.name}” deleted`;
  if (isHtmx(c)) {
    toast(c, message);
    return c.html(<RuleList {...await listProps(c)} />);
  }
  flash(c, message);
  return c.redirect('/automation', 302);
});

automationPages.get('/automation/:id', async (c) => {
  const { db, clock } = c.get('deps');
  const rule = await getRule(db, actorOf(c), parseId(c.req.param('id')));
  const rows = await ruleExecutions(db, rule.id, softCursor(c.req.query('cursor')), LOG_PAGE_SIZE);
  const { items, next } = page(rows, LOG_PAGE_SIZE, (r) => ({ at: r.executed_at, id: r.id }));
  const log = { ruleId: rule.id, tz: rule.process_timezone, rows: items, next };
  if (isHtmx(c) && htmxTarget(c) === 'rule-log') return c.html(<RuleLogList {...log} />);
  const [item] = await describe(c, [rule]);
  return renderPage(c, <RuleLogPage shell={await shellProps(c, rule.name)} item={item} log={log} now={clock()} />);
});

/* ---------------------------------------------------------------- API */

export const automationApi = new Hono<AppEnv>();
automationApi.use('/automation-rules', requireAuth, requirePermission('automation.view'));
automationApi.use('/automation-rules/*', requireAuth, requirePermission('automation.view'));

automationApi.get('/automation-rules', async (c) => {
  const { db, clock } = c.get('deps');
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listRules(db, actorOf(c), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
  const now = clock();
  return c.json({ items: items.map((r) => serializeRule(r, now)), next_cursor: next });
});

automationApi.post('/automation-rules', requirePermission('automation.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const now = clock();
  return c.json(serializeRule(await createRule(db, actorOf(c), await readJson(c), now), now), 201);
});

automationApi.get('/automation-rules/:id', async (c) => {
  const { db, clock } = c.get('deps');
  return c.json(serializeRule(await getRule(db, actorOf(c), parseId(c.req.param('id'))), clock()));
});

automationApi.patch('/automation-rules/:id', requirePermission('automation.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const now = clock();
  return c.json(serializeRule(await updateRule(db, actorOf(c), parseId(c.req.param('id')), await readJson(c), now), now), 200);
});

automationApi.delete('/automation-rules/:id', requirePermission('automation.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  await deleteRule(db, actorOf(c), parseId(c.req.param('id')), clock());
  return c.body(null, 204);
});

automationApi.get('/automation-rules/:id/executions', async (c) => {
  const { db } = c.get('deps');
  const rule = await getRule(db, actorOf(c), parseId(c.req.param('id')));
  const limit = parseLimit(c.req.query('limit'));
  const rows = await ruleExecutions(db, rule.id, decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, (r) => ({ at: r.executed_at, id: r.id }));
  return c.json({ items: items.map(serializeRuleExecution), next_cursor: next });
});
