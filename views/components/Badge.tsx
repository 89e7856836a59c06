import type { PropsWithChildren } from 'hono/jsx';

const TONES = {
  danger: 'bg-danger/10 text-danger ring-danger/30',
  amber: 'bg-amber/10 text-amber ring-amber/30',
  teal: 'bg-teal/10 text-teal ring-teal/30',
  navy: 'bg-navy/10 text-navy ring-navy/30',
  slate: 'bg-slate-100 text-slate-600 ring-slate-300',
  sky: 'bg-sky-50 text-sky-700 ring-sky-300',
} as const;
export type Tone = keyof typeof TONES;

export function Badge(props: PropsWithChildren<{ tone: Tone; title?: string }>) {
  return (
    <span
      title={props.title}
      class={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${TONES[props.tone]}`}
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
