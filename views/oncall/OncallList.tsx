import type { OncallRow } from '../../src/modules/oncall/queries.js';
import { formatClock, formatDay } from '../../src/modules/oncall/shifts.js';
import { can } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { Badge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { LocalTime } from '../components/Time.js';
import { RoleBadge } from './OnCallNow.js';

export interface OncallListProps {
  actor: Actor;
  rows: OncallRow[];
  from: string;
  to: string;
  now: Date;
  /** More rows than the page shows (the range is too wide). */
  truncated?: boolean;
}

function ShiftCell(props: { row: OncallRow }) {
  const { row } = props;
  const tz = row.process_timezone;
  const handoff = row.handoff_time ?? '00:00';
  if (handoff === '00:00') return <span class="text-xs text-slate-500" title={`Midnight to midnight in ${tz}`}>All day</span>;
  return (
    <div class="text-xs text-slate-500">
      <span title={`Local time in ${tz}`}>{formatClock(row.window.start, tz)} → {formatClock(row.window.end, tz)} next day</span>
      <div class="text-slate-500">from <LocalTime at={row.window.start} tz={tz} /></div>
    </div>
  );
}

/** The schedule table (Figure 6.11a): Date, Person, Role badge, Process (for everyone, as section 6.11 lists it), plus the shift and how it was made. */
export function OncallList(props: OncallListProps) {
  const manage = can(props.actor.role, 'oncall.manage');
  const t = props.now.getTime();
  if (props.rows.length === 0) {
    return (
      <EmptyState title="Nobody is on call in these dates" icon="phone">
        {manage
          ? 'Add people with “Add On-Call”, or define a rotation below and generate its schedule.'
          : 'A manager adds people to the on-call schedule; they will show here.'}
      </EmptyState>
    );
  }
  let lastDate = '';
  return (
    <div>
      <div class="relative overflow-x-auto">
        <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="oncall-table">
          <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th class="px-4 py-2.5">Date</th>
              <th class="px-4 py-2.5">Person</th>
              <th class="px-4 py-2.5">Role</th>
              <th class="px-4 py-2.5">Process</th>
              <th class="hidden px-4 py-2.5 md:table-cell">Shift</th>
              <th class="hidden px-4 py-2.5 sm:table-cell">Source</th>
              {manage ? <th class="px-4 py-2.5"><span class="sr-only">Actions</span></th> : null}
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100 bg-white">
            {props.rows.map((r) => {
              const first = r.date !== lastDate;
              lastDate = r.date;
              const current = t >= r.window.start.getTime() && t < r.window.end.getTime();
              return (
                <tr id={`oncall-${r.id}`} data-oncall={r.id} data-date={r.date} data-role={r.role} class={`align-top hover:bg-slate-50 ${first ? 'border-t-2 border-slate-200' : ''}`}>
                  <td class="whitespace-nowrap px-4 py-2.5 font-medium text-slate-700">
                    {first ? formatDay(r.date) : <span class="sr-only">{formatDay(r.date)}</span>}
                  </td>
                  <td class="px-4 py-2.5">
                    <span class="font-medium text-navy" data-testid="oncall-person">{r.user_name}</span>
                    {r.is_active ? null : <span class="ml-1"><Badge tone="danger">inactive</Badge></span>}
                    {current ? <span class="ml-1"><Badge tone="teal">on call now</Badge></span> : null}
                  </td>
                  <td class="px-4 py-2.5"><RoleBadge role={r.role} /></td>
                  <td class="px-4 py-2.5 text-slate-600">{r.process_name}</td>
                  <td class="hidden px-4 py-2.5 md:table-cell"><ShiftCell row={r} /></td>
                  <td class="hidden px-4 py-2.5 text-slate-500 sm:table-cell">{r.rotation_name ?? 'Added by hand'}</td>
                  {manage ? (
                    <td class="px-4 py-2.5 text-right">
                      <form method="post" action={`/oncall/${r.id}/delete`} hx-post={`/oncall/${r.id}/delete`} hx-target={`#oncall-${r.id}`} hx-swap="outerHTML"
                        hx-confirm={`Remove ${r.user_name} (${r.role}) from the on-call schedule on ${formatDay(r.date)}?`} class="inline">
                        <button type="submit" data-action="delete" aria-label={`Remove ${r.user_name} on ${formatDay(r.date)}`}
                          class="rounded-md border border-danger/40 bg-white px-2.5 py-1 text-xs font-semibold text-danger hover:bg-danger hover:text-white focus:outline-none focus:ring-2 focus:ring-danger/40">
                          Remove
                        </button>
                      </form>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {props.truncated ? <p class="border-t border-slate-200 px-4 py-2 text-xs text-slate-500">Showing the first entries only: choose a shorter date range.</p> : null}
    </div>
  );
}
