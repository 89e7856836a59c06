import type { Process } from '../../src/db/schema.js';
import type { DowntimeFilters, DowntimeStatus, LinkableIncident } from '../../src/modules/downtime/queries.js';
import { IMPACT_LEVELS, NOTES_MAX, SERVICES_MAX } from '../../src/modules/downtime/service.js';
import { can } from '../../src/roles.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { BROWSER_ZONE_INIT, buttonPrimary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { DowntimeList, downtimeQuery, type ListProps } from './DowntimeList.js';

const STATUS_TABS: [DowntimeStatus | '', string][] = [
  ['', 'All'],
  ['ongoing', 'Ongoing'],
  ['ended', 'Ended'],
];

function Tabs(props: { filters: DowntimeFilters }) {
  return (
    <nav class="flex gap-1 border-b border-slate-200 px-4 pt-3" aria-label="Filter by status">
      {STATUS_TABS.map(([value, label]) => {
        const active = (props.filters.status ?? '') === value;
        const query = downtimeQuery({ ...props.filters, status: value || undefined });
        const href = query ? `/downtime?${query}` : '/downtime';
        return (
          <a
            href={href}
            hx-get={href}
            hx-target="#downtime-list"
            hx-push-url="true"
            data-tab={value || 'all'}
            aria-current={active ? 'page' : undefined}
            x-on:click="$el.parentElement.querySelectorAll('a').forEach((a) => a.removeAttribute('aria-current')); $el.setAttribute('aria-current', 'page')"
            class="-mb-px border-b-2 border-transparent px-3 pb-2 text-sm font-medium text-slate-500 hover:text-navy aria-[current=page]:border-teal aria-[current=page]:text-teal"
          >
            {label}
          </a>
        );
      })}
    </nav>
  );
}

/** How many events are ongoing now; refreshes itself whenever downtime is logged or ended. */
export function OngoingCount(props: { count: number }) {
  return (
    <span
      id="ongoing-count"
      hx-get="/downtime/ongoing-count"
      hx-trigger="downtime:changed from:body, downtime:ended from:body, d2c:refresh from:body"
      hx-swap="outerHTML"
      data-testid="ongoing-count"
      class={props.count > 0 ? 'inline-flex items-center gap-1.5 rounded-full bg-danger/10 px-2.5 py-0.5 text-xs font-semibold text-danger' : 'hidden'}
    >
      {props.count > 0 ? (
        <>
          <span class="h-1.5 w-1.5 animate-pulse rounded-full bg-danger" aria-hidden="true"></span>
          {props.count} ongoing
        </>
      ) : null}
    </span>
  );
}

export function DowntimePage(props: { shell: ShellProps; list: ListProps; ongoing: number }) {
  const { actor } = props.shell;
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <div class="flex flex-wrap items-center gap-3">
          <p class="text-sm text-slate-500">
            Service outages of {crossesProcesses(actor) ? 'every process' : 'your process'}, newest first. Times are shown in your time zone.
          </p>
          <OngoingCount count={props.ongoing} />
        </div>
        {can(actor.role, 'downtime.edit') ? (
          <a href="/downtime/new" hx-get="/downtime/new" hx-target="#modal" class={buttonPrimary} data-testid="log-downtime">
            <Icon name="clock" class="h-4 w-4" /> Log Downtime
          </a>
        ) : null}
      </div>
      {props.list.filters.incidentId !== undefined ? (
        <p class="mb-3 flex flex-wrap items-center gap-2 rounded-lg bg-teal/10 px-3 py-2 text-sm text-navy" data-testid="incident-filter">
          Downtime linked to
          <a href={`/incidents/${props.list.filters.incidentId}`} class="font-semibold text-teal hover:underline">incident #{props.list.filters.incidentId}</a>
          <a href={props.list.filters.status ? `/downtime?status=${props.list.filters.status}` : '/downtime'} class="ml-auto font-semibold text-teal hover:underline">Show all downtime</a>
        </p>
      ) : null}
      <section class="rounded-xl border border-slate-200 bg-white shadow-sm">
        <Tabs filters={props.list.filters} />
        <div id="downtime-list" hx-get={`/downtime?${props.list.query}`} hx-trigger="downtime:changed from:body, d2c:refresh from:body">
          <DowntimeList {...props.list} />
        </div>
      </section>
      <div id="modal"></div>
    </AppShell>
  );
}

export interface CreateFormProps {
  actor: Actor;
  incidents: LinkableIncident[];
  processes?: Pick<Process, 'id' | 'name'>[];
  /** "Now" in the process's zone (YYYY-MM-DDTHH:MM), used when the browser cannot say its own. */
  defaultStart: string;
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

/** Fills the start with the browser's own "now" (only when the user has not typed one yet). */
const NOW_LOCAL = "if ($el.dataset.default) { const d = new Date(); d.setSeconds(0, 0); $el.value = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); document.getElementById('tz_offset').value = d.getTimezoneOffset() }";
/** The offset (minutes, as getTimezoneOffset gives it) of the chosen local time, so DST is right too. */
const OFFSET_OF_CHOICE = "const d = new Date($el.value); if (!isNaN(d)) { document.getElementById('tz_offset').value = d.getTimezoneOffset() }";
/** The services typed so far, as tags. */
const SERVICE_TAGS = "v.split(',').map((s) => s.trim()).filter((s) => s)";

export function DowntimeCreateForm(props: CreateFormProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  const showProcess = crossesProcesses(props.actor);
  const typedStart = v.started_at_local;
  return (
    <form id="downtime-form" method="post" action="/downtime" hx-post="/downtime" hx-target="#downtime-form" hx-swap="outerHTML" class="space-y-4" novalidate>
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      {props.processes ? (
        <Field label="Process" name="process_id" error={e.process_id}>
          <select id="process_id" name="process_id" class={inputClass} required {...invalid('process_id', e.process_id)}>
            <option value="">Choose…</option>
            {props.processes.map((p) => <option value={String(p.id)} selected={v.process_id === String(p.id)}>{p.name}</option>)}
          </select>
        </Field>
      ) : null}
      <Field label="Start time" name="started_at_local" error={e.started_at} hint="In your own time zone. Defaults to now.">
        <input
          id="started_at_local"
          name="started_at_local"
          type="datetime-local"
          class={inputClass}
          required
          value={typedStart ?? props.defaultStart}
          data-default={typedStart ? undefined : '1'}
          x-init={NOW_LOCAL}
          x-on:change={OFFSET_OF_CHOICE}
          {...invalid('started_at_local', e.started_at)}
        />
        <input type="hidden" id="tz_offset" name="tz_offset" value={v.tz_offset ?? ''} />
        <input type="hidden" name="tz" value={v.tz ?? ''} x-init={BROWSER_ZONE_INIT} />
      </Field>
      <div x-data="{ v: '' }">
        <Field label="Services affected" name="services_affected" error={e.services_affected} hint={`Separate services with commas (up to ${SERVICES_MAX}).`}>
          <input
            id="services_affected"
            name="services_affected"
            class={inputClass}
            required
            autofocus
            autocomplete="off"
            value={v.services_affected ?? ''}
            placeholder="e.g. Payment Gateway, Checkout API"
            x-init="v = $el.value"
            x-on:input="v = $el.value"
            {...invalid('services_affected', e.services_affected)}
          />
        </Field>
        <ul class="mt-2 flex flex-wrap gap-1" aria-hidden="true" x-show={`${SERVICE_TAGS}.length > 0`} x-cloak>
          <template x-for={`(s, i) in ${SERVICE_TAGS}`} {...{ ':key': 'i' }}>
            <li class="rounded bg-teal/10 px-1.5 py-0.5 text-xs font-medium text-teal ring-1 ring-inset ring-teal/30" x-text="s"></li>
          </template>
        </ul>
      </div>
      <Field label="Impact level" name="impact_level" error={e.impact_level}>
        <select id="impact_level" name="impact_level" class={inputClass} {...invalid('impact_level', e.impact_level)}>
          {IMPACT_LEVELS.map((level) => (
            <option value={level} selected={(v.impact_level ?? 'medium') === level}>{level[0].toUpperCase() + level.slice(1)}</option>
          ))}
        </select>
      </Field>
      <Field label="Linked incident" name="incident_id" error={e.incident_id} hint="Optional. Leave as Standalone for planned maintenance or outages without an incident.">
        <select id="incident_id" name="incident_id" class={inputClass} {...invalid('incident_id', e.incident_id)}>
          <option value="">Standalone (no incident)</option>
          {props.incidents.map((i) => (
            <option value={String(i.id)} selected={v.incident_id === String(i.id)}>
              {`#${i.id} · ${i.title}${i.status === 'resolved' ? ' (resolved)' : ''}${showProcess ? ` · ${i.process_name}` : ''}`}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Notes" name="notes" error={e.notes}>
        <textarea id="notes" name="notes" rows={3} maxlength={NOTES_MAX} class={inputClass} placeholder="What is affected, workarounds, vendor ticket numbers." {...invalid('notes', e.notes)}>{v.notes ?? ''}</textarea>
      </Field>
      <p class="text-xs text-slate-500">The process's managers and admins are emailed when downtime is logged and when it ends.</p>
      <div class="flex justify-end gap-2">
        <button type="submit" class={buttonPrimary}>
          Log downtime <span class="htmx-indicator">…</span>
        </button>
      </div>
    </form>
  );
}
