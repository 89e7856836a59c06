import type { Child } from 'hono/jsx';
import {
  EMAIL_COLORS, EmailBadge, EmailLayout, EmailSeverityBadge, EmailText, type EmailFact,
} from '../../views/emails/EmailLayout.js';
import { formatDuration, formatInZone } from '../time.js';

/**
 * Email templates: JSX rendered to an HTML string (user text escaped by JSX), each with a plain-text
 * part carrying the same facts and link.
 */

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const FOOTER = 'D2C Telcare | D2C OPs Platform';

/** One line, no control characters: safe in a Subject header and in a plain-text fact. */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function subjectOf(s: string): string {
  const line = oneLine(s);
  return line.length > 250 ? `${line.slice(0, 249)}…` : line;
}

interface TextFact {
  label: string;
  value: string;
}

interface Parts {
  subject: string;
  title: string;
  preheader?: string;
  paragraphs: string[];
  facts: (EmailFact & { text: string })[];
  action?: { href: string; label: string };
  /** Extra body nodes for the HTML part only (the text part already has the paragraphs). */
  extra?: Child;
}

function renderText(p: Parts): string {
  const out: string[] = ['D2C OPs', '', p.title, '='.repeat(Math.min(60, Math.max(3, p.title.length))), ''];
  for (const para of p.paragraphs) out.push(para, '');
  const facts: TextFact[] = p.facts.map((f) => ({ label: f.label, value: f.text }));
  if (facts.length) {
    const width = Math.max(...facts.map((f) => f.label.length)) + 1;
    for (const f of facts) out.push(`${`${f.label}:`.padEnd(width + 1)}${f.value}`);
    out.push('');
  }
  if (p.action) out.push(`${p.action.label}: ${p.action.href}`, '');
  out.push('--', FOOTER, '');
  return out.join('\n');
}

function render(p: Parts): RenderedEmail {
  const node = (
    <EmailLayout title={p.title} preheader={p.preheader} facts={p.facts} action={p.action}>
      {p.paragraphs.map((para) => <EmailText>{para}</EmailText>)}
      {p.extra ?? null}
    </EmailLayout>
  );
  return { subject: subjectOf(p.subject), html: `<!DOCTYPE html>${node.toString()}`, text: renderText(p) };
}

function fact(label: string, text: string, value?: Child): EmailFact & { text: string } {
  return { label, text, value: value ?? text };
}

const STATUS_COLORS: Record<string, string> = {
  open: EMAIL_COLORS.danger,
  in_progress: EMAIL_COLORS.amber,
  resolved: EMAIL_COLORS.teal,
};

const statusLabel = (s: string) => s.replace(/_/g, ' ');

/** "9 May 2026, 10:00 (Africa/Johannesburg)": a time in the process's zone, the zone named. */
function zoned(d: Date, tz: string): string {
  return `${formatInZone(d, tz)} (${tz})`;
}

function durationBetween(from: Date, to: Date | null | undefined): string | null {
  return to ? formatDuration(to.getTime() - from.getTime()) : null;
}

// ---------------------------------------------------------------------------------------------
// Incidents

export type IncidentEmailKind = 'created' | 'assigned' | 'in_progress' | 'resolved' | 'unattended';

export interface IncidentEmailData {
  appUrl: string;
  incident: {
    id: number;
    title: string;
    severity: number;
    status: string;
    description: string | null;
    opened_at: Date;
    resolved_at: Date | null;
  };
  processName: string;
  /** The process's IANA zone: the times in the email are shown in it, with its name. */
  processTimezone: string;
  assigneeName: string | null;
  actorName: string | null;
  /** "17m": how long the incident took, for the resolved email. */
  durationText?: string;
  /** How long it has been open, for the unattended reminder. */
  ageText?: string;
}

export function incidentEmail(kind: IncidentEmailKind, data: IncidentEmailData): RenderedEmail {
  const { incident } = data;
  const title = oneLine(incident.title);
  const link = `${data.appUrl.replace(/\/+$/, '')}/incidents/${incident.id}`;
  const duration = data.durationText ?? durationBetween(incident.opened_at, incident.resolved_at) ?? undefined;
  const by = data.actorName ? ` by ${oneLine(data.actorName)}` : '';

  // Every incident subject leads with the severity, so an inbox sorts a Sev 1 from a Sev 4 at a glance.
  const sev = `[Sev ${incident.severity}]`;
  let subject: string;
  let heading: string;
  const paragraphs: string[] = [];
  switch (kind) {
    case 'created':
      subject = `${sev} New incident: ${title}`;
      heading = `New incident: ${title}`;
      paragraphs.push(`A Sev ${incident.severity} incident was opened in ${data.processName}${by}.`);
      break;
    case 'assigned':
      subject = `${sev} Assigned to you: ${title}`;
      heading = `Assigned to you: ${title}`;
      paragraphs.push(`This incident in ${data.processName} was assigned to you${by}. Please take a look.`);
      break;
    case 'in_progress':
      subject = `${sev} In progress: ${title}`;
      heading = `In progress: ${title}`;
      paragraphs.push(`Work on this incident in ${data.processName} has started${by}.`);
      break;
    case 'resolved':
      subject = duration ? `${sev} Resolved: ${title} (resolved in ${duration})` : `${sev} Resolved: ${title}`;
      heading = `Resolved: ${title}`;
      paragraphs.push(`This incident in ${data.processName} was resolved${by}${duration ? `, resolved in ${duration}` : ''}.`);
      break;
    case 'unattended':
      subject = `${sev} Unattended for 30+ minutes: ${title}`;
      heading = `Unattended: ${title}`;
      paragraphs.push(
        `This Sev ${incident.severity} incident in ${data.processName} has been open${data.ageText ? ` for ${data.ageText}` : ' for over 30 minutes'} ` +
        `and nobody has started work on it.`,
      );
      break;
  }
  if (incident.description && kind !== 'resolved') paragraphs.push(incident.description.slice(0, 2000));

  const facts = [
    fact('Severity', `Sev ${incident.severity}`, <EmailSeverityBadge severity={incident.severity} />),
    fact('Status', statusLabel(incident.status),
      <EmailBadge color={STATUS_COLORS[incident.status] ?? EMAIL_COLORS.slate}>{statusLabel(incident.status)}</EmailBadge>),
    fact('Process', data.processName),
    fact('Assignee', data.assigneeName ?? 'Unassigned'),
    fact('Incident', `#${incident.id}`),
    fact('Opened', zoned(incident.opened_at, data.processTimezone)),
  ];
  if (incident.resolved_at && incident.status === 'resolved') facts.push(fact('Resolved', zoned(incident.resolved_at, data.processTimezone)));
  if (kind === 'resolved' && duration) facts.push(fact('Resolution', `resolved in ${duration}`, <strong>resolved in {duration}</strong>));
  if (kind === 'unattended' && data.ageText) facts.push(fact('Open for', data.ageText));

  return render({
    subject,
    title: heading,
    preheader: `${data.processName} · Sev ${incident.severity} · ${statusLabel(incident.status)}`,
    paragraphs,
    facts,
    action: { href: link, label: 'View incident' },
  });
}

// ---------------------------------------------------------------------------------------------
// Downtime

export interface DowntimeEmailData {
  appUrl: string;
  downtime: {
    id: number;
    started_at: Date;
    ended_at: Date | null;
    services_affected: string[];
    impact_level: string;
    notes: string | null;
  };
  processName: string;
  processTimezone: string;
  actorName: string | null;
  incidentTitle: string | null;
  /** "2h 0m": how long the downtime lasted, for the resolved email. */
  durationText?: string;
}

export function downtimeEmail(kind: 'reported' | 'resolved', data: DowntimeEmailData): RenderedEmail {
  const { downtime } = data;
  const services = downtime.services_affected.map(oneLine).filter(Boolean).join(', ') || 'unspecified services';
  const impact = oneLine(downtime.impact_level);
  const at = (d: Date) => zoned(d, data.processTimezone);
  const duration = data.durationText ?? durationBetween(downtime.started_at, downtime.ended_at) ?? undefined;
  const by = data.actorName ? ` by ${oneLine(data.actorName)}` : '';

  const subject = kind === 'reported'
    ? `Downtime reported: ${services} (${impact} impact)`
    : `Downtime resolved: ${services}${duration ? ` after ${duration}` : ''}`;
  const heading = kind === 'reported' ? `Downtime reported: ${services}` : `Downtime resolved: ${services}`;
  const paragraphs = [kind === 'reported'
    ? `A ${impact}-impact downtime was reported in ${data.processName}${by}.`
    : `The downtime in ${data.processName} was ended${by}${duration ? ` after ${duration}` : ''}.`];
  if (downtime.notes) paragraphs.push(downtime.notes.slice(0, 2000));

  const impactColor = impact === 'high' ? EMAIL_COLORS.danger : impact === 'medium' ? EMAIL_COLORS.amber : EMAIL_COLORS.slate;
  const facts = [
    fact('Services', services),
    fact('Impact', impact, <EmailBadge color={impactColor}>{impact}</EmailBadge>),
    fact('Process', data.processName),
    fact('Started', at(downtime.started_at)),
  ];
  if (downtime.ended_at) facts.push(fact('Ended', at(downtime.ended_at)));
  if (kind === 'resolved' && duration) facts.push(fact('Duration', duration));
  if (data.incidentTitle) facts.push(fact('Incident', oneLine(data.incidentTitle)));

  return render({
    subject,
    title: heading,
    preheader: `${data.processName} · ${impact} impact`,
    paragraphs,
    facts,
    action: { href: `${data.appUrl.replace(/\/+$/, '')}/downtime#downtime-${downtime.id}`, label: 'View downtime' },
  });
}

// ---------------------------------------------------------------------------------------------
// Anything else (handovers, approvals, welcome, codes, digests)

export interface GenericEmailData {
  appUrl: string;
  subject: string;
  heading: string;
  lines: string[];
  link?: { href: string; label: string };
  /** Label/value pairs shown as a fact table. */
  facts?: TextFact[];
}

export function genericEmail(data: GenericEmailData): RenderedEmail {
  let action: Parts['action'];
  if (data.link) {
    const href = /^https?:\/\//i.test(data.link.href)
      ? data.link.href
      : `${data.appUrl.replace(/\/+$/, '')}/${data.link.href.replace(/^\/+/, '')}`;
    action = { href, label: data.link.label };
  }
  return render({
    subject: data.subject,
    title: oneLine(data.heading),
    paragraphs: data.lines,
    facts: (data.facts ?? []).map((f) => fact(f.label, f.value)),
    action,
  });
}
