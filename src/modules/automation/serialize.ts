import { iso } from '../../http/api.js';
import { nextOccurrence } from './config.js';
import type { RuleExecutionRow, RuleRow } from './queries.js';

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The automation rule record of API.md: the body fields plus execution_count and last_run_at. */
export function serializeRule(r: RuleRow, now: Date) {
  const trigger = parse(r.trigger_config) as Record<string, unknown> | null;
  let next: Date | null = null;
  if (r.trigger_type === 'schedule' && r.is_active && trigger && typeof trigger.cron === 'string') {
    next = nextOccurrence(trigger.cron, typeof trigger.timezone === 'string' && trigger.timezone ? trigger.timezone : r.process_timezone, now);
  }
  return {
    id: r.id,
    process_id: r.process_id,
    process_slug: r.process_slug,
    name: r.name,
    trigger_type: r.trigger_type,
    trigger_config: trigger,
    action_type: r.action_type,
    action_config: parse(r.action_config),
    is_active: Boolean(r.is_active),
    execution_count: r.execution_count,
    last_run_at: iso(r.last_run_at),
    next_run_at: iso(next),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

export function serializeRuleExecution(e: RuleExecutionRow) {
  return {
    id: e.id,
    incident_id: e.incident_id,
    incident_title: e.incident_title ?? null,
    occurrence_key: e.occurrence_key,
    result: e.result,
    executed_at: iso(e.executed_at),
  };
}
