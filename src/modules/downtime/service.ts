import type { Transaction } from 'kysely';
import { recordAction } from '../../audit.js';
import { affected, insertedId, type Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import { conflict, forbidden, notFound } from '../../errors.js';
import { enqueueEmails, processRecipients } from '../../mail/outbox.js';
import { downtimeEmail } from '../../mail/templates.js';
import { can } from '../../roles.js';
import { owningProcess, type Actor } from '../../tenancy.js';
import { formatDuration } from '../../time.js';
import { Fields } from '../../validation.js';
import { findIncident } from '../incidents/queries.js';
import { addIncidentEvent } from '../incidents/timeline.js';
import { findDowntime, type DowntimeRow } from './queries.js';
import { durationMs, servicesOf } from './serialize.js';

type Trx = Transaction<Database>;

export const IMPACT_LEVELS = ['low', 'medium', 'high'] as const;
export type ImpactLevel = (typeof IMPACT_LEVELS)[number];

export const SERVICES_MIN = 1;
export const SERVICES_MAX = 20;
export const SERVICE_NAME_MAX = 100;
export const NOTES_MAX = 5_000;
/** A start (or end) may be this far ahead of the server's clock, for clocks that drift a little. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface MailContext {
  appUrl: string;
}

/** Services affected: an array of 1 to 20 non-empty names of at most 100 characters, duplicates dropped. */
function readServices(f: Fields, input: Record<string, unknown>): string[] | null {
  const raw = input.services_affected;
  const name = 'services_affected';
  if (raw === undefined || raw === null) {
    f.fail(name, 'Name at least one affected service.');
    return null;
  }
  if (!Array.isArray(raw)) {
    f.fail(name, 'Services affected must be a list of service names.');
    return null;
  }
  const out: string[] = [];
  for (const item of raw) {
    if (typeof item !== 'string') {
      f.fail(name, 'Each service must be a name (text).');
      return null;
    }
    const value = item.trim();
    if (!value) {
      f.fail(name, 'A service name cannot be empty.');
      return null;
    }
    if (value.length > SERVICE_NAME_MAX) {
      f.fail(name, `Each service name must be at most ${SERVICE_NAME_MAX} characters.`);
      return null;
    }
    if (!out.includes(value)) out.push(value);
  }
  if (out.length < SERVICES_MIN) {
    f.fail(name, 'Name at least one affected service.');
    return null;
  }
  if (out.length > SERVICES_MAX) {
    f.fail(name, `Name at most ${SERVICES_MAX} services.`);
    return null;
  }
  return out;
}

/**
 * A start or end more than the tolerance ahead of `now` is refused; one within it (a browser whose
 * clock runs a little fast) counts as `now`, so an event never starts or ends in the future: its
 * live duration is right and ending it now always works.
 */
function notAhead(f: Fields, name: string, at: Date | null, now: Date, label: string): Date | null {
  if (!at || at.getTime() <= now.getTime()) return at;
  if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) f.fail(name, `${label} cannot be in the future.`);
  return now;
}

interface EmailArgs {
  kind: 'reported' | 'resolved';
  downtimeId: number;
  actor: Actor | null;
  now: Date;
  mail: MailContext;
}

/**
 * Queues one event's emails per the original's matrix: the process's active managers and admins,
 * for "Downtime Reported" and "Downtime Resolved" (with its duration).
 */
async function downtimeEmails(trx: Trx, a: EmailArgs): Promise<number> {
  const d = await trx.selectFrom('downtime_events')
    .innerJoin('processes', 'processes.id', 'downtime_events.process_id')
    .leftJoin('incidents', 'incidents.id', 'downtime_events.incident_id')
    .selectAll('downtime_events')
    .select(['processes.name as process_name', 'processes.timezone as process_timezone', 'incidents.title as incident_title'])
    .where('downtime_events.id', '=', a.downtimeId)
    .executeTakeFirstOrThrow();
  const recipients = await processRecipients(trx, d.process_id, ['manager', 'admin']);
  if (recipients.length === 0) return 0;
  const rendered = downtimeEmail(a.kind, {
    appUrl: a.mail.appUrl,
    downtime: {
      id: d.id, started_at: d.started_at, ended_at: d.ended_at, services_affected: servicesOf(d.services_affected),
      impact_level: d.impact_level, notes: d.notes,
    },
    processName: d.process_name,
    processTimezone: d.process_timezone,
    actorName: a.actor?.name ?? null,
    incidentTitle: d.incident_title ?? null,
    durationText: d.ended_at ? formatDuration(durationMs(d, a.now)) : undefined,
  });
  await enqueueEmails(trx, recipients.map((r) => ({
    to: r.email, ...rendered, template: `downtime.${a.kind}`, processId: d.process_id, entityType: 'downtime', entityId: d.id,
  })), a.now);
  return recipients.length;
}

/**
 * Logs a downtime event: one transaction with the record, the audit entry and activity item, a
 * note on the linked incident's timeline, and the Downtime Reported emails.
 */
export async function createDowntime(db: Db, actor: Actor, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<DowntimeRow> {
  if (!can(actor.role, 'downtime.edit')) throw forbidden();
  const f = new Fields(input);
  const startedAt = notAhead(f, 'started_at', f.instant('started_at', { required: true, label: 'Start time' }), now, 'The start time');
  const services = readServices(f, input);
  const impact = f.oneOf('impact_level', IMPACT_LEVELS, { required: true, label: 'Impact level' });
  const incidentId = f.optionalId('incident_id', 'Linked incident');
  const notes = f.text('notes', { max: NOTES_MAX, label: 'Notes' });
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process this downtime belongs to.');
    f.check();
  }

  const id = await db.transaction().execute(async (trx) => {
    // Every problem at once: the process and incident are looked up even when other fields are wrong.
    const process = await f.ref('process_id', processId,
      (pid) => trx.selectFrom('processes').select(['id']).where('id', '=', pid).executeTakeFirst(), 'Unknown process.');
    // Visible to the actor (scoped) and of the same process; otherwise it is not a valid choice.
    const incident = process && await f.ref('incident_id', incidentId,
      async (iid) => { const found = await findIncident(trx, actor, iid); return found?.process_id === processId ? found : null; },
      'Choose an incident of this process.');
    f.check();
    const downtimeId = insertedId(await trx.insertInto('downtime_events').values({
      process_id: processId!, incident_id: incident?.id ?? null, started_at: startedAt!, ended_at: null,
      services_affected: JSON.stringify(services), impact_level: impact!, notes, created_by: actor.userId, created_at: now,
    }).executeTakeFirstOrThrow());
    const summary = services!.join(', ');
    await recordAction(trx, actor, now, {
      action: 'downtime.create', entityType: 'downtime', entityId: downtimeId, processId: processId!,
      changes: { started_at: startedAt!.toISOString(), services_affected: services, impact_level: impact, incident_id: incident?.id ?? null },
      summary,
    });
    if (incident) {
      await addIncidentEvent(trx, incident, actor, 'downtime', `Downtime logged by ${actor.name}: ${summary} (${impact} impact)`, now);
    }
    await downtimeEmails(trx, { kind: 'reported', downtimeId, actor, now, mail });
    return downtimeId;
  });
  return (await findDowntime(db, actor, id))!;
}

/**
 * Ends an ongoing downtime event at `ended_at`: 409 when it has already ended, 422 when the end is
 * before the start or in the future. One transaction with the audit entry and the Resolved emails.
 */
export async function endDowntime(db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<DowntimeRow> {
  if (!can(actor.role, 'downtime.edit')) throw forbidden();
  const f = new Fields(input);
  const endedAt = notAhead(f, 'ended_at', f.instant('ended_at', { required: true, label: 'End time' }), now, 'The end time');
  await db.transaction().execute(async (trx) => {
    const current = await findDowntime(trx, actor, id);
    if (!current) throw notFound('Downtime event');
    f.check();
    if (current.ended_at) throw conflict('This downtime event has already ended.');
    if (endedAt!.getTime() < current.started_at.getTime()) {
      f.fail('ended_at', 'The end time cannot be before the start time.');
      f.check();
    }
    // Conditional on still being ongoing, so two racing "End" clicks cannot both apply.
    const res = await trx.updateTable('downtime_events').set({ ended_at: endedAt! })
      .where('id', '=', current.id).where('ended_at', 'is', null).executeTakeFirst();
    if (affected(res) === 0) throw conflict('This downtime event has already ended.');
    const services = servicesOf(current.services_affected).join(', ');
    const duration = formatDuration(durationMs({ started_at: current.started_at, ended_at: endedAt }, now));
    await recordAction(trx, actor, now, {
      action: 'downtime.end', entityType: 'downtime', entityId: current.id, processId: current.process_id,
      changes: { ended_at: [null, endedAt!.toISOString()], duration }, summary: services,
    });
    if (current.incident_id !== null) {
      await addIncidentEvent(trx, { id: current.incident_id, process_id: current.process_id }, actor,
        'downtime', `Downtime ended by ${actor.name} after ${duration}: ${services}`, now);
    }
    await downtimeEmails(trx, { kind: 'resolved', downtimeId: current.id, actor, now, mail });
  });
  return (await findDowntime(db, actor, id))!;
}

export async function getDowntime(db: Db, actor: Actor, id: number): Promise<DowntimeRow> {
  const row = await findDowntime(db, actor, id);
  if (!row) throw notFound('Downtime event');
  return row;
}
