import type { Transaction } from 'kysely';
import { insertedId } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../../tenancy.js';

/** One line on an incident's timeline (a change, an assignment, an escalation, an email, a note); its id. */
export async function addIncidentEvent(
  trx: Transaction<Database>,
  incident: { id: number; process_id: number },
  actor: Actor | null,
  kind: string,
  message: string,
  now: Date,
): Promise<number> {
  return insertedId(await trx.insertInto('incident_events').values({
    process_id: incident.process_id, incident_id: incident.id, user_id: actor?.userId ?? null, kind, message, created_at: now,
  }).executeTakeFirstOrThrow());
}
