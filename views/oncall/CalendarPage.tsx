import type { OncallRow } from '../../src/modules/oncall/queries.js';
import { formatDay } from '../../src/modules/oncall/shifts.js';
import { buttonPrimary, buttonSecondary, inputClass } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { LocalTime } from '../components/Time.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { RoleBadge } from './OnCallNow.js';

export interface CalendarPageProps {
  shell: ShellProps;
  url: string | null;
  upcoming: OncallRow[];
}

/** The signed-in user's own calendar feed: the secret URL, how to subscribe, and regeneration. */
export function CalendarFeed(props: { url: string | null }) {
  return (
    <div id="calendar-feed" class="space-y-4">
      {props.url ? (
        <>
          <div>
            <label for="feed-url" class="mb-1 block text-sm font-medium text-slate-700">Your private calendar address</label>
            <div class="flex flex-wrap gap-2" x-data="{ copied: false }">
              <input id="feed-url" type="text" readonly value={props.url} class={`${inputClass} min-w-0 flex-1 font-mono text-xs`}
                x-on:focus="$el.select()" data-testid="feed-url" />
              <button type="button" class={buttonSecondary}
                x-on:click="navigator.clipboard && navigator.clipboard.writeText($el.previousElementSibling.value).then(() => { copied = true; setTimeout(() => copied = false, 2000) })">
                <span x-show="!copied">Copy</span><span x-show="copied" x-cloak="">Copied</span>
              </button>
            </div>
            <p class="mt-1 text-xs text-slate-500">Anyone with this address can see your on-call shifts. Keep it to yourself.</p>
          </div>
          <form method="post" action="/oncall/calendar" hx-post="/oncall/calendar" hx-target="#calendar-feed" hx-swap="outerHTML"
            hx-confirm="Make a new address? The current one stops working at once, and calendars subscribed to it stop updating.">
            <button type="submit" class={buttonSecondary} data-action="regenerate"><Icon name="refresh" class="h-4 w-4" /> Make a new address</button>
          </form>
        </>
      ) : (
        <form method="post" action="/oncall/calendar" hx-post="/oncall/calendar" hx-target="#calendar-feed" hx-swap="outerHTML">
          <p class="mb-3 text-sm text-slate-600">You have no calendar address yet.</p>
          <button type="submit" class={buttonPrimary} data-action="create-feed"><Icon name="clock" class="h-4 w-4" /> Create my calendar address</button>
        </form>
      )}
    </div>
  );
}

export function CalendarPage(props: CalendarPageProps) {
  return (
    <AppShell {...props.shell}>
      <a href="/oncall" class="mb-3 inline-block text-sm text-teal hover:underline">← On-call schedule</a>
      <div class="grid items-start gap-4 lg:grid-cols-2">
        <section class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm" aria-labelledby="feed-title">
          <h2 id="feed-title" class="mb-1 font-semibold text-navy">My on-call calendar</h2>
          <p class="mb-4 text-sm text-slate-500">
            Subscribe to this address in Google Calendar (Other calendars → From URL) or Outlook (Add calendar → Subscribe from web)
            and your shifts appear there, kept up to date.
          </p>
          <CalendarFeed url={props.url} />
        </section>
        <section class="rounded-xl border border-slate-200 bg-white shadow-sm" aria-labelledby="upcoming-title">
          <h2 id="upcoming-title" class="border-b border-slate-200 px-5 py-3 font-semibold text-navy">My coming shifts</h2>
          {props.upcoming.length === 0 ? (
            <p class="px-5 py-6 text-sm text-slate-500" data-testid="no-shifts">You are not on the on-call schedule in the coming weeks.</p>
          ) : (
            <ul class="divide-y divide-slate-100" data-testid="my-shifts">
              {props.upcoming.map((r) => (
                <li class="flex flex-wrap items-center justify-between gap-2 px-5 py-2.5 text-sm">
                  <span class="font-medium text-slate-700">{formatDay(r.date)}</span>
                  <span class="flex items-center gap-2 text-xs text-slate-500">
                    <RoleBadge role={r.role} /> {r.process_name} · from <LocalTime at={r.window.start} tz={r.process_timezone} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </AppShell>
  );
}
