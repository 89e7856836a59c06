import { iso } from '../../http/api.js';
import type { HandoverRow } from './queries.js';

/** The handover record of the API: the seed's columns plus names and an `acknowledged` flag. */
export function serializeHandover(h: HandoverRow) {
  return {
    id: h.id,
    process_id: h.process_id,
    process_slug: h.process_slug,
    shift: h.shift,
    handover_time: iso(h.handover_time),
    submitted_by: h.submitted_by,
    submitter_name: h.submitter_name,
    recipient_id: h.recipient_id,
    recipient_name: h.recipient_name,
    open_incidents: h.open_incidents,
    actions_taken: h.actions_taken,
    notes: h.notes,
    created_at: iso(h.created_at),
    acknowledged: h.acknowledged_at !== null,
    acknowledged_at: iso(h.acknowledged_at),
  };
}
