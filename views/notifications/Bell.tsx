import { raw } from 'hono/html';
import type { BellItem } from '../../src/modules/notifications/queries.js';
import { Icon } from '../components/Icon.js';
import { RelativeTime } from '../components/Time.js';

/**
 * The unread count on the bell. The shell's placeholder loads it once (`load`); the loaded count
 * then reloads itself every minute and whenever a notification is sent, and is swapped out of band
 * with 0 when the dropdown opens. (A swapped-in element with a `load` trigger would load forever.)
 */
export function BellCount(props: { count: number; oob?: boolean; load?: boolean }) {
  const label = props.count > 99 ? '99+' : String(props.count);
  return (
    <span
      id="bell-count"
      hx-get="/notifications/bell/count"
      hx-trigger={`${props.load ? 'load, ' : ''}every 60s, notifications:changed from:body`}
      hx-target="this"
      hx-swap="outerHTML"
      hx-indicator="#bell-count-indicator"
      {...(props.oob ? { 'hx-swap-oob': 'true' } : {})}
      data-count={String(props.count)}
      data-testid="bell-count"
      class={props.count > 0
        ? 'absolute -right-0.5 -top-0.5 flex h-4 min-w-4 items-center justify-center rounded-full bg-danger px-1 text-[10px] font-bold leading-none text-white'
        : 'hidden'}
    >
      {props.count > 0 ? label : ''}
      {props.count > 0 ? <span class="sr-only"> unread notifications</span> : null}
    </span>
  );
}

/**
 * The bell of the top bar: a button with the unread count that opens a dropdown of the latest
 * notifications; opening it marks them read (POST). Without JavaScript it is a link to the page.
 */
export function NotificationBell(props: { count?: number } = {}) {
  return (
    <div class="relative" x-data="{ open: false }" {...{ 'x-on:keydown.escape': 'open = false', 'x-on:click.outside': 'open = false' }} data-testid="bell">
      <a
        href="/notifications"
        role="button"
        class="relative block rounded-full p-1.5 text-slate-500 hover:bg-slate-100 hover:text-navy"
        title="Notifications"
        aria-label="Notifications"
        aria-haspopup="true"
        x-bind:aria-expanded="open ? 'true' : 'false'"
        {...{ 'x-on:click.prevent': "open = !open; if (open) $dispatch('bell-open')" }}
        hx-post="/notifications/bell/open"
        hx-trigger="bell-open"
        hx-target="#bell-panel"
        hx-swap="innerHTML"
        hx-indicator="#bell-panel-indicator"
        data-testid="bell-button"
      >
        <Icon name="bell" />
        <BellCount count={props.count ?? 0} load />
      </a>
      <span id="bell-count-indicator" class="hidden"></span>
      <div x-show="open" x-cloak="" x-transition="" class="absolute right-0 z-40 mt-2 w-80 max-w-[calc(100vw-2rem)] rounded-lg border border-slate-200 bg-white shadow-lg"
        data-testid="bell-dropdown">
        <div class="flex items-center justify-between border-b border-slate-100 px-4 py-2">
          <span class="text-sm font-semibold text-navy">Notifications</span>
          <span id="bell-panel-indicator" class="htmx-indicator text-xs text-slate-500">{raw('Loading&hellip;')}</span>
        </div>
        <div id="bell-panel" class="max-h-96 overflow-y-auto"></div>
        <a href="/notifications" class="block border-t border-slate-100 px-4 py-2 text-center text-sm font-semibold text-teal hover:bg-slate-50">View all notifications</a>
      </div>
    </div>
  );
}

/** The dropdown's content: the newest notifications, the ones unread until now highlighted. */
export function BellPanel(props: { items: BellItem[]; now: Date; tz: string; client: boolean }) {
  if (props.items.length === 0) {
    return (
      <p class="px-4 py-6 text-center text-sm text-slate-500" data-testid="bell-empty">
        {props.client ? 'No messages from the operations team yet.' : 'No messages from client stakeholders yet.'}
      </p>
    );
  }
  return (
    <ul class="divide-y divide-slate-100" data-testid="bell-items">
      {props.items.map((i) => (
        <li>
          <a href={`/notifications/${i.id}`} class={`block px-4 py-2.5 hover:bg-slate-50 ${i.unread ? 'bg-teal/5' : ''}`} data-unread={i.unread ? 'true' : 'false'}>
            <div class="flex items-start gap-2">
              {i.unread ? <span class="mt-1.5 h-2 w-2 shrink-0 rounded-full bg-teal" aria-label="new"></span> : <span class="mt-1.5 h-2 w-2 shrink-0"></span>}
              <div class="min-w-0">
                <p class={`truncate text-sm ${i.unread ? 'font-semibold text-navy' : 'text-slate-700'}`}>{i.subject}</p>
                <p class={`text-xs ${i.unread ? 'text-slate-600' : 'text-slate-500'}`}>{i.sender_name ?? 'System'} · <RelativeTime at={i.sent_at} now={props.now} tz={props.tz} /></p>
              </div>
            </div>
          </a>
        </li>
      ))}
    </ul>
  );
}
