import { SLA_DAYS, type ActiveIncident, type DashboardData } from '../../src/modules/dashboard/service.js';
import { can } from '../../src/roles.js';
import { SLA_TARGET_MINUTES } from '../../src/modules/reporting/sla.js';
import { SlaChart } from '../reporting/SlaPanel.js';
import type { Actor } from '../../src/tenancy.js';
import { crossesProcesses } from '../../src/tenancy.js';
import { formatDuration, formatInZone } from '../../src/time.js';
import { SeverityBadge, StatusBadge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { Icon } from '../components/Icon.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { CoverageWarning, OnCallNowCard } from '../oncall/OnCallNow.js';
import { hasCoverageProblems } from '../../src/modules/oncall/service.js';

function StatCard(props: { label: string; value: number; note?: string; icon: string; tone: string; href?: string; testid: string }) {
  const body = (
    <div class={`flex items-start justify-between rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5 ${props.href ? 'transition hover:shadow-md' : ''}`}>
      <div>
        <div class="text-sm font-medium text-slate-500">{props.label}</div>
        <div class="mt-1 text-3xl font-bold text-navy" data-testid={props.testid}>{props.value}</div>
        {props.note ? <div class="mt-1 text-xs font-semibold text-danger">{props.note}</div> : <div class="mt-1 text-xs text-slate-500">&nbsp;</div>}
      </div>
      <div class={`rounded-lg p-2.5 ${props.tone}`}><Icon name={props.icon} class="h-6 w-6" /></div>
    </div>
  );
  return props.href ? <a href={props.href} class="block">{body}</a> : body;
}

export function ActiveIncidentsTable(props: { actor: Actor; incidents: ActiveIncident[]; now: Date; refreshedAt: Date }) {
  const showProcess = crossesProcesses(props.actor);
  if (props.incidents.length === 0) {
    return (
      <EmptyState title="No active incidents" icon="check">
        Everything is resolved. New incidents appear here as soon as they are opened.
      </EmptyState>
    );
  }
  return (
    <div class="relative overflow-x-auto">
      <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="active-incidents">
        <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            <th class="px-4 py-2.5">Incident</th>
            {showProcess ? <th class="px-4 py-2.5">Process</th> : null}
            <th class="px-4 py-2.5">Severity</th>
            <th class="px-4 py-2.5">Status</th>
            <th class="hidden px-4 py-2.5 sm:table-cell">Assignee</th>
            <th class="px-4 py-2.5 whitespace-nowrap">Time open</th>
          </tr>
        </thead>
        <tbody class="divide-y divide-slate-100 bg-white">
          {props.incidents.map((i) => (
            <tr class="hover:bg-slate-50">
              <td class="px-4 py-2.5">
                <a href={`/incidents/${i.id}`} class="font-medium text-navy hover:underline">{i.title}</a>
                <div class="text-xs text-slate-500">#{i.id}</div>
              </td>
              {showProcess ? <td class="px-4 py-2.5 text-slate-600">{i.process_name}</td> : null}
              <td class="px-4 py-2.5"><SeverityBadge severity={i.severity} /></td>
              <td class="px-4 py-2.5"><StatusBadge status={i.status} /></td>
              <td class="hidden px-4 py-2.5 text-slate-600 sm:table-cell">{i.assignee_name ?? <span class="text-slate-500">Unassigned</span>}</td>
              <td class="whitespace-nowrap px-4 py-2.5 text-slate-600" title={`Opened ${formatInZone(i.opened_at, i.process_timezone)}`}
                data-title-at={i.opened_at.toISOString()} data-title-label="Opened">
                <span data-duration-since={i.opened_at.toISOString()}>{formatDuration(props.now.getTime() - i.opened_at.getTime())}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const TARGETS_TEXT = Object.entries(SLA_TARGET_MINUTES).map(([s, m]) => `Sev ${s} ${m / 60}h`).join(', ');
const minutesText = (m: number | null) => (m === null ? '—' : formatDuration(m * 60_000));

function SlaFigure(props: { label: string; value: string; note: string; testid: string }) {
  return (
    <div class="rounded-lg bg-slate-50 px-4 py-3">
      <div class="text-xs font-medium uppercase tracking-wide text-slate-500">{props.label}</div>
      <div class="mt-1 text-2xl font-bold text-navy tabular-nums" data-testid={props.testid}>{props.value}</div>
      <div class="mt-0.5 text-xs text-slate-500">{props.note}</div>
    </div>
  );
}

/** MTTA, MTTR and resolution within target over the last days, with the by-severity chart. */
function SlaSection(props: { actor: Actor; sla: DashboardData['sla'] }) {
  const { total, bySeverity } = props.sla;
  return (
    <section class="mt-6 rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="dashboard-sla">
      <div class="flex items-center justify-between border-b border-slate-200 px-4 py-3">
        <h2 class="font-semibold text-navy">Response, last {SLA_DAYS} days</h2>
        {can(props.actor.role, 'reporting.view') ? <a href="/reporting#sla" class="text-sm font-semibold text-teal hover:underline">SLA report →</a> : null}
      </div>
      {total.opened === 0 ? (
        <EmptyState title={`No incidents in the last ${SLA_DAYS} days`} icon="check">
          Mean times to acknowledge and to resolve appear here once incidents are opened.
        </EmptyState>
      ) : (
        <div class="grid gap-4 p-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,1.4fr)]">
          <div class="grid grid-cols-1 gap-3 sm:grid-cols-3 lg:grid-cols-1">
            <SlaFigure label="MTTA" value={minutesText(total.mtta_minutes)} testid="dashboard-mtta"
              note={`mean time to acknowledge, ${total.acknowledged} of ${total.opened} acknowledged`} />
            <SlaFigure label="MTTR" value={minutesText(total.mttr_minutes)} testid="dashboard-mttr"
              note={`mean time to resolve, ${total.resolved} resolved`} />
            <SlaFigure label="Within target" value={total.within_target_pct === null ? '—' : `${total.within_target_pct}%`} testid="dashboard-within-target"
              note={`of resolved incidents (${TARGETS_TEXT})`} />
          </div>
          <SlaChart groups={bySeverity} title="By severity" id="dashboard-sla" />
        </div>
      )}
    </section>
  );
}

interface DashboardProps {
  shell: ShellProps;
  data: DashboardData;
  now: Date;
}

export function DashboardPage(props: DashboardProps) {
  const { data } = props;
  return (
    <AppShell {...props.shell}>
      <div class="grid grid-cols-1 gap-3 sm:grid-cols-3 sm:gap-4">
        <StatCard label="Open Incidents" value={data.openIncidents} testid="stat-open-incidents" icon="alert" tone="bg-danger/10 text-danger"
          note={data.openSev1 > 0 ? `${data.openSev1} Sev 1 active` : undefined} href="/incidents?status=open" />
        <StatCard label="Open Tickets" value={data.openTickets} testid="stat-open-tickets" icon="ticket" tone="bg-amber/10 text-amber" />
        <StatCard label="Events Today" value={data.eventsToday} testid="stat-events-today" icon="pulse" tone="bg-teal/10 text-teal" />
      </div>
      {data.coverage?.some(hasCoverageProblems) ? <div class="mt-6"><CoverageWarning reports={data.coverage} showProcess={crossesProcesses(props.shell.actor)} manage /></div> : null}
      {data.onCall ? <div class="mt-6"><OnCallNowCard items={data.onCall} link /></div> : null}
      <section class="mt-6 rounded-xl border border-slate-200 bg-white shadow-sm">
        <div class="flex items-center justify-between border-b border-slate-200 px-4 py-3">
          <h2 class="font-semibold text-navy">Active Incidents</h2>
          <div class="flex items-center gap-3">
            <span class="htmx-indicator text-xs text-slate-500" id="active-indicator">Refreshing…</span>
            <a href="/incidents?status=active" class="text-sm font-semibold text-teal hover:underline">View all incidents →</a>
          </div>
        </div>
        <div
          id="active-incidents"
          hx-get="/dashboard/active"
          hx-trigger="every 30s, d2c:refresh from:body"
          hx-indicator="#active-indicator"
        >
          <ActiveIncidentsTable actor={props.shell.actor} incidents={data.active} now={props.now} refreshedAt={props.now} />
        </div>
      </section>
      <SlaSection actor={props.shell.actor} sla={data.sla} />
    </AppShell>
  );
}
