import type { Delivery, NotificationFilters, NotificationRow } from '../../src/modules/notifications/queries.js';
import { counts } from '../../src/modules/notifications/serialize.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { Badge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { LocalTime } from '../components/Time.js';

export interface NotificationListProps {
  actor: Actor;
  rows: NotificationRow[];
  deliveries: Map<number, Delivery>;
  next: string | null;
  filters: NotificationFilters;
  query: string;
}

export function DirectionBadge(props: { direction: string }) {
  return props.direction === 'ops_to_client'
    ? <Badge tone="teal">To Client</Badge>
    : <Badge tone="navy">From Client</Badge>;
}

/** The table of Figure 6.9a: direction, subject, sent by, recipients, bounces, sent at. */
export function NotificationList(props: NotificationListProps) {
  const showProcess = crossesProcesses(props.actor);
  if (props.rows.length === 0) {
    const client = props.actor.role === 'client';
    return (
      <EmptyState title={props.filters.direction ? 'No notifications in this direction' : 'No notifications yet'} icon="mail">
        {client
          ? 'Messages from the operations team appear here. Use “Message the ops team” to write to them.'
          : 'Messages to and from the client stakeholders of your process appear here.'}
      </EmptyState>
    );
  }
  const more = `/notifications?${props.query}${props.query ? '&' : ''}cursor=${props.next}`;
  return (
    <div>
      <div class="relative overflow-x-auto">
        <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="notification-table">
          <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th class="px-4 py-2.5">Direction</th>
              <th class="px-4 py-2.5">Subject</th>
              {showProcess ? <th class="px-4 py-2.5">Process</th> : null}
              <th class="px-4 py-2.5">Sent By</th>
              <th class="px-4 py-2.5 text-right">Recipients</th>
              <th class="px-4 py-2.5 text-right">Bounces</th>
              <th class="px-4 py-2.5">Sent At</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100 bg-white">
            {props.rows.map((n) => {
              const c = counts(n, props.deliveries.get(n.id));
              return (
                <tr class="hover:bg-slate-50" data-notification={n.id} data-testid="notification-row">
                  <td class="px-4 py-2.5"><DirectionBadge direction={n.direction} /></td>
                  <td class="max-w-md px-4 py-2.5">
                    <a href={`/notifications/${n.id}`} hx-get={`/notifications/${n.id}`} hx-target="#modal" hx-push-url="false"
                      class="font-medium text-navy hover:underline">{n.subject}</a>
                  </td>
                  {showProcess ? <td class="px-4 py-2.5 text-slate-600">{n.process_name}</td> : null}
                  <td class="px-4 py-2.5 text-slate-600">{n.sender_name ?? <span class="text-slate-500">—</span>}</td>
                  <td class="px-4 py-2.5 text-right tabular-nums text-slate-700" data-testid="recipients">
                    {c.recipients}
                    {c.pending > 0 ? <div class="text-xs text-slate-500">{c.pending} sending</div> : null}
                  </td>
                  <td class="px-4 py-2.5 text-right tabular-nums" data-testid="bounces">
                    {c.bounces > 0 ? <Badge tone="danger">{c.bounces}</Badge> : <span class="text-slate-500">0</span>}
                  </td>
                  <td class="px-4 py-2.5 text-slate-500"><LocalTime at={n.sent_at} tz={n.process_timezone} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a href={more} hx-get={more} hx-target="#notification-list" hx-push-url="true" class="text-sm font-semibold text-teal hover:underline">Older notifications →</a>
        </div>
      ) : null}
    </div>
  );
}
