import type { DowntimeFilters, DowntimeRow } from '../../src/modules/downtime/queries.js';
import { durationMs, servicesOf } from '../../src/modules/downtime/serialize.js';
import { can } from '../../src/roles.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { formatDuration } from '../../src/time.js';
import { Badge, type Tone } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { LocalTime } from '../components/Time.js';

export interface ListProps {
  actor: Actor;
  rows: DowntimeRow[];
  next: string | null;
  filters: DowntimeFilters;
  now: Date;
  /** The query string of the current filters, for the "Older" link. */
  query: string;
}

/** The filters as a query string (status, linked incident): the list's own links and the tabs keep them. */
export function downtimeQuery(f: DowntimeFilters): string {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.incidentId !== undefined) p.set('incident_id', String(f.incidentId));
  return p.toString();
}

const IMPACT_TONE: Record<string, Tone> = { high: 'danger', medium: 'amber', low: 'sky' };

export function ImpactBadge(props: { level: string }) {
  return <Badge tone={IMPACT_TONE[props.level] ?? 'slate'} title={`${props.level} impact`}>{props.level}</Badge>;
}

export function ServiceTags(props: { services: string[] }) {
  if (props.services.length === 0) return <span class="text-slate-500">—</span>;
  return (
    <ul class="flex flex-wrap gap-1" aria-label="Services affected">
      {props.services.map((s) => (
        <li class="max-w-48 truncate rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-700 ring-1 ring-inset ring-slate-200" title={s}>{s}</li>
      ))}
    </ul>
  );
}

/** Ongoing rows count up in the browser (app.js refreshes data-duration-since); ended rows are fixed. */
function Duration(props: { row: DowntimeRow; now: Date }) {
  const { row } = props;
  const text = formatDuration(durationMs(row, props.now));
  if (row.ended_at) return <span data-testid="duration" class="tabular-nums text-slate-700">{text}</span>;
  return (
    <span class="inline-flex items-center gap-1.5 tabular-nums text-slate-700" title="Still ongoing: counts up live">
      <span class="h-1.5 w-1.5 animate-pulse rounded-full bg-danger" aria-hidden="true"></span>
      <span data-testid="duration" data-duration-since={row.started_at.toISOString()}>{text}</span>
    </span>
  );
}

function IncidentCell(props: { row: DowntimeRow }) {
  const { row } = props;
  if (row.incident_id === null) return <span class="text-slate-500">Standalone</span>;
  return (
    <a
      href={`/incidents/${row.incident_id}`}
      hx-get={`/incidents/${row.incident_id}`}
      hx-target="#modal"
      hx-push-url="false"
      class="font-medium text-navy hover:underline"
      title={row.incident_title ?? undefined}
    >
      <span class="text-slate-500">#{row.incident_id}</span> {row.incident_title}
    </a>
  );
}

function StatusCell(props: { row: DowntimeRow; actor: Actor }) {
  const { row } = props;
  if (row.ended_at) {
    return (
      <div>
        <Badge tone="teal">Ended</Badge>
        <div class="mt-0.5 text-xs text-slate-500"><LocalTime at={row.ended_at} tz={row.process_timezone} /></div>
      </div>
    );
  }
  const services = servicesOf(row.services_affected);
  const what = services.length ? services.join(', ') : 'this event';
  return (
    <div class="flex items-center gap-2">
      <Badge tone="danger">Ongoing</Badge>
      {can(props.actor.role, 'downtime.edit') ? (
        <form
          method="post"
          action={`/downtime/${row.id}/end`}
          hx-post={`/downtime/${row.id}/end`}
          hx-target={`#downtime-${row.id}`}
          hx-swap="outerHTML"
          hx-confirm={`End the downtime of ${what} now? Managers and admins are emailed that service is back.`}
          class="inline"
        >
          <button
            type="submit"
            data-action="end"
            aria-label={`End the downtime of ${what}`}
            class="rounded-md border border-danger/40 bg-white px-2.5 py-1 text-xs font-semibold text-danger hover:bg-danger hover:text-white focus:outline-none focus:ring-2 focus:ring-danger/40"
          >
            End
          </button>
        </form>
      ) : null}
    </div>
  );
}

/** One row; also what the "End" button swaps in. */
export function DowntimeRowView(props: { row: DowntimeRow; actor: Actor; now: Date }) {
  const { row } = props;
  const showProcess = crossesProcesses(props.actor);
  return (
    <tr id={`downtime-${row.id}`} data-downtime={row.id} data-status={row.ended_at ? 'ended' : 'ongoing'} class="align-top hover:bg-slate-50 target:bg-teal/5">
      <td class="max-w-64 px-4 py-2.5"><IncidentCell row={row} /></td>
      {showProcess ? <td class="px-4 py-2.5 text-slate-600">{row.process_name}</td> : null}
      <td class="whitespace-nowrap px-4 py-2.5 text-slate-600"><LocalTime at={row.started_at} tz={row.process_timezone} /></td>
      <td class="whitespace-nowrap px-4 py-2.5"><Duration row={row} now={props.now} /></td>
      <td class="px-4 py-2.5"><ImpactBadge level={row.impact_level} /></td>
      <td class="px-4 py-2.5">
        <ServiceTags services={servicesOf(row.services_affected)} />
        {row.notes ? <p class="mt-1 line-clamp-2 max-w-md text-xs text-slate-500" title={row.notes}>{row.notes}</p> : null}
      </td>
      <td class="whitespace-nowrap px-4 py-2.5"><StatusCell row={row} actor={props.actor} /></td>
    </tr>
  );
}

/** The table and the "Older" pager; swapped by htmx when the filter changes or an event is logged. */
export function DowntimeList(props: ListProps) {
  const showProcess = crossesProcesses(props.actor);
  if (props.rows.length === 0) {
    const { status, incidentId } = props.filters;
    const title = `No ${status ? `${status} ` : ''}downtime${incidentId !== undefined ? ` for incident #${incidentId}` : status ? '' : ' logged'}`;
    return (
      <EmptyState title={title} icon="clock">
        {status || incidentId !== undefined ? 'Try another filter.' : 'When a service goes down, log it here and managers are told at once.'}
      </EmptyState>
    );
  }
  return (
    <div>
      <div class="relative overflow-x-auto">
        <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="downtime-table">
          <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th class="px-4 py-2.5">Incident</th>
              {showProcess ? <th class="px-4 py-2.5">Process</th> : null}
              <th class="px-4 py-2.5">Start time</th>
              <th class="px-4 py-2.5">Duration</th>
              <th class="whitespace-nowrap px-4 py-2.5">Impact level</th>
              <th class="px-4 py-2.5">Services affected</th>
              <th class="px-4 py-2.5">Current status</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100 bg-white" id="downtime-rows">
            {props.rows.map((row) => <DowntimeRowView row={row} actor={props.actor} now={props.now} />)}
          </tbody>
        </table>
      </div>
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a
            href={`/downtime?${props.query}${props.query ? '&' : ''}cursor=${props.next}`}
            hx-get={`/downtime?${props.query}${props.query ? '&' : ''}cursor=${props.next}`}
            hx-target="#downtime-list"
            hx-push-url="true"
            class="text-sm font-semibold text-teal hover:underline"
          >
            Older downtime →
          </a>
        </div>
      ) : null}
    </div>
  );
}
