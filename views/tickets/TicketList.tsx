import type { TicketFilters, TicketRow, TicketStatus } from '../../src/modules/tickets/queries.js';
import { TICKET_TYPES } from '../../src/db/schema.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { StatusBadge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { RelativeTime } from '../components/Time.js';
import { TypeBadge } from './TicketBadges.js';

export interface BoardProps {
  actor: Actor;
  rows: TicketRow[];
  next: string | null;
  filters: TicketFilters;
  counts: Record<TicketStatus, number>;
  now: Date;
}

const TABS: [TicketStatus | '', string][] = [
  ['', 'All'],
  ['open', 'Open'],
  ['in_progress', 'In progress'],
  ['closed', 'Closed'],
];

const TYPE_OPTIONS: [string, string][] = [['', 'All types'], ...TICKET_TYPES.map((t): [string, string] => [t, t[0].toUpperCase() + t.slice(1)])];

/** The query string of a set of filters (and an optional cursor). */
export function ticketQuery(f: TicketFilters, cursor?: string | null): string {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.type) p.set('type', f.type);
  if (cursor) p.set('cursor', cursor);
  return p.toString();
}

const href = (q: string) => (q ? `/tickets?${q}` : '/tickets');

function Tabs(props: BoardProps) {
  const total = props.counts.open + props.counts.in_progress + props.counts.closed;
  const current = props.filters.status ?? '';
  return (
    <nav class="-mb-px flex gap-1 overflow-x-auto" aria-label="Ticket status" data-testid="ticket-tabs">
      {TABS.map(([status, label]) => {
        const active = current === status;
        const n = status ? props.counts[status] : total;
        const link = href(ticketQuery({ ...props.filters, status: status || undefined }));
        return (
          <a
            href={link}
            hx-get={link}
            hx-push-url="true"
            aria-current={active ? 'page' : undefined}
            data-tab={status || 'all'}
            class={`inline-flex items-center gap-2 whitespace-nowrap border-b-2 px-3 py-3 text-sm font-medium ${active ? 'border-teal text-navy' : 'border-transparent text-slate-500 hover:border-slate-300 hover:text-navy'}`}
          >
            {label}
            <span class={`rounded-full px-2 py-0.5 text-xs font-semibold ${active ? 'bg-teal text-white' : 'bg-slate-100 text-slate-600'}`} data-count={status || 'all'}>{n}</span>
          </a>
        );
      })}
    </nav>
  );
}

function TypeFilter(props: BoardProps) {
  return (
    <form method="get" action="/tickets" hx-get="/tickets" hx-trigger="change" hx-push-url="true" class="flex items-center gap-2 py-2" role="search">
      {props.filters.status ? <input type="hidden" name="status" value={props.filters.status} /> : null}
      <label for="type-filter" class="text-xs font-medium text-slate-500">Type</label>
      <select id="type-filter" name="type" class="rounded-md border border-slate-300 bg-white py-1.5 pl-2 pr-8 text-sm text-navy focus:border-teal focus:outline-none focus:ring-2 focus:ring-teal/30">
        {TYPE_OPTIONS.map(([value, label]) => <option value={value} selected={(props.filters.type ?? '') === value}>{label}</option>)}
      </select>
      <noscript><button class="text-sm font-semibold text-teal underline">Filter</button></noscript>
      <span class="htmx-indicator text-xs text-slate-500">Loading…</span>
    </form>
  );
}

function Table(props: BoardProps) {
  const showProcess = crossesProcesses(props.actor);
  return (
    <div class="relative overflow-x-auto">
      <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="ticket-table">
        <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            <th class="px-4 py-2.5">Ticket</th>
            {showProcess ? <th class="px-4 py-2.5">Process</th> : null}
            <th class="px-4 py-2.5">Type</th>
            <th class="px-4 py-2.5">Status</th>
            <th class="px-4 py-2.5">Assignee</th>
            <th class="hidden px-4 py-2.5 lg:table-cell">Incident</th>
            <th class="px-4 py-2.5">Created</th>
          </tr>
        </thead>
        <tbody class="divide-y divide-slate-100 bg-white">
          {props.rows.map((t) => (
            <tr class="hover:bg-slate-50" data-ticket={t.id}>
              <td class="px-4 py-2.5">
                <a href={`/tickets/${t.id}`} hx-get={`/tickets/${t.id}`} hx-target="#modal" hx-push-url="false" class="font-medium text-navy hover:underline">
                  {t.title}
                </a>
                <div class="text-xs text-slate-500">#{t.id}{t.creator_name ? ` · by ${t.creator_name}` : ''}</div>
              </td>
              {showProcess ? <td class="px-4 py-2.5 text-slate-600">{t.process_name}</td> : null}
              <td class="px-4 py-2.5"><TypeBadge type={t.type} /></td>
              <td class="px-4 py-2.5"><StatusBadge status={t.status} /></td>
              <td class="px-4 py-2.5 text-slate-600">{t.assignee_name ?? <span class="text-slate-500">Unassigned</span>}</td>
              <td class="hidden px-4 py-2.5 lg:table-cell">
                {t.incident_id
                  ? <a href={`/incidents/${t.incident_id}`} class="text-teal hover:underline" title={t.incident_title ?? undefined}>#{t.incident_id}</a>
                  : <span class="text-slate-500">—</span>}
              </td>
              <td class="whitespace-nowrap px-4 py-2.5 text-slate-500"><RelativeTime at={t.created_at} now={props.now} tz={t.process_timezone} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Status tabs with counts, the type filter, the table and the pager: the part htmx swaps into
 * #tickets-board. It carries its own refresh request, so a refresh keeps the current filters.
 */
export function TicketBoard(props: BoardProps) {
  const filtered = Boolean(props.filters.status || props.filters.type);
  return (
    <div
      hx-get={href(ticketQuery(props.filters))}
      hx-trigger="tickets:changed from:body, d2c:refresh from:body"
      hx-target="#tickets-board"
      data-testid="ticket-board"
    >
      <div class="flex flex-wrap items-center justify-between gap-x-4 border-b border-slate-200 px-4">
        <Tabs {...props} />
        <TypeFilter {...props} />
      </div>
      {props.rows.length === 0 ? (
        <EmptyState title={filtered ? 'No tickets match these filters' : 'No tickets yet'} icon="ticket">
          {filtered ? 'Try another status tab or type.' : 'Open a ticket for an incident follow-up, a change, an access request or a report.'}
        </EmptyState>
      ) : (
        <Table {...props} />
      )}
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a
            href={href(ticketQuery(props.filters, props.next))}
            hx-get={href(ticketQuery(props.filters, props.next))}
            hx-push-url="true"
            class="text-sm font-semibold text-teal hover:underline"
          >
            Older tickets →
          </a>
        </div>
      ) : null}
    </div>
  );
}
