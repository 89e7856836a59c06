import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { allProcessUsers, enqueueEmails, type Recipient } from '../../mail/outbox.js';
import { incidentEmail } from '../../mail/templates.js';
import type { Actor } from '../../tenancy.js';
import { formatDuration } from '../../time.js';
import { addIncidentEvent } from './timeline.js';

type Trx = Transaction<Database>;
export type IncidentEmailKind = 'created' | 'assigned' | 'in_progress' | 'resolved' | 'unattended';

const LABEL: Record<IncidentEmailKind, string> = {
  created: 'New Incident',
  assigned: 'Assigned to You',
  in_progress: 'In Progress',
  resolved: 'Resolved',
  unattended: 'Unattended reminder',
};

interface Args {
  kind: IncidentEmailKind;
  incidentId: number;
  actor: Actor | null;
  now: Date;
  mail: { appUrl: string };
}

/**
 * Queues one event's emails per the original's matrix — the assignee alone for "assigned", every
 * active user of the process (client stakeholders too) otherwise — and notes it on the incident's timeline.
 */
export async function incidentEmails(trx: Trx, a: Args): Promise<number> {
  const incident = await trx.selectFrom('incidents')
    .innerJoin('processes', 'processes.id', 'incidents.process_id')
    .leftJoin('users', 'users.id', 'incidents.assigned_to')
    .selectAll('incidents')
    .select(['processes.name as process_name', 'processes.timezone as process_timezone', 'users.name as assignee_name', 'users.email as assignee_email',
      'users.is_active as assignee_active'])
    .where('incidents.id', '=', a.incidentId)
    .executeTakeFirstOrThrow();
  let recipients: Recipient[];
  if (a.kind === 'assigned') {
    recipients = incident.assigned_to && incident.assignee_email && incident.assignee_active
      ? [{ id: incident.assigned_to, email: incident.assignee_email, name: incident.assignee_name ?? '' }]
      : [];
  } else {
    recipients = await allProcessUsers(trx, incident.process_id);
  }
  if (recipients.length === 0) return 0;
  const rendered = incidentEmail(a.kind, {
    appUrl: a.mail.appUrl,
    incident,
    processName: incident.process_name,
    processTimezone: incident.process_timezone,
    assigneeName: incident.assignee_name ?? null,
    actorName: a.actor?.name ?? null,
    durationText: incident.resolved_at ? formatDuration(incident.resolved_at.getTime() - incident.opened_at.getTime()) : undefined,
    ageText: formatDuration(a.now.getTime() - incident.opened_at.getTime()),
  });
  await enqueueEmails(trx, recipients.map((r) => ({
    to: r.email, ...rendered, template: `incident.${a.kind}`, processId: incident.process_id, entityType: 'incident', entityId: incident.id,
  })), a.now);
  const who = recipients.length === 1 ? recipients[0].name || recipients[0].email : `${recipients.length} people`;
  await addIncidentEvent(trx, incident, a.actor, 'email', `${LABEL[a.kind]} email sent to ${who}`, a.now);
  return recipients.length;
}
