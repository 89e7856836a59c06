import { iso } from '../../http/api.js';
import type { HistoryEntry } from './service.js';
import type { TicketRow } from './queries.js';

/** The ticket record of the API (the seed's columns plus names for display). */
export function serializeTicket(t: TicketRow) {
  return {
    id: t.id,
    process_id: t.process_id,
    process_slug: t.process_slug,
    title: t.title,
    description: t.description,
    type: t.type,
    status: t.status,
    assigned_to: t.assigned_to,
    assignee_name: t.assignee_name ?? null,
    created_by: t.created_by,
    creator_name: t.creator_name ?? null,
    incident_id: t.incident_id,
    incident_title: t.incident_title ?? null,
    created_at: iso(t.created_at),
    updated_at: iso(t.updated_at),
    closed_at: iso(t.closed_at),
  };
}

export function serializeHistory(h: HistoryEntry) {
  return {
    id: h.id,
    action: h.action,
    user_id: h.user_id,
    user_name: h.user_name,
    message: h.messages.join('; '),
    created_at: iso(h.created_at),
  };
}
