import type { ActivityRow } from '../../src/modules/activity/queries.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { EmptyState } from '../components/EmptyState.js';
import { buttonSecondary, inputClass } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { RelativeTime } from '../components/Time.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';

/** The feed refreshes itself this often. */
export const REFRESH_SECONDS = 15;

const TYPE_ICONS: Record<string, string> = {
  incident: 'alert',
  downtime: 'clock',
  ticket: 'ticket',
  approval: 'check',
  handover: 'swap',
  escalation_chain: 'stairs',
  automation_rule: 'bolt',
  notification: 'mail',
  oncall: 'phone',
  oncall_schedule: 'phone',
  user: 'user',
  email: 'inbox',
  integration: 'plug',
};

/** Where the record of an event opens: its own page where there is one, else its module. */
const TYPE_PAGES: Record<string, string> = {
  downtime: '/downtime',
  approval: '/approvals',
  handover: '/handovers',
  escalation_chain: '/escalations',
  automation_rule: '/automation',
  notification: '/notifications',
  oncall: '/oncall',
  oncall_schedule: '/oncall',
  oncall_rotation: '/oncall',
  user: '/users',
  email: '/email-log',
  integration: '/integrations',
};

function recordHref(type: string, id: number | null): string | null {
  if ((type === 'incident' || type === 'ticket') && id !== null) return `/${type}s/${id}`;
  return TYPE_PAGES[type] ?? null;
}

const label = (type: string) => type.replace(/_/g, ' ');

export interface TypeCounts {
  total: number;
  types: Record<string, number>;
}

export interface FeedProps {
  actor: Actor;
  rows: ActivityRow[];
  next: string | null;
  type: string;
  now: Date;
  counts: TypeCounts;
  /** Older pages do not refresh themselves. */
  live: boolean;
}

/** The options of the type filter, with counts; also swapped out of band on every refresh. */
export function TypeOptions(props: { counts: TypeCounts; type: string }) {
  const types = Object.keys(props.counts.types);
  if (props.type && !types.includes(props.type)) types.push(props.type);
  return (
    <>
      <option value="" selected={props.type === ''}>All event types ({props.counts.total})</option>
      {types.sort().map((t) => (
        <option value={t} selected={props.type === t}>{label(t)} ({props.counts.types[t] ?? 0})</option>
      ))}
    </>
  );
}

function Event(props: { actor: Actor; row: ActivityRow; now: Date }) {
  const r = props.row;
  const href = recordHref(r.entity_type, r.entity_id);
  const showProcess = crossesProcesses(props.actor);
  return (
    <li class="flex gap-3 px-4 py-3 hover:bg-slate-50" data-activity={r.id} data-type={r.entity_type}>
      <div class="mt-0.5 shrink-0 self-start rounded-full bg-teal/10 p-2 text-teal">
        <Icon name={TYPE_ICONS[r.entity_type] ?? 'pulse'} class="h-4 w-4" />
      </div>
      <div class="min-w-0 flex-1">
        <p class="text-sm">
          <span class="font-semibold text-navy" data-testid="event-title">{label(r.entity_type)} <span class="text-slate-500" aria-hidden="true">›</span><span class="sr-only">:</span> {r.action.replace(/_/g, ' ')}</span>
          {r.summary ? <span class="text-slate-600"> · {href ? <a href={href} class="hover:underline">{r.summary}</a> : r.summary}</span> : null}
        </p>
        <p class="mt-0.5 text-xs text-slate-500">
          {r.user_name ?? (r.user_id === null ? 'System' : `User #${r.user_id}`)}
          {r.entity_id !== null ? <> · {href && !r.summary ? <a href={href} class="hover:underline">#{r.entity_id}</a> : `#${r.entity_id}`}</> : null}
          {showProcess || r.process_name ? <> · {r.process_name ?? 'Platform'}</> : null}
        </p>
      </div>
      <div class="shrink-0 whitespace-nowrap text-xs text-slate-500">
        <RelativeTime at={r.created_at} now={props.now} tz={r.process_timezone ?? 'UTC'} />
      </div>
    </li>
  );
}

/** The list and its pager, plus the filter's counts out of band; what every refresh swaps in. */
export function ActivityFeed(props: FeedProps & { oob?: boolean }) {
  const older = `/activity?${props.type ? `type=${encodeURIComponent(props.type)}&` : ''}cursor=${props.next}`;
  return (
    <>
      {props.oob ? <select id="type" hx-swap-oob="innerHTML"><TypeOptions counts={props.counts} type={props.type} /></select> : null}
      {props.rows.length === 0 ? (
        <EmptyState title={props.type ? `No ${label(props.type)} events` : 'Nothing has happened yet'} icon="pulse">
          {props.type ? 'Choose another event type, or wait: new events appear here by themselves.' : 'Incidents, tickets, approvals and more appear here as people work.'}
        </EmptyState>
      ) : (
        <ul class="divide-y divide-slate-100" data-testid="activity-list">
          {props.rows.map((r) => <Event actor={props.actor} row={r} now={props.now} />)}
        </ul>
      )}
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a href={older} class="text-sm font-semibold text-teal hover:underline" data-testid="older">Older events →</a>
        </div>
      ) : null}
    </>
  );
}

export function ActivityPage(props: { shell: ShellProps; feed: FeedProps }) {
  const f = props.feed;
  const refresh = { 'hx-get': '/activity', 'hx-include': '#activity-filter', 'hx-target': '#activity-feed', 'hx-indicator': '#feed-loading' };
  return (
    <AppShell {...props.shell}>
      <section class="rounded-xl border border-slate-200 bg-white shadow-sm" x-data={`{ paused: ${f.live ? 'false' : 'true'} }`} data-testid="activity">
        <div class="flex flex-wrap items-center gap-3 border-b border-slate-200 p-4">
          {f.live ? (
            <p class="flex items-center gap-2 text-sm" data-testid="live-indicator" x-bind:data-state="paused ? 'paused' : 'live'" data-state="live">
              <span class="relative flex h-2.5 w-2.5" x-show="!paused">
                <span class="absolute inline-flex h-full w-full animate-ping rounded-full bg-teal-light opacity-75"></span>
                <span class="relative inline-flex h-2.5 w-2.5 rounded-full bg-teal"></span>
              </span>
              <span class="inline-flex h-2.5 w-2.5 rounded-full bg-amber" x-show="paused" x-cloak=""></span>
              <span class="font-medium text-teal" x-show="!paused">Auto-refreshing every {REFRESH_SECONDS}s</span>
              <span class="font-medium text-amber-dark" x-show="paused" x-cloak="">Paused</span>
              <span id="feed-loading" class="htmx-indicator text-xs text-slate-500" aria-hidden="true">Updating…</span>
            </p>
          ) : (
            <p class="text-sm text-slate-500">Older events. <a href={f.type ? `/activity?type=${encodeURIComponent(f.type)}` : '/activity'} class="font-semibold text-teal hover:underline">Back to the live feed</a></p>
          )}
          <form id="activity-filter" method="get" action="/activity" class="ml-auto flex items-center gap-2" hx-get="/activity" hx-target="#activity-feed" hx-push-url="true" hx-trigger="change, d2c:refresh from:body" hx-indicator="#feed-loading">
            <label for="type" class="whitespace-nowrap text-xs font-medium text-slate-500">Event type</label>
            <select id="type" name="type" class={`${inputClass} w-auto`} data-testid="type-filter">
              <TypeOptions counts={f.counts} type={f.type} />
            </select>
            <noscript><button class={buttonSecondary}>Filter</button></noscript>
          </form>
          {f.live ? (
            <>
              <button type="button" class={buttonSecondary} x-on:click="paused = !paused" x-bind:aria-pressed="paused ? 'true' : 'false'" aria-pressed="false" data-testid="pause">
                <span x-text="paused ? 'Resume' : 'Pause'">Pause</span>
              </button>
              <button type="button" class={buttonSecondary} {...refresh} data-testid="refresh">
                <Icon name="refresh" class="h-4 w-4" /> Refresh
              </button>
            </>
          ) : null}
        </div>
        <p class="px-4 pt-2 text-xs text-slate-500">Counts cover the last 7 days. You see the events of the records your role can open.</p>
        {f.live ? (
          <template x-if="!paused">
            <div hidden {...refresh} hx-trigger={`every ${REFRESH_SECONDS}s`} x-init="htmx.process($el)" data-testid="poller"></div>
          </template>
        ) : null}
        <div id="activity-feed">
          <ActivityFeed {...f} />
        </div>
      </section>
    </AppShell>
  );
}
