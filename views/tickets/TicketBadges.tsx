import { Icon } from '../components/Icon.js';

/** Ticket types as in Figure 6.4: a square-cornered chip with an icon, so it never reads as a status. */
const TYPES: Record<string, { label: string; icon: string; cls: string }> = {
  incident: { label: 'Incident', icon: 'alert', cls: 'bg-danger/10 text-danger ring-danger/30' },
  change: { label: 'Change', icon: 'swap', cls: 'bg-navy/10 text-navy ring-navy/30' },
  access: { label: 'Access', icon: 'lock', cls: 'bg-sky-50 text-sky-700 ring-sky-300' },
  report: { label: 'Report', icon: 'chart', cls: 'bg-slate-100 text-slate-700 ring-slate-300' },
};

export function TypeBadge(props: { type: string }) {
  const t = TYPES[props.type] ?? { label: props.type, icon: 'ticket', cls: 'bg-slate-100 text-slate-600 ring-slate-300' };
  return (
    <span
      class={`inline-flex items-center gap-1 whitespace-nowrap rounded-md px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${t.cls}`}
      data-ticket-type={props.type}
    >
      <Icon name={t.icon} class="h-3.5 w-3.5" />
      {t.label}
    </span>
  );
}
