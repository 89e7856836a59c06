import { recordAction } from '../../audit.js';
import type { Db } from '../../db/index.js';
import { forbidden, notFound } from '../../errors.js';
import { can } from '../../roles.js';
import type { Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';
import { findIncident, type TimelineEntry } from './queries.js';
import { addIncidentEvent } from './timeline.js';

export const NOTE_MAX = 5_000;

/**
 * A note on an incident's timeline: what was tried, what was found, who was called. Notes are the
 * team's working log: no email, no automation; the audit log and the activity feed record them.
 */
export async function addIncidentNote(db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date): Promise<TimelineEntry> {
  if (!can(actor.role, 'incidents.edit')) throw forbidden();
  const f = new Fields(input);
  const body = f.text('note', { required: true, max: NOTE_MAX, label: 'Note' });
  f.check();
  const eventId = await db.transaction().execute(async (trx) => {
    const incident = await findIncident(trx, actor, id);
    if (!incident) throw notFound('Incident');
    const inserted = await addIncidentEvent(trx, incident, actor, 'note', body!, now);
    await recordAction(trx, actor, now, {
      action: 'incident.note', entityType: 'incident', entityId: incident.id, processId: incident.process_id,
      changes: { note: body }, summary: incident.title,
    });
    return inserted;
  });
  // The entry as the timeline reads it back, without reading the whole timeline for it.
  return { id: eventId, kind: 'note', message: body!, user_id: actor.userId, user_name: actor.name, created_at: now };
}
