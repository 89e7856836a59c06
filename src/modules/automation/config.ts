import { Cron } from 'croner';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../db/schema.js';
import { isValidTimeZone } from '../../time.js';

/**
 * Automation rules as data: what each trigger and action looks like, how its stored JSON is read
 * back, and how a rule is matched against an incident. Validation here reports problems per field
 * (`trigger_config.cron`, `action_config.roles`, ...) so the API and the form say what is wrong.
 */

export const TRIGGER_TYPES = ['severity_unresolved', 'schedule', 'custom'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
export const ACTION_TYPES = ['escalate_chain', 'email_digest', 'email_roles'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];
/** Roles a rule may email (clients hear from the team through client notifications instead). */
export const MAIL_ROLES = ['viewer', 'operator', 'manager', 'admin'] as const;
export type MailRole = (typeof MAIL_ROLES)[number];

export const TRIGGER_LABELS: Record<TriggerType, string> = {
  severity_unresolved: 'Severity unresolved after N minutes',
  schedule: 'Scheduled (cron)',
  custom: 'Custom conditions',
};
export const ACTION_LABELS: Record<ActionType, string> = {
  escalate_chain: 'Escalate via chain',
  email_digest: 'Email digest of open incidents and SLA figures',
  email_roles: 'Email chosen roles about the incident',
};

/** 30 days: the longest threshold, age or tier delay. */
export const MAX_MINUTES = 43_200;
export const TITLE_CONTAINS_MAX = 200;

export interface CustomConditions {
  severity?: number[];
  status?: IncidentStatus[];
  title_contains?: string;
  min_age_minutes?: number;
  process?: string;
}

export type Trigger =
  | { type: 'severity_unresolved'; severity: number; minutes: number }
  | { type: 'schedule'; cron: string; timezone: string | null }
  | { type: 'custom'; conditions: CustomConditions };

export type Action =
  | { type: 'escalate_chain'; chain_id: number }
  | { type: 'email_digest'; roles: MailRole[] }
  | { type: 'email_roles'; roles: MailRole[] };

type Errors = Record<string, string>;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function wholeNumber(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,9}$/.test(v.trim())) return Number(v.trim());
  return null;
}

function intIn(v: unknown, min: number, max: number): number | null {
  const n = wholeNumber(v);
  return n !== null && n >= min && n <= max ? n : null;
}

/** A cron pattern croner accepts, that runs at all, and not more often than the worker ticks. */
export function cronProblem(pattern: string, timezone: string): string | null {
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone, paused: true, mode: '5-or-6-parts' });
  } catch (e) {
    return `Not a valid cron expression: ${(e as Error).message.replace(/^CronPattern: /, '')}`;
  }
  const runs = cron.nextRuns(6, new Date());
  if (runs.length === 0) return 'This cron expression never runs.';
  for (let i = 1; i < runs.length; i++) {
    if (runs[i].getTime() - runs[i - 1].getTime() < 60_000) {
      return 'Runs more often than once a minute; the worker checks rules once a minute.';
    }
  }
  return null;
}

/** The most recent scheduled time at or before `now`, in the rule's zone. */
export function latestOccurrence(cron: string, timezone: string, now: Date): Date | null {
  try {
    const c = new Cron(cron, { timezone, paused: true, mode: '5-or-6-parts' });
    return c.previousRuns(1, new Date(now.getTime() + 1))[0] ?? null;
  } catch {
    return null;
  }
}

export function nextOccurrence(cron: string, timezone: string, now: Date): Date | null {
  try {
    return new Cron(cron, { timezone, paused: true, mode: '5-or-6-parts' }).nextRun(now);
  } catch {
    return null;
  }
}

const CUSTOM_KEYS = ['severity', 'status', 'title_contains', 'min_age_minutes', 'process'];

function listOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  return v === undefined || v === null || v === '' ? [] : [v];
}

/**
 * Reads and checks a trigger. `processSlug` is the rule's process (a `process` condition may only
 * name it); `defaultTz` the process's zone for schedules without one.
 */
export function readTrigger(type: unknown, config: unknown, errors: Errors, ctx: { processSlug: string | null; knownSlugs: string[] }): Trigger | null {
  if (typeof type !== 'string' || !(TRIGGER_TYPES as readonly string[]).includes(type)) {
    errors.trigger_type = `Trigger must be one of: ${TRIGGER_TYPES.join(', ')}.`;
    return null;
  }
  if (!isObject(config)) {
    errors.trigger_config = 'Trigger settings must be an object.';
    return null;
  }
  const before = Object.keys(errors).length;
  if (type === 'severity_unresolved') {
    const severity = intIn(config.severity, 1, 4);
    const minutes = intIn(config.minutes, 0, MAX_MINUTES);
    if (severity === null) errors['trigger_config.severity'] = 'Severity must be 1 to 4.';
    if (minutes === null) errors['trigger_config.minutes'] = `Minutes must be a whole number from 0 to ${MAX_MINUTES}.`;
    if (Object.keys(errors).length > before) return null;
    return { type, severity: severity!, minutes: minutes! };
  }
  if (type === 'schedule') {
    const cron = typeof config.cron === 'string' ? config.cron.trim().replace(/\s+/g, ' ') : '';
    let timezone: string | null = null;
    if (config.timezone !== undefined && config.timezone !== null && config.timezone !== '') {
      if (typeof config.timezone !== 'string' || config.timezone.length > 64 || !isValidTimeZone(config.timezone)) {
        errors['trigger_config.timezone'] = 'Time zone must be an IANA zone such as Africa/Johannesburg.';
      } else {
        timezone = config.timezone;
      }
    }
    if (!cron) errors['trigger_config.cron'] = 'A cron expression is required, e.g. "0 7 * * *" for 07:00 every day.';
    else if (cron.length > 100) errors['trigger_config.cron'] = 'The cron expression is too long.';
    else {
      const problem = cronProblem(cron, timezone ?? 'UTC');
      if (problem) errors['trigger_config.cron'] = problem;
    }
    if (Object.keys(errors).length > before) return null;
    return { type, cron, timezone };
  }
  // custom
  const conditions: CustomConditions = {};
  for (const key of Object.keys(config)) {
    if (!CUSTOM_KEYS.includes(key)) errors[`trigger_config.${key}`] = `Unknown condition "${key.slice(0, 40)}"; use ${CUSTOM_KEYS.join(', ')}.`;
  }
  if (config.severity !== undefined && config.severity !== null && config.severity !== '') {
    const list = listOf(config.severity).map((v) => intIn(v, 1, 4));
    if (list.length === 0 || list.some((v) => v === null)) errors['trigger_config.severity'] = 'Severity must be 1 to 4, or a list of them.';
    else conditions.severity = [...new Set(list as number[])].sort();
  }
  if (config.status !== undefined && config.status !== null && config.status !== '') {
    const list = listOf(config.status);
    if (list.length === 0 || list.some((v) => typeof v !== 'string' || !(INCIDENT_STATUSES as readonly string[]).includes(v))) {
      errors['trigger_config.status'] = `Status must be one of ${INCIDENT_STATUSES.join(', ')}, or a list of them.`;
    } else conditions.status = [...new Set(list as IncidentStatus[])];
  }
  if (config.title_contains !== undefined && config.title_contains !== null && config.title_contains !== '') {
    const v = config.title_contains;
    if (typeof v !== 'string') errors['trigger_config.title_contains'] = 'Title text must be text.';
    else if (v.trim().length > TITLE_CONTAINS_MAX) errors['trigger_config.title_contains'] = `Title text must be at most ${TITLE_CONTAINS_MAX} characters.`;
    else if (v.trim()) conditions.title_contains = v.trim();
  }
  if (config.min_age_minutes !== undefined && config.min_age_minutes !== null && config.min_age_minutes !== '') {
    const n = intIn(config.min_age_minutes, 0, MAX_MINUTES);
    if (n === null) errors['trigger_config.min_age_minutes'] = `Age must be a whole number of minutes from 0 to ${MAX_MINUTES}.`;
    else conditions.min_age_minutes = n;
  }
  if (config.process !== undefined && config.process !== null && config.process !== '') {
    const v = config.process;
    if (typeof v !== 'string' || !ctx.knownSlugs.includes(v)) errors['trigger_config.process'] = 'Unknown process.';
    else if (ctx.processSlug !== null && v !== ctx.processSlug) errors['trigger_config.process'] = 'A rule only sees the incidents of its own process.';
    else conditions.process = v;
  }
  if (Object.keys(errors).length > before) return null;
  if (Object.keys(conditions).length === 0) {
    errors.trigger_config = 'Give at least one condition: severity, status, title_contains, min_age_minutes or process.';
    return null;
  }
  return { type: 'custom', conditions };
}

/** Reads and checks an action (the chain's existence is the service's job: it needs the database). */
export function readAction(type: unknown, config: unknown, errors: Errors, trigger: Trigger | null): Action | null {
  if (typeof type !== 'string' || !(ACTION_TYPES as readonly string[]).includes(type)) {
    errors.action_type = `Action must be one of: ${ACTION_TYPES.join(', ')}.`;
    return null;
  }
  if (!isObject(config)) {
    errors.action_config = 'Action settings must be an object.';
    return null;
  }
  if (trigger?.type === 'schedule' && type !== 'email_digest') {
    errors.action_type = 'A scheduled rule has no incident to act on: use the email digest.';
    return null;
  }
  if (type === 'escalate_chain') {
    const id = wholeNumber(config.chain_id);
    if (id === null || id <= 0) {
      errors['action_config.chain_id'] = 'Choose an escalation chain.';
      return null;
    }
    return { type, chain_id: id };
  }
  const roles = listOf(config.roles);
  if (roles.length === 0 || roles.some((r) => typeof r !== 'string' || !(MAIL_ROLES as readonly string[]).includes(r))) {
    errors['action_config.roles'] = `Choose at least one role: ${MAIL_ROLES.join(', ')}.`;
    return null;
  }
  return { type, roles: MAIL_ROLES.filter((r) => roles.includes(r)) } as Action;
}

/** The stored JSON as the engine reads it; null when it is not a valid rule any more. */
export function parseStored(row: { trigger_type: string; trigger_config: string; action_type: string; action_config: string; process_slug?: string | null }): { trigger: Trigger; action: Action } | null {
  let tc: unknown;
  let ac: unknown;
  try {
    tc = JSON.parse(row.trigger_config);
    ac = JSON.parse(row.action_config);
  } catch {
    return null;
  }
  const errors: Errors = {};
  // A stored cron is not re-validated for frequency (it was when saved); only parsed.
  let trigger: Trigger | null;
  if (row.trigger_type === 'schedule' && isObject(tc) && typeof tc.cron === 'string') {
    trigger = { type: 'schedule', cron: tc.cron, timezone: typeof tc.timezone === 'string' && tc.timezone ? tc.timezone : null };
  } else {
    trigger = readTrigger(row.trigger_type, tc, errors, { processSlug: null, knownSlugs: row.process_slug ? [row.process_slug] : [] });
  }
  const action = readAction(row.action_type, ac, errors, trigger);
  return trigger && action ? { trigger, action } : null;
}

export function triggerConfigJson(t: Trigger): Record<string, unknown> {
  if (t.type === 'severity_unresolved') return { severity: t.severity, minutes: t.minutes };
  if (t.type === 'schedule') return t.timezone ? { cron: t.cron, timezone: t.timezone } : { cron: t.cron };
  return { ...t.conditions };
}

export function actionConfigJson(a: Action): Record<string, unknown> {
  return a.type === 'escalate_chain' ? { chain_id: a.chain_id } : { roles: a.roles };
}

export interface IncidentFacts {
  severity: number;
  status: string;
  title: string;
  opened_at: Date;
  process_slug: string;
}

/** True when the rule's incident conditions hold for the incident now. */
export function matchesIncident(t: Trigger, inc: IncidentFacts, now: Date): boolean {
  const age = now.getTime() - inc.opened_at.getTime();
  if (t.type === 'severity_unresolved') return inc.status !== 'resolved' && inc.severity === t.severity && age >= t.minutes * 60_000;
  if (t.type === 'schedule') return false;
  const c = t.conditions;
  if (c.severity && !c.severity.includes(inc.severity)) return false;
  if (c.status && !c.status.includes(inc.status as IncidentStatus)) return false;
  if (c.title_contains && !inc.title.toLowerCase().includes(c.title_contains.toLowerCase())) return false;
  if (c.min_age_minutes !== undefined && age < c.min_age_minutes * 60_000) return false;
  if (c.process && c.process !== inc.process_slug) return false;
  return true;
}

/** Minutes after opening at which an incident rule becomes due (null for schedules). */
export function dueOffsetMinutes(t: Trigger): number | null {
  if (t.type === 'severity_unresolved') return t.minutes;
  if (t.type === 'custom') return t.conditions.min_age_minutes ?? 0;
  return null;
}

const SEV = (n: number) => `Sev ${n}`;

/** "Sev 1 unresolved after 30 min", "Every day at 07:00 (cron 0 0 7 * * *, Africa/Johannesburg)", ... */
export function describeTrigger(t: Trigger, defaultTz: string): string {
  if (t.type === 'severity_unresolved') return `${SEV(t.severity)} unresolved after ${t.minutes} min`;
  if (t.type === 'schedule') return `Schedule: ${t.cron} (${t.timezone ?? defaultTz})`;
  const c = t.conditions;
  const parts: string[] = [];
  if (c.severity) parts.push(c.severity.length === 1 ? SEV(c.severity[0]) : `Sev ${c.severity.join('/')}`);
  if (c.status) parts.push(`status ${c.status.map((s) => s.replace('_', ' ')).join(' or ')}`);
  if (c.title_contains) parts.push(`title contains “${c.title_contains}”`);
  if (c.min_age_minutes !== undefined) parts.push(`open ${c.min_age_minutes}+ min`);
  if (c.process) parts.push(`process ${c.process}`);
  return `Custom: ${parts.join(', ')}`;
}

export function describeAction(a: Action, chainName: (id: number) => string | null): string {
  if (a.type === 'escalate_chain') return `Escalate via chain ${chainName(a.chain_id) ?? `#${a.chain_id} (missing)`}`;
  const roles = a.roles.join(', ');
  return a.type === 'email_digest' ? `Email digest to ${roles}` : `Email ${roles} about the incident`;
}
