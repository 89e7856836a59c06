import type { SlaGroup, SlaReport } from '../../src/modules/reporting/sla.js';
import { SLA_TARGET_MINUTES } from '../../src/modules/reporting/sla.js';
import { formatDuration } from '../../src/time.js';
import { EmptyState } from '../components/EmptyState.js';

const duration = (minutes: number | null) => (minutes === null ? '—' : formatDuration(minutes * 60_000));

/** Horizontal grouped bars: MTTA (teal) and MTTR (navy) for each group, on one scale. */
export function SlaChart(props: { groups: SlaGroup[]; title: string; id: string }) {
  const groups = props.groups;
  const max = Math.max(1, ...groups.flatMap((g) => [g.mtta_minutes ?? 0, g.mttr_minutes ?? 0]));
  const labelW = 110;
  const barW = 360;
  const rowH = 38;
  const width = labelW + barW + 90;
  const height = groups.length * rowH + 28;
  const bar = (v: number | null) => (v === null ? 0 : Math.max(2, (v / max) * barW));
  return (
    <figure class="min-w-0">
      <figcaption id={`${props.id}-title`} class="mb-2 text-sm font-semibold text-navy">{props.title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} class="h-auto w-full max-w-2xl" role="img" aria-labelledby={`${props.id}-title ${props.id}-desc`} data-testid={`${props.id}-chart`}>
        <desc id={`${props.id}-desc`}>
          {groups.map((g) => `${g.label}: MTTA ${duration(g.mtta_minutes)}, MTTR ${duration(g.mttr_minutes)}.`).join(' ')}
        </desc>
        <g font-size="11" font-family="ui-sans-serif, system-ui, sans-serif">
          <rect x={labelW} y="2" width="10" height="10" rx="2" fill="#0F6E56" />
          <text x={labelW + 14} y="11" fill="#475569">MTTA</text>
          <rect x={labelW + 60} y="2" width="10" height="10" rx="2" fill="#042C53" />
          <text x={labelW + 74} y="11" fill="#475569">MTTR</text>
          {groups.map((g, i) => {
            const y = 24 + i * rowH;
            return (
              <g data-group={g.key}>
                <text x={labelW - 8} y={y + 17} text-anchor="end" fill="#042C53" font-weight="600">{g.label.length > 16 ? `${g.label.slice(0, 15)}…` : g.label}</text>
                <rect x={labelW} y={y + 2} width={bar(g.mtta_minutes)} height="13" rx="2" fill="#0F6E56" />
                <text x={labelW + bar(g.mtta_minutes) + 5} y={y + 12} fill="#475569">{duration(g.mtta_minutes)}</text>
                <rect x={labelW} y={y + 18} width={bar(g.mttr_minutes)} height="13" rx="2" fill="#042C53" />
                <text x={labelW + bar(g.mttr_minutes) + 5} y={y + 28} fill="#475569">{duration(g.mttr_minutes)}</text>
              </g>
            );
          })}
        </g>
      </svg>
    </figure>
  );
}

function Table(props: { groups: SlaGroup[]; first: string; testid: string }) {
  return (
    <div class="relative overflow-x-auto">
      <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid={props.testid}>
        <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            <th class="px-3 py-2">{props.first}</th>
            <th class="px-3 py-2 text-right">Opened</th>
            <th class="px-3 py-2 text-right">MTTA</th>
            <th class="px-3 py-2 text-right">Resolved</th>
            <th class="px-3 py-2 text-right">MTTR</th>
            <th class="px-3 py-2 text-right">Within target</th>
            <th class="px-3 py-2 text-right">Unresolved</th>
          </tr>
        </thead>
        <tbody class="divide-y divide-slate-100">
          {props.groups.map((g) => (
            <tr data-group={g.key}>
              <td class="px-3 py-2 font-medium text-navy">{g.label}</td>
              <td class="px-3 py-2 text-right tabular-nums">{g.opened}</td>
              <td class="px-3 py-2 text-right tabular-nums" data-mtta={g.mtta_minutes ?? ''}>{duration(g.mtta_minutes)}</td>
              <td class="px-3 py-2 text-right tabular-nums">{g.resolved}</td>
              <td class="px-3 py-2 text-right tabular-nums" data-mttr={g.mttr_minutes ?? ''}>{duration(g.mttr_minutes)}</td>
              <td class="px-3 py-2 text-right tabular-nums">{g.within_target_pct === null ? '—' : `${g.within_target_pct}%`}</td>
              <td class="px-3 py-2 text-right tabular-nums">{g.unresolved}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The SLA figures of a range: headline numbers, the chart by severity, tables by severity and process. */
export function SlaPanel(props: { report: SlaReport; rangeText: string }) {
  const r = props.report;
  if (r.total.opened === 0) {
    return (
      <div id="sla-panel" data-testid="sla-panel">
        <EmptyState title="No incidents in this range" icon="chart">Choose a wider range to see MTTA and MTTR.</EmptyState>
      </div>
    );
  }
  const stat = (label: string, value: string, hint: string, testid: string) => (
    <div class="rounded-lg border border-slate-200 p-3">
      <div class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</div>
      <div class="mt-1 text-xl font-semibold text-navy" data-testid={testid}>{value}</div>
      <div class="text-xs text-slate-500">{hint}</div>
    </div>
  );
  return (
    <div id="sla-panel" class="space-y-5" data-testid="sla-panel">
      <p class="text-xs text-slate-500">Incidents opened {props.rangeText}.</p>
      <div class="grid grid-cols-2 gap-3 lg:grid-cols-4">
        {stat('Incidents', String(r.total.opened), `${r.total.unresolved} unresolved`, 'sla-opened')}
        {stat('MTTA', duration(r.total.mtta_minutes), `over ${r.total.acknowledged} acknowledged`, 'sla-mtta')}
        {stat('MTTR', duration(r.total.mttr_minutes), `over ${r.total.resolved} resolved`, 'sla-mttr')}
        {stat('Within target', r.total.within_target_pct === null ? '—' : `${r.total.within_target_pct}%`, `${r.total.resolved_within_target} of ${r.total.resolved} resolved`, 'sla-target')}
      </div>
      <div class="grid gap-6 xl:grid-cols-2">
        <SlaChart groups={r.by_severity} title="By severity" id="sla-severity" />
        {r.by_process.length > 1 ? <SlaChart groups={r.by_process} title="By process" id="sla-process" /> : null}
      </div>
      <Table groups={r.by_severity} first="Severity" testid="sla-by-severity" />
      <Table groups={r.by_process} first="Process" testid="sla-by-process" />
      <p class="text-xs text-slate-500">
        MTTA: opening to the first move to in progress (or resolved). MTTR: opening to resolution. Resolution targets:
        {' '}{Object.entries(SLA_TARGET_MINUTES).map(([s, m]) => `Sev ${s} ${m / 60}h`).join(' · ')}.
      </p>
    </div>
  );
}
