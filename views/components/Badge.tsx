import type { PropsWithChildren } from 'hono/jsx';
import type { HtmlEscapedString } from 'hono/utils/html';
import { renderedOnce } from './renderedOnce.js';

/** Each tone is a `.badge-<tone>` class of app.css. */
const TONES = {
  danger: 'badge badge-danger',
  amber: 'badge badge-amber',
  teal: 'badge badge-teal',
  navy: 'badge badge-navy',
  slate: 'badge badge-slate',
  sky: 'badge badge-sky',
} as const;
export type Tone = keyof typeof TONES;

export function Badge(props: PropsWithChildren<{ tone: Tone; title?: string }>) {
  return (
    <span
      title={props.title}
      class={TONES[props.tone]}
    >
      {props.children}
    </span>
  );
}

const SEVERITY: Record<number, { tone: Tone; label: string }> = {
  1: { tone: 'danger', label: 'Critical' },
  2: { tone: 'amber', label: 'High' },
  3: { tone: 'sky', label: 'Medium' },
  4: { tone: 'slate', label: 'Low' },
};

export function SeverityBadge(props: { severity: number }) {
  const s = SEVERITY[props.severity] ?? SEVERITY[4];
  return <Badge tone={s.tone} title={s.label}>Sev {props.severity}</Badge>;
}

const STATUS: Record<string, Tone> = {
  open: 'danger',
  in_progress: 'amber',
  resolved: 'teal',
  closed: 'teal',
  pending: 'amber',
  approved: 'teal',
  rejected: 'danger',
  ongoing: 'danger',
  ended: 'teal',
};

export function StatusBadge(props: { status: string }) {
  return <Badge tone={STATUS[props.status] ?? 'slate'}>{props.status.replace(/_/g, ' ')}</Badge>;
}

/**
 * The badge markup of a severity or status, rendered once per value: for list rows that render as
 * templates (see IncidentList) rather than as a tree of JSX nodes.
 */
export function severityBadgeHtml(severity: number): HtmlEscapedString {
  return renderedOnce(`badge:severity:${severity}`, () => <SeverityBadge severity={severity} />);
}

export function statusBadgeHtml(status: string): HtmlEscapedString {
  return renderedOnce(`badge:status:${status}`, () => <StatusBadge status={status} />);
}
