import type { Transaction } from 'kysely';
import { recordAction } from '../../audit.js';
import { affected, insertedId, type Db } from '../../db/index.js';
import { TICKET_STATUSES, TICKET_TYPES, type Database } from '../../db/schema.js';
import { conflict, forbidden, notFound } from '../../errors.js';
import { can } from '../../roles.js';
import { owningProcess, type Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';
import { LostRace, retryLostRace, whereAsRead } from '../../races.js';
import {
  findTicket, linkableIncident, ticketAssignees, ticketHistory, userNames,
  type TicketRow, type TicketStatus, type TicketType,
} from './queries.js';

type Trx = Transaction<Database>;

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 10_000;

export const STATUS_LABEL: Record<TicketStatus, string> = { open: 'open', in_progress: 'in progress', closed: 'closed' };
export const TYPE_LABEL: Record<TicketType, string> = { incident: 'Incident', change: 'Change', access: 'Access', report: 'Report' };

/**
 * Allowed status changes; anything else is a 409. Tickets move freely between open, in progress and
 * closed, except that a closed ticket is reopened to open (never straight to in progress).
 * Setting the same status is a no-op.
 */
const TRANSITIONS: Record<TicketStatus, TicketStatus[]> = {
  open: ['in_progress', 'closed'],
  in_progress: ['open', 'closed'],
  closed: ['open'],
};

export function nextStatuses(status: TicketStatus): TicketStatus[] {
  return TRANSITIONS[status] ?? [];
}

/** The assignee must be an active operator, manager or admin of the ticket's process. */
function checkAssignee(trx: Trx, processId: number, userId: number, fields: Fields) {
  return fields.ref('assigned_to', userId, async (id) => (await ticketAssignees(trx, processId)).find((u) => u.id === id),
    'Choose an active operator, manager or admin of this process.');
}

/** The linked incident must be one the actor can see, of the ticket's process. */
function checkIncident(trx: Trx, actor: Actor, processId: number, incidentId: number, fields: Fields) {
  return fields.ref('incident_id', incidentId, (id) => linkableIncident(trx, actor, processId, id), 'Choose an incident of this process.');
}

export async function createTicket(db: Db, actor: Actor, input: Record<string, unknown>, now: Date): Promise<TicketRow> {
  if (!can(actor.role, 'tickets.edit')) throw forbidden();
  const f = new Fields(input);
  const title = f.text('title', { required: true, max: TITLE_MAX, label: 'Title' });
  const type = f.oneOf('type', TICKET_TYPES, { required: true, label: 'Type' });
  const description = f.text('description', { max: DESCRIPTION_MAX, label: 'Description' });
  const assignedTo = f.optionalId('assigned_to', 'Assignee');
  const incidentId = f.optionalId('incident_id', 'Linked incident');
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process this ticket belongs to.');
    f.check();
  }

  const id = await db.transaction().execute(async (trx) => {
    // Every problem at once: the process, assignee and incident are looked up even when other fields are wrong.
    const process = await f.ref('process_id', processId,
      (pid) => trx.selectFrom('processes').select(['id']).where('id', '=', pid).executeTakeFirst(), 'Unknown process.');
    if (process && assignedTo !== null) await checkAssignee(trx, processId!, assignedTo, f);
    if (process && incidentId !== null) await checkIncident(trx, actor, processId!, incidentId, f);
    f.check();
    const ticketId = insertedId(await trx.insertInto('tickets').values({
      process_id: processId!, title: title!, description, type: type!, status: 'open',
      assigned_to: assignedTo, created_by: actor.userId, incident_id: incidentId,
      created_at: now, updated_at: now, closed_at: null,
    }).executeTakeFirstOrThrow());
    await recordAction(trx, actor, now, {
      action: 'ticket.create', entityType: 'ticket', entityId: ticketId, processId: processId!,
      changes: { title, type, assigned_to: assignedTo, incident_id: incidentId }, summary: title!,
    });
    return ticketId;
  });
  return (await findTicket(db, actor, id))!;
}

interface Patch {
  title?: string;
  description?: string | null;
  type?: TicketType;
  status?: TicketStatus;
  assigned_to?: number | null;
  incident_id?: number | null;
}

function readPatch(input: Record<string, unknown>): { patch: Patch; fields: Fields } {
  const f = new Fields(input);
  const patch: Patch = {};
  if (f.has('title')) {
    const t = f.text('title', { required: true, max: TITLE_MAX, label: 'Title' });
    if (t !== null) patch.title = t;
  }
  if (f.has('description')) patch.description = f.text('description', { max: DESCRIPTION_MAX, label: 'Description' });
  if (f.has('type')) {
    const t = f.oneOf('type', TICKET_TYPES, { required: true, label: 'Type' });
    if (t !== null) patch.type = t;
  }
  if (f.has('status')) {
    const s = f.oneOf('status', TICKET_STATUSES, { required: true, label: 'Status' });
    if (s !== null) patch.status = s;
  }
  if (f.has('assigned_to')) {
    const a = f.optionalId('assigned_to', 'Assignee');
    if (!f.errors.assigned_to) patch.assigned_to = a;
  }
  if (f.has('incident_id')) {
    const i = f.optionalId('incident_id', 'Linked incident');
    if (!f.errors.incident_id) patch.incident_id = i;
  }
  return { patch, fields: f };
}

/**
 * Applies any of title, description, type, status, assignee and linked incident in one transaction
 * with its audit entry and activity item. Illegal status changes are 409; unchanged values are a
 * no-op (no audit entry).
 */
export async function updateTicket(db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date): Promise<TicketRow> {
  if (!can(actor.role, 'tickets.edit')) throw forbidden();
  const { patch, fields } = readPatch(input);
  // Lost to a change at the same moment: tried again on what won (asking again for the same
  // status or assignee is then the no-op it is on its own).
  await retryLostRace('The ticket changed meanwhile. Reload and try again.', () => applyTicketPatch(db, actor, id, patch, fields, now));
  return (await findTicket(db, actor, id))!;
}

async function applyTicketPatch(
  db: Db, actor: Actor, id: number, patch: ReturnType<typeof readPatch>['patch'], fields: Fields, now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await findTicket(trx, actor, id);
    if (!current) throw notFound('Ticket');
    const currentStatus = current.status as TicketStatus;
    const changes: Record<string, [unknown, unknown]> = {};
    const set: Record<string, unknown> = {};

    if (patch.title !== undefined && patch.title !== current.title) {
      set.title = patch.title;
      changes.title = [current.title, patch.title];
    }
    if (patch.description !== undefined && patch.description !== current.description) {
      set.description = patch.description;
      changes.description = [current.description, patch.description];
    }
    if (patch.type !== undefined && patch.type !== current.type) {
      set.type = patch.type;
      changes.type = [current.type, patch.type];
    }
    if (patch.assigned_to !== undefined && patch.assigned_to !== current.assigned_to) {
      if (patch.assigned_to !== null) await checkAssignee(trx, current.process_id, patch.assigned_to, fields);
      set.assigned_to = patch.assigned_to;
      changes.assigned_to = [current.assigned_to, patch.assigned_to];
    }
    if (patch.incident_id !== undefined && patch.incident_id !== current.incident_id) {
      if (patch.incident_id !== null) await checkIncident(trx, actor, current.process_id, patch.incident_id, fields);
      set.incident_id = patch.incident_id;
      changes.incident_id = [current.incident_id, patch.incident_id];
    }
    // Every problem at once: the plain fields are checked together with the lookups above.
    fields.check();
    if (patch.status !== undefined && patch.status !== currentStatus) {
      if (!nextStatuses(currentStatus).includes(patch.status)) {
        throw conflict(`A ${STATUS_LABEL[currentStatus]} ticket cannot be moved to ${STATUS_LABEL[patch.status]}; reopen it first.`);
      }
      set.status = patch.status;
      changes.status = [currentStatus, patch.status];
      if (patch.status === 'closed') set.closed_at = now;
      else if (currentStatus === 'closed') set.closed_at = null;
    }
    if (Object.keys(set).length === 0) return;

    // Conditional on the status and every changed field as read, so two racing changes cannot both apply.
    const res = await whereAsRead(trx.updateTable('tickets').set({ ...set, updated_at: now })
      .where('id', '=', current.id).where('status', '=', current.status), current, Object.keys(changes)).executeTakeFirst();
    if (affected(res) === 0) throw new LostRace();
    await recordAction(trx, actor, now, {
      action: 'ticket.update', entityType: 'ticket', entityId: current.id, processId: current.process_id,
      changes, summary: (set.title as string | undefined) ?? current.title,
    });
  });
}

export interface HistoryEntry {
  id: number;
  action: string;
  user_id: number | null;
  user_name: string | null;
  created_at: Date;
  /** Human sentences describing the entry, e.g. "Status changed from open to in progress". */
  messages: string[];
}

function parseChanges(raw: string | null): Record<string, unknown> {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** [old, new] of an update entry, or [undefined, value] for a create entry. */
function pair(v: unknown): [unknown, unknown] {
  return Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [undefined, v];
}

const statusText = (s: unknown) => STATUS_LABEL[s as TicketStatus] ?? String(s);
const typeText = (s: unknown) => TYPE_LABEL[s as TicketType]?.toLowerCase() ?? String(s);

function describe(action: string, changes: Record<string, unknown>, names: Map<number, string>): string[] {
  const who = (id: unknown) => (typeof id === 'number' ? names.get(id) ?? `user #${id}` : null);
  if (action === 'ticket.create') {
    const type = changes.type ? typeText(changes.type) : null;
    const out = [type ? `Created as ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} ticket` : 'Created'];
    if (typeof changes.assigned_to === 'number') out.push(`Assigned to ${who(changes.assigned_to)}`);
    if (typeof changes.incident_id === 'number') out.push(`Linked to incident #${changes.incident_id}`);
    return out;
  }
  const out: string[] = [];
  for (const [key, value] of Object.entries(changes)) {
    const [before, after] = pair(value);
    switch (key) {
      case 'status':
        out.push(before === undefined ? `Status set to ${statusText(after)}` : `Status changed from ${statusText(before)} to ${statusText(after)}`);
        break;
      case 'assigned_to':
        out.push(after === null || after === undefined ? 'Unassigned' : `Assigned to ${who(after)}`);
        break;
      case 'incident_id':
        out.push(after === null || after === undefined ? 'Incident link removed' : `Linked to incident #${String(after)}`);
        break;
      case 'title':
        out.push(`Title changed to “${String(after)}”`);
        break;
      case 'type':
        out.push(`Type changed${before ? ` from ${typeText(before)}` : ''} to ${typeText(after)}`);
        break;
      case 'description':
        out.push(after ? 'Description updated' : 'Description cleared');
        break;
      default:
        out.push(`${key.replace(/_/g, ' ')} changed`);
    }
  }
  return out.length ? out : ['Updated'];
}

/** The ticket and its history (its audit entries as sentences), or 404. */
export async function getTicketWithHistory(db: Db, actor: Actor, id: number): Promise<{ ticket: TicketRow; history: HistoryEntry[] }> {
  const ticket = await findTicket(db, actor, id);
  if (!ticket) throw notFound('Ticket');
  const rows = await ticketHistory(db, ticket);
  const parsed = rows.map((r) => ({ row: r, changes: parseChanges(r.changes) }));
  const ids = new Set<number>();
  for (const { changes } of parsed) {
    const [, after] = pair(changes.assigned_to);
    if (typeof after === 'number') ids.add(after);
  }
  const names = await userNames(db, [...ids]);
  const history = parsed.map(({ row, changes }) => ({
    id: row.id,
    action: row.action,
    user_id: row.user_id,
    user_name: row.user_name ?? null,
    created_at: row.created_at,
    messages: describe(row.action, changes, names),
  }));
  return { ticket, history };
}
