import type { Insight } from './insights.js';

/** The insights record of API.md (`source`, `root_cause`, the three lists), plus what the page shows. */
export function serializeInsight(i: Insight) {
  return {
    incident_id: i.incident_id,
    source: i.source,
    model: i.model,
    fallback_reason: i.fallback_reason,
    category: i.category,
    root_cause: i.root_cause,
    recommended_actions: i.recommended_actions,
    similar_incidents: i.similar_incidents,
    prevention_tips: i.prevention_tips,
    generated_at: i.generated_at,
    cached: i.cached,
  };
}
