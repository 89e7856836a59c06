import type { Transaction } from 'kysely';
import { recordAction } from '../../audit.js';
import { affected, insertedId, type Db } from '../../db/index.js';
import { INCIDENT_STATUSES, type Database, type IncidentStatus } from '../../db/schema.js';
import { conflict, forbidden, notFound } from '../../errors.js';
import { can } from '../../roles.js';
import { owningProcess, type Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';
import { LostRace, retryLostRace, whereAsRead } from '../../races.js';
import { assignableUsers, findIncident, timelineOf, type IncidentRow } from './queries.js';
import { incidentEmails } from './emails.js';
import { addIncidentEvent } from './timeline.js';
import { onIncidentChange } from '../automation/engine.js';

type Trx = Transaction<Database>;

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 10_000;
export const RCA_MAX = 10_000;

export interface MailContext {
  appUrl: string;
}

/** Allowed status changes; anything else is a 409. Setting the same status is a no-op. */
const TRANSITIONS: Record<IncidentStatus, IncidentStatus[]> = {
  open: ['in_progress', 'resolved'],
  in_progress: ['resolved'],
  resolved: ['open'],
};

export const STATUS_LABEL: Record<IncidentStatus, string> = { open: 'open', in_progress: 'in progress', resolved: 'resolved' };



/** The assignee must be an active member of the incident's process who works incidents. */
function checkAssignee(trx: Trx, processId: number, userId: number, fields: Fields): Promise<{ id: number; name: string } | null> {
  return fields.ref('assigned_to', userId, async (id) => (await assignableUsers(trx, processId)).find((u) => u.id === id),
    'Choose an active operator, manager or admin of this process.');
}

/** An operator may take an incident or let go of their own; assigning anyone else needs manager+. */
function checkAssignRight(actor: Actor, next: number | null, current: number | null): void {
  if (can(actor.role, 'incidents.assign_any')) return;
  if (next === actor.userId) return;
  if (next === null && current === actor.userId) return;
  throw forbidden('Only a manager or admin can assign incidents to someone else.');
}

export async function createIncident(db: Db, actor: Actor, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<IncidentRow> {
  if (!can(actor.role, 'incidents.edit')) throw forbidden();
  const f = new Fields(input);
  const title = f.text('title', { required: true, max: TITLE_MAX, label: 'Title' });
  const description = f.text('description', { max: DESCRIPTION_MAX, label: 'Description' });
  const severity = f.int('severity', { required: true, min: 1, max: 4, label: 'Severity' });
  const assignedTo = f.optionalId('assigned_to', 'Assignee');
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process this incident belongs to.');
    f.check();
  }

  const id = await db.transaction().execute(async (trx) => {
    // Every problem at once: the process and assignee are looked up even when other fields are wrong.
    const process = await f.ref('process_id', processId,
      (pid) => trx.selectFrom('processes').select(['id']).where('id', '=', pid).executeTakeFirst(), 'Unknown process.');
    let assignee: { id: number; name: string } | null = null;
    if (process && assignedTo !== null) {
      checkAssignRight(actor, assignedTo, null);
      assignee = await checkAssignee(trx, processId!, assignedTo, f);
    }
    f.check();
    const incidentId = insertedId(await trx.insertInto('incidents').values({
      process_id: processId!, title: title!, description, severity: severity!, status: 'open',
      assigned_to: assignee?.id ?? null, opened_by: actor.userId, opened_at: now, source: 'manual', updated_at: now,
    }).executeTakeFirstOrThrow());
    const ref = { id: incidentId, process_id: processId! };
    await addIncidentEvent(trx, ref, actor, 'created', `Opened by ${actor.name} as Sev ${severity}`, now);
    if (assignee) await addIncidentEvent(trx, ref, actor, 'assigned', `Assigned to ${assignee.name} by ${actor.name}`, now);
    await recordAction(trx, actor, now, {
      action: 'incident.create', entityType: 'incident', entityId: incidentId, processId: processId!,
      changes: { title, severity, assigned_to: assignee?.id ?? null }, summary: title!,
    });
    await incidentEmails(trx, { kind: 'created', incidentId, actor, now, mail });
    if (assignee && assignee.id !== actor.userId) {
      await incidentEmails(trx, { kind: 'assigned', incidentId, actor, now, mail });
    }
    await onIncidentChange(trx, incidentId, null, now, mail);
    return incidentId;
  });
  return (await findIncident(db, actor, id))!;
}

interface Patch {
  title?: string;
  description?: string | null;
  severity?: number;
  assigned_to?: number | null;
  status?: IncidentStatus;
  rca?: string | null;
}

function readPatch(input: Record<string, unknown>): { patch: Patch; fields: Fields } {
  const f = new Fields(input);
  const patch: Patch = {};
  if (f.has('title')) {
    const t = f.text('title', { required: true, max: TITLE_MAX, label: 'Title' });
    if (t !== null) patch.title = t;
  }
  if (f.has('description')) patch.description = f.text('description', { max: DESCRIPTION_MAX, label: 'Description' });
  if (f.has('severity')) {
    const s = f.int('severity', { required: true, min: 1, max: 4, label: 'Severity' });
    if (s !== null) patch.severity = s;
  }
  if (f.has('assigned_to')) {
    const a = f.optionalId('assigned_to', 'Assignee');
    if (!f.errors.assigned_to) patch.assigned_to = a;
  }
  if (f.has('status')) {
    const s = f.oneOf('status', INCIDENT_STATUSES, { required: true, label: 'Status' });
    if (s !== null) patch.status = s;
  }
  if (f.has('rca')) patch.rca = f.text('rca', { max: RCA_MAX, label: 'Root cause analysis' });
  return { patch, fields: f };
}

/**
 * Applies any of title, description, severity, assignee, status and RCA: one transaction with the
 * timeline, audit entry and emails. Illegal status changes are 409; the same status is a no-op.
 */
export async function updateIncident(db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<IncidentRow> {
  if (!can(actor.role, 'incidents.edit')) throw forbidden();
  const { patch, fields } = readPatch(input);
  // Field messages are raised inside, together with the references they name. A change that lost a
  // race is tried again on what won, in a new transaction (one on MySQL keeps reading its first
  // snapshot): asking for the status the incident now has is then the documented no-op (200), an
  // illegal move a 409, anything else applies on top.
  await retryLostRace('The incident changed meanwhile. Reload and try again.', () => applyIncidentPatch(db, actor, id, patch, fields, now, mail));
  return (await findIncident(db, actor, id))!;
}

async function applyIncidentPatch(
  db: Db, actor: Actor, id: number, patch: ReturnType<typeof readPatch>['patch'], fields: Fields, now: Date, mail: MailContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await findIncident(trx, actor, id);
    if (!current) throw notFound('Incident');
    // Every problem at once: the new assignee is looked up even when other fields are wrong.
    const reassign = patch.assigned_to !== undefined && patch.assigned_to !== current.assigned_to;
    if (reassign) checkAssignRight(actor, patch.assigned_to!, current.assigned_to);
    const assignee = reassign && patch.assigned_to ? await checkAssignee(trx, current.process_id, patch.assigned_to, fields) : null;
    fields.check();
    const changes: Record<string, [unknown, unknown]> = {};
    const set: Record<string, unknown> = {};
    const events: [string, string][] = [];
    const emails: ('assigned' | 'in_progress' | 'resolved')[] = [];

    if (patch.title !== undefined && patch.title !== current.title) {
      set.title = patch.title;
      changes.title = [current.title, patch.title];
      events.push(['title', `Title changed to “${patch.title}”`]);
    }
    if (patch.description !== undefined && patch.description !== current.description) {
      set.description = patch.description;
      changes.description = [current.description, patch.description];
      events.push(['description', 'Description updated']);
    }
    if (patch.severity !== undefined && patch.severity !== current.severity) {
      set.severity = patch.severity;
      changes.severity = [current.severity, patch.severity];
      events.push(['severity', `Severity changed from Sev ${current.severity} to Sev ${patch.severity}`]);
    }
    if (patch.rca !== undefined && patch.rca !== current.rca) {
      set.rca = patch.rca;
      changes.rca = [current.rca, patch.rca];
      events.push(['rca', patch.rca ? 'Root cause analysis updated' : 'Root cause analysis cleared']);
    }
    if (reassign) {
      if (patch.assigned_to === null) {
        events.push(['assigned', `Unassigned by ${actor.name}`]);
      } else {
        events.push(['assigned', assignee!.id === actor.userId ? `Taken by ${actor.name}` : `Assigned to ${assignee!.name} by ${actor.name}`]);
        if (assignee!.id !== actor.userId) emails.push('assigned');
      }
      set.assigned_to = patch.assigned_to;
      changes.assigned_to = [current.assigned_to, patch.assigned_to];
    }
    if (patch.status !== undefined && patch.status !== current.status) {
      if (!TRANSITIONS[current.status].includes(patch.status)) {
        throw conflict(`An incident that is ${STATUS_LABEL[current.status]} cannot be moved to ${STATUS_LABEL[patch.status]}.`);
      }
      set.status = patch.status;
      changes.status = [current.status, patch.status];
      if (patch.status === 'in_progress') {
        set.acknowledged_at = current.acknowledged_at ?? now;
        emails.push('in_progress');
      } else if (patch.status === 'resolved') {
        set.resolved_at = now;
        set.acknowledged_at = current.acknowledged_at ?? now;
        emails.push('resolved');
      } else {
        set.resolved_at = null;
      }
      events.push(['status', `Status changed from ${STATUS_LABEL[current.status]} to ${STATUS_LABEL[patch.status]} by ${actor.name}`]);
    }
    if (Object.keys(set).length === 0) return;

    // Conditional on the status and every changed field as read, so two racing changes (two people
    // taking the incident at once too) cannot both apply.
    const res = await whereAsRead(trx.updateTable('incidents').set({ ...set, updated_at: now })
      .where('id', '=', current.id).where('status', '=', current.status), current, Object.keys(changes)).executeTakeFirst();
    if (affected(res) === 0) throw new LostRace();
    for (const [kind, message] of events) await addIncidentEvent(trx, current, actor, kind, message, now);
    await recordAction(trx, actor, now, {
      action: 'incident.update', entityType: 'incident', entityId: current.id, processId: current.process_id,
      changes, summary: current.title,
    });
    for (const kind of emails) await incidentEmails(trx, { kind, incidentId: current.id, actor, now, mail });
    await onIncidentChange(trx, current.id, changes, now, mail);
  });
}

export async function getIncidentWithTimeline(db: Db, actor: Actor, id: number) {
  const incident = await findIncident(db, actor, id);
  if (!incident) throw notFound('Incident');
  const timeline = await timelineOf(db, id);
  // Notes are the team's working log: a client follows the incident's course, not its notes.
  return { incident, timeline: actor.role === 'client' ? timeline.filter((t) => t.kind !== 'note') : timeline };
}

/* ------------------------------------------------------------ alerts (no human actor) */

/** An incident a monitoring alert opens (src/modules/alerts): source "alert", no human actor. */
export interface AlertIncidentInput {
  processId: number;
  integrationId: number;
  integrationName: string;
  title: string;
  description: string | null;
  severity: number;
  dedupKey: string;
  /** Extra facts for the audit entry (the alert's status, the sender's address). */
  audit?: Record<string, unknown>;
}

/**
 * Opens an incident for a firing alert inside the caller's transaction, with the same timeline,
 * audit (system actor) and New Incident emails as a manual one. Returns the new incident's id.
 */
export async function createIncidentFromAlert(trx: Trx, a: AlertIncidentInput, now: Date, mail: MailContext): Promise<number> {
  const title = a.title.slice(0, TITLE_MAX);
  const description = a.description ? a.description.slice(0, DESCRIPTION_MAX) : null;
  const incidentId = insertedId(await trx.insertInto('incidents').values({
    process_id: a.processId, title, description, severity: a.severity, status: 'open', assigned_to: null, opened_by: null,
    opened_at: now, source: 'alert', dedup_key: a.dedupKey, integration_id: a.integrationId, updated_at: now,
  }).executeTakeFirstOrThrow());
  const ref = { id: incidentId, process_id: a.processId };
  await addIncidentEvent(trx, ref, null, 'alert', `Opened by an alert from ${a.integrationName} as Sev ${a.severity}`, now);
  await recordAction(trx, null, now, {
    action: 'incident.create', entityType: 'incident', entityId: incidentId, processId: a.processId,
    changes: { title, severity: a.severity, source: 'alert', integration_id: a.integrationId, dedup_key: a.dedupKey, ...a.audit },
    summary: title,
  });
  await incidentEmails(trx, { kind: 'created', incidentId, actor: null, now, mail });
  await onIncidentChange(trx, incidentId, null, now, mail);
  return incidentId;
}

/**
 * Resolves an incident because its alert resolved, inside the caller's transaction: a timeline
 * entry saying so, the status change, audit (system actor) and the Resolved emails. False when the
 * incident was already resolved or changed meanwhile (nothing is written then).
 */
export async function resolveIncidentFromAlert(
  trx: Trx,
  incident: { id: number; process_id: number; title: string; status: IncidentStatus; acknowledged_at: Date | null },
  note: string,
  now: Date,
  mail: MailContext,
  audit: Record<string, unknown> = {},
): Promise<boolean> {
  if (!TRANSITIONS[incident.status].includes('resolved')) return false;
  const res = await trx.updateTable('incidents')
    .set({ status: 'resolved', resolved_at: now, acknowledged_at: incident.acknowledged_at ?? now, updated_at: now })
    .where('id', '=', incident.id).where('status', '=', incident.status).executeTakeFirst();
  if (affected(res) === 0) return false;
  await addIncidentEvent(trx, incident, null, 'alert', note, now);
  await addIncidentEvent(trx, incident, null, 'status', `Status changed from ${STATUS_LABEL[incident.status]} to resolved by the alert`, now);
  await recordAction(trx, null, now, {
    action: 'incident.update', entityType: 'incident', entityId: incident.id, processId: incident.process_id,
    changes: { status: [incident.status, 'resolved'], source: 'alert', ...audit }, summary: incident.title,
  });
  await incidentEmails(trx, { kind: 'resolved', incidentId: incident.id, actor: null, now, mail });
  await onIncidentChange(trx, incident.id, { status: [incident.status, 'resolved'] }, now, mail);
  return true;
}
