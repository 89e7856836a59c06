import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { enqueueEmails, processRecipients } from '../../mail/outbox.js';
import { genericEmail } from '../../mail/templates.js';
import { formatDuration } from '../../time.js';
import { addIncidentEvent } from '../incidents/timeline.js';
import {
  ESCALATION_TASK, FIRST_START_LOOKBACK_MS, loadChains, openedWithin, OVERLAP_MS, MAX_FIRINGS_PER_TICK, RETRY_WINDOW_MS,
  type EngineOptions,
} from '../escalations/engine.js';
import {
  advanceWatermark, chunks, claim, core, engineTrx, finishCheck, lockIncident, mergeRanges, pendingChecks, readWatermark,
  requestCheck, type EngineDb, type EngineExecutor, type EngineTrx, type LockedIncident,
} from '../escalations/store.js';
import { dueOffsetMinutes, latestOccurrence, matchesIncident, parseStored, type Action, type Trigger } from './config.js';
import { buildDigest, digestEmail } from './digest.js';

/**
 * The automation engine. Rules fire at most once per incident (occurrence key "incident:<id>") or
 * once per scheduled time ("schedule:<ISO instant>"), claimed by the unique key (rule, occurrence)
 * in the same transaction as the action, the execution count and the timeline entry.
 *
 * - "Severity unresolved after N minutes" and custom rules with a minimum age become due at
 *   opened_at + N; the worker reads only incidents whose due time passed since its last tick.
 * - Custom rules are evaluated when an incident is created or updated (inside that transaction),
 *   and once more by the worker when the incident reaches the rule's age (0 if none).
 * - Scheduled rules fire for the latest scheduled time since the previous tick: missed times
 *   during downtime collapse into one run, and a first start does not catch up on older ones.
 */

export const AUTOMATION_TASK = 'automation';
const MINUTE = 60_000;

export interface AutomationOptions extends EngineOptions {
  /** The worker's tick interval: how far back a first start looks for a scheduled time. */
  intervalMs: number;
}

export interface RuleSpec {
  id: number;
  process_id: number;
  process_slug: string;
  process_name: string;
  process_timezone: string;
  name: string;
  created_at: Date;
  trigger: Trigger;
  action: Action;
}

/** Active rules, parsed; rules whose stored settings no longer parse are left out (and logged). */
export async function loadRules(db: EngineExecutor, f: { processIds?: number[]; log?: AutomationOptions['log'] } = {}): Promise<RuleSpec[]> {
  let q = db.selectFrom('automation_rules')
    .innerJoin('processes', 'processes.id', 'automation_rules.process_id')
    .select(['automation_rules.id', 'automation_rules.process_id', 'automation_rules.name', 'automation_rules.created_at',
      'automation_rules.trigger_type', 'automation_rules.trigger_config', 'automation_rules.action_type', 'automation_rules.action_config',
      'processes.slug as process_slug', 'processes.name as process_name', 'processes.timezone as process_timezone'])
    .where('automation_rules.is_active', '=', true);
  if (f.processIds) q = q.where('automation_rules.process_id', 'in', f.processIds);
  const rows = await q.orderBy('automation_rules.id').execute();
  const out: RuleSpec[] = [];
  for (const r of rows) {
    const parsed = parseStored(r);
    if (!parsed) {
      f.log?.error('automation rule has invalid settings; skipped', { rule: r.id });
      continue;
    }
    out.push({
      id: r.id, process_id: r.process_id, process_slug: r.process_slug, process_name: r.process_name,
      process_timezone: r.process_timezone, name: r.name, created_at: r.created_at, ...parsed,
    });
  }
  return out;
}

export type RuleOutcome = 'executed' | 'already' | 'skipped';

function roleList(roles: string[]): string {
  return roles.join(', ');
}

/**
 * The rule's action, inside its transaction; for incident rules the incident is locked. Returns
 * the line for the execution log.
 */
async function performAction(trx: EngineTrx, rule: RuleSpec, inc: LockedIncident | null, now: Date, opts: EngineOptions): Promise<string> {
  const a = rule.action;
  const event = (what: string) => (inc ? addIncidentEvent(core(trx), inc, null, 'automation', `Automation rule "${rule.name}" ${what}`, now) : Promise.resolve());
  if (a.type === 'escalate_chain') {
    if (!inc) return 'No incident to escalate.';
    const [chain] = await loadChains(trx, { ids: [a.chain_id], activeOnly: false });
    if (!chain || chain.process_id !== rule.process_id) {
      await event(`could not escalate: chain #${a.chain_id} no longer exists`);
      return `Chain #${a.chain_id} no longer exists: nothing escalated.`;
    }
    if (!chain.is_active) {
      await event(`could not escalate: chain ${chain.name} is paused`);
      return `Chain "${chain.name}" is paused: nothing escalated.`;
    }
    await claim(() => trx.insertInto('incident_escalations').values({
      process_id: inc.process_id, incident_id: inc.id, chain_id: chain.id, rule_id: rule.id, attached_at: now,
    }).execute());
    await event(`escalated via ${chain.name}`);
    if (inc.status !== 'open') return `Escalated via chain "${chain.name}" (already acknowledged: no tier fires).`;
    // The escalation task (next in the same worker tick) fires the tiers whose time has come.
    await requestCheck(trx, inc, [ESCALATION_TASK], now);
    return `Escalated via chain "${chain.name}".`;
  }
  const recipients = await processRecipients(core(trx), rule.process_id, a.roles);
  if (a.type === 'email_digest') {
    const digest = await buildDigest(trx, rule.process_id, now);
    if (recipients.length) {
      const rendered = digestEmail({ appUrl: opts.mail.appUrl, ruleName: rule.name, processName: rule.process_name, digest, now });
      await enqueueEmails(core(trx), recipients.map((r) => ({
        to: r.email, ...rendered, template: 'automation.digest', processId: rule.process_id, entityType: 'automation_rule', entityId: rule.id,
      })), now);
    }
    await event(`emailed a digest to ${recipients.length} ${recipients.length === 1 ? 'person' : 'people'} (${roleList(a.roles)})`);
    return recipients.length
      ? `Digest of ${digest.openTotal} open incident${digest.openTotal === 1 ? '' : 's'} emailed to ${recipients.length} ${recipients.length === 1 ? 'person' : 'people'} (${roleList(a.roles)}).`
      : `Nobody active with the roles ${roleList(a.roles)}: no digest sent.`;
  }
  // email_roles
  if (!inc) return 'No incident to email about.';
  if (recipients.length) {
    const age = formatDuration(now.getTime() - inc.opened_at.getTime());
    const rendered = genericEmail({
      appUrl: opts.mail.appUrl,
      subject: `[Sev ${inc.severity}] ${rule.name}: ${inc.title}`,
      heading: `${rule.name}: ${inc.title}`,
      lines: [
        `The automation rule “${rule.name}” matched this Sev ${inc.severity} incident in ${inc.process_name}, open for ${age}.`,
        ...(inc.description ? [inc.description.slice(0, 2000)] : []),
      ],
      facts: [
        { label: 'Incident', value: `#${inc.id} ${inc.title}` },
        { label: 'Severity', value: `Sev ${inc.severity}` },
        { label: 'Status', value: inc.status.replace(/_/g, ' ') },
        { label: 'Open for', value: age },
        { label: 'Assignee', value: inc.assignee_name ?? 'Unassigned' },
        { label: 'Process', value: inc.process_name },
      ],
      link: { href: `/incidents/${inc.id}`, label: 'View incident' },
    });
    await enqueueEmails(core(trx), recipients.map((r) => ({
      to: r.email, ...rendered, template: 'automation.incident', processId: inc.process_id, entityType: 'incident', entityId: inc.id,
    })), now);
  }
  await event(`emailed ${recipients.length} ${recipients.length === 1 ? 'person' : 'people'} (${roleList(a.roles)})`);
  return recipients.length
    ? `Emailed ${recipients.length} ${recipients.length === 1 ? 'person' : 'people'} (${roleList(a.roles)}) about the incident.`
    : `Nobody active with the roles ${roleList(a.roles)}: nothing sent.`;
}

/**
 * Executes a rule once for an occurrence, inside a transaction that (for incident rules) has the
 * incident locked. The conditions are checked against the incident as it is now.
 */
export async function executeRuleLocked(trx: EngineTrx, rule: RuleSpec, inc: LockedIncident | null, key: string, now: Date, opts: EngineOptions): Promise<RuleOutcome> {
  if (inc && !matchesIncident(rule.trigger, inc, now)) return 'skipped';
  const claimed = await claim(() => trx.insertInto('automation_executions').values({
    process_id: rule.process_id, rule_id: rule.id, incident_id: inc?.id ?? null, occurrence_key: key, result: null, executed_at: now,
  }).execute());
  if (!claimed) return 'already';
  await opts.hooks?.afterClaim?.({ kind: 'rule', incidentId: inc?.id ?? null, key: `rule:${rule.id}:${key}` });
  await trx.updateTable('automation_rules')
    .set((eb) => ({ execution_count: eb('execution_count', '+', 1), last_run_at: now }))
    .where('id', '=', rule.id).execute();
  const result = await performAction(trx, rule, inc, now, opts);
  await trx.updateTable('automation_executions').set({ result: result.slice(0, 1000) })
    .where('rule_id', '=', rule.id).where('occurrence_key', '=', key).execute();
  return 'executed';
}

async function executeRule(db: EngineDb, rule: RuleSpec, incidentId: number | null, key: string, now: Date, opts: EngineOptions): Promise<RuleOutcome> {
  const outcome = await db.transaction().execute(async (trx) => {
    let inc: LockedIncident | null = null;
    if (incidentId !== null) {
      inc = (await lockIncident(trx, incidentId)) ?? null;
      if (!inc) return 'skipped' as const;
    }
    return executeRuleLocked(trx, rule, inc, key, now, opts);
  });
  if (outcome === 'executed') await opts.hooks?.afterCommit?.({ kind: 'rule', incidentId, key: `rule:${rule.id}:${key}` });
  return outcome;
}

/**
 * Called by the incidents service inside the transaction that creates or changes an incident:
 * custom rules are evaluated against the incident as it now is, and fire at once (once per
 * incident). When the change can make time-based things apply whose time has already come — a new
 * severity, a reopen — the worker is asked to look at the incident again on its next tick:
 * "Severity unresolved" rules and the tiers of chains that now apply then fire if due.
 */
export async function onIncidentChange(
  trx: Transaction<Database>,
  incidentId: number,
  changes: Record<string, unknown> | null,
  now: Date,
  mail: { appUrl: string },
): Promise<void> {
  const t = engineTrx(trx);
  const inc = await lockIncident(t, incidentId);
  if (!inc) return;
  const rules = (await loadRules(t, { processIds: [inc.process_id] })).filter((r) => r.trigger.type === 'custom');
  for (const rule of rules) await executeRuleLocked(t, rule, inc, `incident:${inc.id}`, now, { mail });
  const status = changes?.status;
  if (changes && ('severity' in changes || (Array.isArray(status) && status[1] === 'open'))) {
    await requestCheck(t, inc, [AUTOMATION_TASK, ESCALATION_TASK], now);
  }
}

export interface AutomationResult {
  executed: number;
  already: number;
  skipped: number;
  failed: number;
  candidates: number;
}

interface Due {
  rule: RuleSpec;
  incidentId: number | null;
  key: string;
  due: number;
}

/**
 * The worker task: scheduled rules whose time came, incident rules that became due since the last
 * tick, and incidents a change asked to look at again; oldest first.
 */
export async function runAutomation(db: EngineDb, now: Date, opts: AutomationOptions): Promise<AutomationResult> {
  const result: AutomationResult = { executed: 0, already: 0, skipped: 0, failed: 0, candidates: 0 };
  const watermark = await readWatermark(db, AUTOMATION_TASK);
  const rules = await loadRules(db, { log: opts.log });
  const checks = await pendingChecks(db, AUTOMATION_TASK);
  const nowMs = now.getTime();
  const items: Due[] = [];

  // Scheduled rules: the latest scheduled time since the last tick (one tick back on a first start).
  const scheduleFrom = watermark ? watermark.getTime() - OVERLAP_MS : nowMs - opts.intervalMs;
  for (const rule of rules) {
    if (rule.trigger.type !== 'schedule') continue;
    const at = latestOccurrence(rule.trigger.cron, rule.trigger.timezone ?? rule.process_timezone, now);
    if (!at) continue;
    const t = at.getTime();
    if (t > scheduleFrom && t >= rule.created_at.getTime() && t <= nowMs) {
      items.push({ rule, incidentId: null, key: `schedule:${at.toISOString()}`, due: t });
    }
  }

  // Incident rules: incidents whose due time (opened_at + offset) fell in [from, now].
  const incidentRules = rules.map((r) => ({ rule: r, offset: dueOffsetMinutes(r.trigger) }))
    .filter((x): x is { rule: RuleSpec; offset: number } => x.offset !== null);
  const fromOf = (r: RuleSpec) => (watermark
    ? watermark.getTime() - OVERLAP_MS
    : Math.max(r.created_at.getTime(), nowMs - FIRST_START_LOOKBACK_MS));
  const ranges = mergeRanges(incidentRules.map(({ rule, offset }) => [fromOf(rule) - offset * MINUTE, nowMs - offset * MINUTE] as [number, number]));
  const processIds = [...new Set(incidentRules.map((x) => x.rule.process_id))];
  type Candidate = { id: number; process_id: number; severity: number; status: string; title: string; opened_at: Date; all: boolean };
  const candidates = new Map<number, Candidate>();
  for (const r of await openedWithin(db, ranges, processIds, null)) candidates.set(r.id, { ...r, all: false });
  for (const ids of chunks(checks.map((c) => c.incident_id), 500)) {
    const rows = await db.selectFrom('incidents').select(['id', 'process_id', 'severity', 'status', 'title', 'opened_at'])
      .where('id', 'in', ids).execute();
    for (const r of rows) candidates.set(r.id, { ...r, all: true });
  }
  result.candidates = candidates.size;
  const byProcess = new Map<number, { rule: RuleSpec; offset: number }[]>();
  for (const x of incidentRules) byProcess.set(x.rule.process_id, [...(byProcess.get(x.rule.process_id) ?? []), x]);
  for (const inc of candidates.values()) {
    const opened = inc.opened_at.getTime();
    for (const { rule, offset } of byProcess.get(inc.process_id) ?? []) {
      const due = opened + offset * MINUTE;
      if (due > nowMs || (!inc.all && due < fromOf(rule))) continue;
      if (!matchesIncident(rule.trigger, { ...inc, process_slug: rule.process_slug }, now)) continue;
      items.push({ rule, incidentId: inc.id, key: `incident:${inc.id}`, due });
    }
  }

  // Leave out what ran already (the unique key would refuse it anyway).
  const done = new Set<string>();
  const byRule = new Map<number, string[]>();
  for (const it of items) byRule.set(it.rule.id, [...(byRule.get(it.rule.id) ?? []), it.key]);
  for (const [ruleId, keys] of byRule) {
    for (const part of chunks(keys, 500)) {
      const rows = await db.selectFrom('automation_executions').select('occurrence_key')
        .where('rule_id', '=', ruleId).where('occurrence_key', 'in', part).execute();
      for (const r of rows) done.add(`${ruleId}|${r.occurrence_key}`);
    }
  }
  let todo = items.filter((it) => !done.has(`${it.rule.id}|${it.key}`))
    .sort((a, b) => a.due - b.due || a.rule.id - b.rule.id || (a.incidentId ?? 0) - (b.incidentId ?? 0));
  const max = opts.maxFirings ?? MAX_FIRINGS_PER_TICK;
  let until = nowMs;
  const unfinished = new Set<number>();
  if (todo.length > max) {
    until = todo[max - 1].due;
    for (const it of todo.slice(max)) if (it.incidentId !== null) unfinished.add(it.incidentId);
    todo = todo.slice(0, max);
  }
  let earliestFailure = Infinity;
  for (const it of todo) {
    try {
      result[await executeRule(db, it.rule, it.incidentId, it.key, now, opts)]++;
    } catch (err) {
      result.failed++;
      if (it.incidentId !== null) unfinished.add(it.incidentId);
      earliestFailure = Math.min(earliestFailure, it.due);
      opts.log?.error('automation rule failed', {
        rule: it.rule.id, incident: it.incidentId, error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
  }
  for (const c of checks) {
    if (!unfinished.has(c.incident_id) || c.requested_at.getTime() < nowMs - RETRY_WINDOW_MS) await finishCheck(db, AUTOMATION_TASK, c);
  }
  if (earliestFailure !== Infinity) until = Math.min(until, Math.max(earliestFailure, nowMs - RETRY_WINDOW_MS) + OVERLAP_MS - 1);
  await advanceWatermark(db, AUTOMATION_TASK, new Date(until), now);
  return result;
}
