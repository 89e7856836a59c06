import { iso } from '../../http/api.js';
import type { IntegrationRow } from './queries.js';
import { alertUrl } from './service.js';
import { storedSeverityMap } from './severity.js';

/** The integration record of the API: with its `key` and the `url` monitoring posts alerts to. */
export function serializeIntegration(r: IntegrationRow, appUrl: string) {
  return {
    id: r.id,
    process_id: r.process_id,
    process_slug: r.process_slug,
    name: r.name,
    kind: r.kind,
    key: r.key,
    url: alertUrl(appUrl, r.key),
    default_severity: r.default_severity,
    severity_map: storedSeverityMap(r.severity_map) ?? {},
    is_active: r.is_active,
    created_by: r.created_by,
    created_at: iso(r.created_at),
    last_alert_at: iso(r.last_alert_at),
    alert_count: Number(r.alert_count),
  };
}
