import type { Incident } from '../../db/schema.js';
import { iso } from '../../http/api.js';

/** The incident record of API.md. */
export function serializeIncident(i: Incident) {
  return {
    id: i.id,
    process_id: i.process_id,
    title: i.title,
    description: i.description,
    severity: i.severity,
    status: i.status,
    assigned_to: i.assigned_to,
    opened_at: iso(i.opened_at),
    resolved_at: iso(i.resolved_at),
    rca: i.rca,
    reminder_sent_at: iso(i.reminder_sent_at),
    acknowledged_at: iso(i.acknowledged_at),
    source: i.source,
  };
}
