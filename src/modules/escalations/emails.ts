import { genericEmail, type RenderedEmail } from '../../mail/templates.js';
import { formatDuration } from '../../time.js';

/** The page an escalation sends: the incident, how long it has been open, and which tier this is. */
export function escalationEmail(d: {
  appUrl: string;
  incident: { id: number; title: string; severity: number; status: string; opened_at: Date; process_name: string; assignee_name: string | null };
  chainName: string;
  tierPosition: number;
  tierCount: number;
  delayMinutes: number;
  /** "on-call primary" when the tier had no user of its own. */
  how: string | null;
  now: Date;
}): RenderedEmail {
  const age = formatDuration(d.now.getTime() - d.incident.opened_at.getTime());
  const title = d.incident.title;
  const as = d.how ? `, as the ${d.how}` : '';
  return genericEmail({
    appUrl: d.appUrl,
    subject: `[Sev ${d.incident.severity}] Escalation tier ${d.tierPosition}: ${title} (open ${age})`,
    heading: `Escalation: ${title}`,
    lines: [
      `This Sev ${d.incident.severity} incident in ${d.incident.process_name} has been open for ${age} and nobody has acknowledged it yet.`,
      `You are notified as tier ${d.tierPosition} of ${d.tierCount} of the escalation chain “${d.chainName}”${as}.`,
      'Acknowledge it by marking it In Progress (or resolve it): the remaining tiers then stop.',
    ],
    facts: [
      { label: 'Incident', value: `#${d.incident.id} ${title}` },
      { label: 'Severity', value: `Sev ${d.incident.severity}` },
      { label: 'Status', value: d.incident.status.replace(/_/g, ' ') },
      { label: 'Open for', value: age },
      { label: 'Tier', value: `${d.tierPosition} of ${d.tierCount} (after ${d.delayMinutes} min)` },
      { label: 'Chain', value: d.chainName },
      { label: 'Process', value: d.incident.process_name },
      { label: 'Assignee', value: d.incident.assignee_name ?? 'Unassigned' },
    ],
    link: { href: `/incidents/${d.incident.id}`, label: 'View incident' },
  });
}
