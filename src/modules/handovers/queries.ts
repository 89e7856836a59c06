import type { Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import { UNRESOLVED_INCIDENT_STATUSES, type Database } from '../../db/schema.js';
import type { Cursor } from '../../pagination.js';
import { crossesProcesses, scoped, type Actor } from '../../tenancy.js';
import { listTableFirst, olderThan, processesFor } from '../../db/keyset.js';

type Executor = Db | Transaction<Database>;

export const HANDOVER_STATUSES = ['pending', 'acknowledged'] as const;
export type HandoverStatus = (typeof HANDOVER_STATUSES)[number];

export interface HandoverFilters {
  status?: HandoverStatus;
}

function listBase(db: Executor, actor: Actor) {
  return scoped(db.selectFrom('handovers'), actor, 'handovers.process_id')
    .innerJoin(processesFor(db, crossesProcesses(actor)), 'processes.id', 'handovers.process_id')
    .innerJoin('users as submitter', 'submitter.id', 'handovers.submitted_by')
    .innerJoin('users as recipient', 'recipient.id', 'handovers.recipient_id')
    .selectAll('handovers')
    .select(['submitter.name as submitter_name', 'recipient.name as recipient_name', 'processes.name as process_name',
      'processes.slug as process_slug', 'processes.timezone as process_timezone']);
}

export type HandoverRow = Awaited<ReturnType<ReturnType<typeof listBase>['executeTakeFirstOrThrow']>>;

/** One page of handovers, newest handover time first, by keyset on (handover_time, id). */
export async function listHandovers(db: Executor, actor: Actor, f: HandoverFilters, cursor: Cursor | null, limit: number): Promise<HandoverRow[]> {
  let q = listBase(db, actor);
  if (f.status === 'pending') q = q.where('handovers.acknowledged_at', 'is', null);
  else if (f.status === 'acknowledged') q = q.where('handovers.acknowledged_at', 'is not', null);
  if (cursor) {
    q = q.where(olderThan(cursor, 'handovers.handover_time', 'handovers.id'));
  }
  return listTableFirst(db, q, crossesProcesses(actor))
    .orderBy('handovers.handover_time', 'desc').orderBy('handovers.id', 'desc').limit(limit + 1).execute();
}

/** The handover if the actor may see it, else undefined (the caller answers 404). */
export async function findHandover(db: Executor, actor: Actor, id: number): Promise<HandoverRow | undefined> {
  return listBase(db, actor).where('handovers.id', '=', id).executeTakeFirst();
}

/** Who a shift can be handed to: active operators and above of the process. */
export async function handoverRecipients(db: Executor, processId: number) {
  return db.selectFrom('users').select(['id', 'name', 'email', 'role'])
    .where('process_id', '=', processId)
    .where('is_active', '=', true)
    .where('role', 'in', ['operator', 'manager', 'admin', 'super_admin'])
    .orderBy('name')
    .execute();
}

const OPEN_INCIDENTS_SHOWN = 50;

/**
 * The process's currently open incidents as handover text, one line each (the form pre-fills it and
 * the submitter edits it): "- Title (Sev 1, in progress)", or "None".
 */
export async function openIncidentsText(db: Executor, processId: number): Promise<string> {
  const rows = await db.selectFrom('incidents').select(['id', 'title', 'severity', 'status'])
    .where('process_id', '=', processId)
    .where('status', 'in', UNRESOLVED_INCIDENT_STATUSES)
    .orderBy('severity').orderBy('opened_at', 'desc').orderBy('id', 'desc')
    .limit(OPEN_INCIDENTS_SHOWN + 1)
    .execute();
  if (rows.length === 0) return 'None';
  const lines = rows.slice(0, OPEN_INCIDENTS_SHOWN)
    .map((i) => `- #${i.id} ${i.title} (Sev ${i.severity}, ${i.status === 'in_progress' ? 'in progress' : 'open'})`);
  if (rows.length > OPEN_INCIDENTS_SHOWN) lines.push(`- … and more: see /incidents?status=active`);
  return lines.join('\n');
}
