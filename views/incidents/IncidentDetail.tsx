import type { DowntimeRow } from '../../src/modules/downtime/queries.js';
import { durationMs, servicesOf } from '../../src/modules/downtime/serialize.js';
import type { IncidentRow, TimelineEntry } from '../../src/modules/incidents/queries.js';
import { can } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { formatDuration } from '../../src/time.js';
import { SeverityBadge, StatusBadge } from '../components/Badge.js';
import { buttonPrimary, buttonSecondary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { LocalTime } from '../components/Time.js';
import { NOTE_MAX } from '../../src/modules/incidents/notes.js';
import { ImpactBadge, ServiceTags } from '../downtime/DowntimeList.js';

export interface DetailProps {
  actor: Actor;
  incident: IncidentRow;
  timeline: TimelineEntry[];
  /** Downtime events linked to the incident, newest first (one more than shown, if there are more); absent when the role cannot see downtime. */
  downtime?: DowntimeRow[];
  assignable: { id: number; name: string; role: string }[];
  now: Date;
  errors?: Record<string, string>;
  error?: string;
  values?: Record<string, string>;
}

const SEVERITIES = [
  [1, 'Sev 1 — Critical'],
  [2, 'Sev 2 — High'],
  [3, 'Sev 3 — Medium'],
  [4, 'Sev 4 — Low'],
] as const;

/** The hx attributes of a form that updates the incident and swaps this panel. */
function hxUpdate(id: number) {
  return {
    method: 'post' as const,
    action: `/incidents/${id}`,
    'hx-post': `/incidents/${id}`,
    'hx-target': '#incident-detail',
    'hx-swap': 'outerHTML',
  };
}

function StatusActions(props: { incident: IncidentRow }) {
  const { incident } = props;
  const button = (status: string, label: string, cls: string) => (
    <form {...hxUpdate(incident.id)} class="inline">
      <input type="hidden" name="status" value={status} />
      <button type="submit" class={cls} data-action={status}>{label}</button>
    </form>
  );
  return (
    <div class="flex flex-wrap gap-2">
      {incident.status === 'open' ? button('in_progress', 'Mark In Progress', buttonSecondary) : null}
      {incident.status !== 'resolved' ? button('resolved', 'Resolve', buttonPrimary) : null}
      {incident.status === 'resolved' ? button('open', 'Reopen', buttonSecondary) : null}
    </div>
  );
}

function AssignControl(props: DetailProps) {
  const { incident, actor } = props;
  if (can(actor.role, 'incidents.assign_any')) {
    return (
      <form {...hxUpdate(incident.id)} class="flex gap-2">
        <select name="assigned_to" id="assigned_to" class={inputClass} aria-label="Assignee" {...invalid('assigned_to', props.errors?.assigned_to)}>
          <option value="">Unassigned</option>
          {props.assignable.map((u) => <option value={String(u.id)} selected={u.id === incident.assigned_to}>{u.name}</option>)}
        </select>
        <button type="submit" class={buttonSecondary}>Assign</button>
      </form>
    );
  }
  if (incident.assigned_to === actor.userId) {
    return (
      <form {...hxUpdate(incident.id)}>
        <input type="hidden" name="assigned_to" value="" />
        <button type="submit" class={buttonSecondary}>Release</button>
      </form>
    );
  }
  return (
    <form {...hxUpdate(incident.id)}>
      <input type="hidden" name="assigned_to" value={String(actor.userId)} />
      <button type="submit" class={buttonSecondary} data-action="take">Take it</button>
    </form>
  );
}

function EditForm(props: DetailProps) {
  const { incident } = props;
  const e = props.errors ?? {};
  const v = props.values ?? {};
  return (
    <form {...hxUpdate(incident.id)} class="space-y-3" data-testid="incident-edit">
      <Field label="Title" name="title" error={e.title}>
        <input id="title" name="title" class={inputClass} maxlength={200} required value={v.title ?? incident.title} {...invalid('title', e.title)} />
      </Field>
      <Field label="Severity" name="severity" error={e.severity}>
        <select id="severity" name="severity" class={inputClass} {...invalid('severity', e.severity)}>
          {SEVERITIES.map(([n, label]) => <option value={String(n)} selected={n === incident.severity}>{label}</option>)}
        </select>
      </Field>
      <Field label="Description" name="description" error={e.description}>
        <textarea id="description" name="description" rows={4} maxlength={10000} class={inputClass} {...invalid('description', e.description)}>
          {v.description ?? incident.description ?? ''}
        </textarea>
      </Field>
      <Field label="Root Cause Analysis (RCA)" name="rca" error={e.rca} hint="What caused it, and what fixed it. Shared with future similar incidents.">
        <textarea id="rca" name="rca" rows={4} maxlength={10000} class={inputClass} {...invalid('rca', e.rca)}>
          {v.rca ?? incident.rca ?? ''}
        </textarea>
      </Field>
      <div class="flex justify-end">
        <button type="submit" class={buttonPrimary}>Save changes</button>
      </div>
    </form>
  );
}

const DOT: Record<string, string> = { email: 'bg-sky-400', status: 'bg-teal', escalation: 'bg-danger', automation: 'bg-amber', note: 'bg-navy' };

function Timeline(props: { entries: TimelineEntry[]; tz: string }) {
  if (props.entries.length === 0) return <p class="text-sm text-slate-500">Nothing has happened yet.</p>;
  return (
    <ol class="relative space-y-3 border-l border-slate-200 pl-4" data-testid="timeline">
      {props.entries.map((t) => (
        <li class="relative" data-kind={t.kind}>
          <span class={`absolute -left-[21px] top-1.5 h-2.5 w-2.5 rounded-full ${DOT[t.kind] ?? 'bg-slate-400'}`}></span>
          {t.kind === 'note'
            ? <div class="whitespace-pre-wrap rounded-lg bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="timeline-note">{t.message}</div>
            : <div class="text-sm text-slate-700">{t.message}</div>}
          <div class="text-xs text-slate-500">
            <LocalTime at={t.created_at} tz={props.tz} />{t.user_name ? ` · ${t.user_name}` : ''}
          </div>
        </li>
      ))}
    </ol>
  );
}

/** Adds a note to the timeline (the team's working log; clients do not see notes). */
function NoteForm(props: DetailProps) {
  const error = props.errors?.note;
  return (
    <form method="post" action={`/incidents/${props.incident.id}/notes`} hx-post={`/incidents/${props.incident.id}/notes`}
      hx-target="#incident-detail" hx-swap="outerHTML" class="mt-3 space-y-2" data-testid="note-form">
      <Field label="Add a note" name="note" error={error}>
        <textarea id="note" name="note" rows={2} maxlength={NOTE_MAX} required class={inputClass}
          placeholder="What was tried, found or decided (the team sees it; clients do not)" {...invalid('note', error)}>{props.values?.note ?? ''}</textarea>
      </Field>
      <div class="flex justify-end"><button type="submit" class={buttonSecondary}>Add note</button></div>
    </form>
  );
}

/** Downtime events shown in the dialog; the Downtime page has them all. */
export const DOWNTIME_SHOWN = 10;

/** The outages logged against the incident, and a shortcut to log one with the incident linked. */
function DowntimeSection(props: { incidentId: number; rows: DowntimeRow[]; canLog: boolean; now: Date }) {
  const rows = props.rows.slice(0, DOWNTIME_SHOWN);
  return (
    <section data-testid="incident-downtime">
      <div class="mb-2 flex items-center justify-between gap-3">
        <h4 class="text-sm font-semibold text-navy">Downtime</h4>
        {props.canLog ? (
          <a href={`/downtime/new?incident_id=${props.incidentId}`} hx-get={`/downtime/new?incident_id=${props.incidentId}`} hx-target="#modal"
            class="text-sm font-semibold text-teal hover:underline" data-testid="log-incident-downtime">Log downtime</a>
        ) : null}
      </div>
      {rows.length === 0 ? <p class="text-sm text-slate-500">No downtime logged for this incident.</p> : (
        <ul class="divide-y divide-slate-100 rounded-lg border border-slate-200 text-sm">
          {rows.map((r) => (
            <li class="flex flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2" data-downtime={r.id}>
              <ImpactBadge level={r.impact_level} />
              <LocalTime at={r.started_at} tz={r.process_timezone} />
              {r.ended_at
                ? <span class="text-slate-600">lasted {formatDuration(durationMs(r, props.now))}</span>
                : <span class="font-semibold text-danger">ongoing for <span data-duration-since={r.started_at.toISOString()}>{formatDuration(durationMs(r, props.now))}</span></span>}
              <ServiceTags services={servicesOf(r.services_affected)} />
            </li>
          ))}
        </ul>
      )}
      {props.rows.length > DOWNTIME_SHOWN
        ? <a href={`/downtime?incident_id=${props.incidentId}`} class="mt-2 inline-block text-sm text-teal hover:underline" data-testid="incident-downtime-all">All of this incident's downtime</a>
        : null}
    </section>
  );
}

/** Everything about one incident: facts, actions for those who may act, its downtime and its timeline. */
export function IncidentDetail(props: DetailProps) {
  const { incident, actor } = props;
  const editable = can(actor.role, 'incidents.edit');
  const end = incident.resolved_at ?? props.now;
  return (
    <div id="incident-detail" class="space-y-5" data-status={incident.status}>
      <div>
        <div class="flex flex-wrap items-center gap-2">
          <SeverityBadge severity={incident.severity} />
          <StatusBadge status={incident.status} />
          <span class="text-xs text-slate-500">#{incident.id} · {incident.process_name}</span>
        </div>
        <h3 class="mt-2 text-xl font-semibold text-navy" data-testid="incident-title">{incident.title}</h3>
        <dl class="mt-3 grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-4">
          <div><dt class="text-xs text-slate-500">Opened</dt><dd><LocalTime at={incident.opened_at} tz={incident.process_timezone} /></dd></div>
          <div><dt class="text-xs text-slate-500">Assignee</dt><dd data-testid="assignee">{incident.assignee_name ?? 'Unassigned'}</dd></div>
          <div>
            <dt class="text-xs text-slate-500">{incident.resolved_at ? 'Resolved in' : 'Open for'}</dt>
            <dd>{formatDuration(end.getTime() - incident.opened_at.getTime())}</dd>
          </div>
          <div>
            <dt class="text-xs text-slate-500">Resolved</dt>
            <dd>{incident.resolved_at ? <LocalTime at={incident.resolved_at} tz={incident.process_timezone} /> : '—'}</dd>
          </div>
        </dl>
      </div>
      <FormError message={props.error} />
      {editable ? (
        <div class="space-y-4">
          <div class="flex flex-wrap items-center justify-between gap-3 rounded-lg bg-slate-50 p-3">
            <StatusActions incident={incident} />
            <AssignControl {...props} />
          </div>
          <EditForm {...props} />
        </div>
      ) : (
        <div class="space-y-3 text-sm">
          <div><div class="text-xs font-semibold uppercase text-slate-500">Description</div><p class="whitespace-pre-wrap text-slate-700">{incident.description || '—'}</p></div>
          <div><div class="text-xs font-semibold uppercase text-slate-500">Root cause analysis</div><p class="whitespace-pre-wrap text-slate-700">{incident.rca || '—'}</p></div>
        </div>
      )}
      {props.downtime ? (
        <DowntimeSection incidentId={incident.id} rows={props.downtime} canLog={can(actor.role, 'downtime.edit')} now={props.now} />
      ) : null}
      <section>
        <h4 class="mb-2 text-sm font-semibold text-navy">Timeline</h4>
        <Timeline entries={props.timeline} tz={incident.process_timezone} />
        {editable ? <NoteForm {...props} /> : null}
      </section>
    </div>
  );
}
