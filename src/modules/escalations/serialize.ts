import { iso } from '../../http/api.js';
import type { ChainView, ExecutionRow } from './queries.js';

/** The escalation chain record of API.md, with its tiers and how often it fired. */
export function serializeChain(c: ChainView) {
  return {
    id: c.id,
    process_id: c.process_id,
    process_slug: c.process_slug,
    name: c.name,
    trigger_severity: c.trigger_severity,
    is_active: Boolean(c.is_active),
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
    tiers: c.tiers.map((t) => ({
      id: t.id,
      position: t.position,
      delay_minutes: t.delay_minutes,
      channels: t.channels,
      user_id: t.user_id,
      user_name: t.user_name,
      webhook_url: t.webhook_url,
    })),
    execution_count: c.stats.execution_count,
    last_fired_at: iso(c.stats.last_fired_at),
  };
}

export function serializeExecution(e: ExecutionRow) {
  return {
    id: e.id,
    incident_id: e.incident_id,
    incident_title: e.incident_title,
    incident_severity: e.incident_severity,
    tier_id: e.tier_id,
    tier_position: e.tier_position ?? null,
    target_user_id: e.target_user_id,
    target_name: e.target_name ?? null,
    fired_at: iso(e.fired_at),
  };
}
