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
  return severityBadgeHtml(props.severity);
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
  return statusBadgeHtml(props.status);
}

/**
 * The badge markup of a severity or status, rendered once per value (the values are a few fixed
 * ones); also for list rows that render as templates (see IncidentList).
 */
export function severityBadgeHtml(severity: number): HtmlEscapedString {
  return renderedOnce(`badge:severity:${severity}`, () => {
    const s = SEVERITY[severity] ?? SEVERITY[4];
    return <Badge tone={s.tone} title={s.label}>Sev {severity}</Badge>;
  });
}

export function statusBadgeHtml(status: string): HtmlEscapedString {
  return renderedOnce(`badge:status:${status}`, () => <Badge tone={STATUS[status] ?? 'slate'}>{status.replace(/_/g, ' ')}</Badge>);
}
