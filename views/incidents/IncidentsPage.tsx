import { raw } from 'hono/html';
import type { Process } from '../../src/db/schema.js';
import { can } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { buttonPrimary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { IncidentList, type ListProps } from './IncidentList.js';

const STATUS_TABS = [
  ['', 'All'],
  ['active', 'Active'],
  ['open', 'Open'],
  ['in_progress', 'In progress'],
  ['resolved', 'Resolved'],
] as const;

function Filters(props: { list: ListProps; assignees: { id: number; name: string }[] }) {
  const f = props.list.filters;
  return (
    <form
      method="get"
      action="/incidents"
      class="flex flex-wrap items-end gap-3 border-b border-slate-200 p-4"
      hx-get="/incidents"
      hx-target="#incident-list"
      hx-push-url="true"
      hx-trigger="change, keyup changed delay:400ms from:#q, submit, incidents:changed from:body, d2c:refresh from:body"
      role="search"
    >
      <div>
        <label for="filter-status" class="mb-1 block text-xs font-medium text-slate-500">Status</label>
        <select id="filter-status" name="status" class={inputClass}>
          {STATUS_TABS.map(([value, label]) => <option value={value} selected={(f.status ?? '') === value}>{label}</option>)}
        </select>
      </div>
      <div>
        <label for="filter-severity" class="mb-1 block text-xs font-medium text-slate-500">Severity</label>
        <select id="filter-severity" name="severity" class={inputClass}>
          <option value="">Any</option>
          {[1, 2, 3, 4].map((s) => <option value={String(s)} selected={f.severity === s}>Sev {s}</option>)}
        </select>
      </div>
      <div>
        <label for="filter-assigned_to" class="mb-1 block text-xs font-medium text-slate-500">Assignee</label>
        <select id="filter-assigned_to" name="assigned_to" class={inputClass}>
          <option value="">Anyone</option>
          <option value="none" selected={f.assignedTo === 'none'}>Unassigned</option>
          {props.assignees.map((u) => <option value={String(u.id)} selected={f.assignedTo === u.id}>{u.name}</option>)}
        </select>
      </div>
      <div class="min-w-48 flex-1">
        <label for="q" class="mb-1 block text-xs font-medium text-slate-500">Search</label>
        <input id="q" name="q" type="search" value={f.q ?? ''} maxlength={200} placeholder={raw('Search titles&hellip;')} class={inputClass} />
      </div>
      <noscript><button class={buttonPrimary}>Filter</button></noscript>
      <span class="htmx-indicator pb-2 text-xs text-slate-500">{raw('Loading&hellip;')}</span>
    </form>
  );
}

export function IncidentsPage(props: { shell: ShellProps; list: ListProps; assignees: { id: number; name: string }[] }) {
  const { actor } = props.shell;
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p class="text-sm text-slate-500">Every incident of {actor.role === 'super_admin' && !actor.viewProcessId ? 'every process' : 'your process'}, newest first.</p>
        {can(actor.role, 'incidents.edit') ? (
          <a href="/incidents/new" hx-get="/incidents/new" hx-target="#modal" class={buttonPrimary} data-testid="new-incident">
            <Icon name="alert" class="h-4 w-4" /> New Incident
          </a>
        ) : null}
      </div>
      <section class="rounded-xl border border-slate-200 bg-white shadow-sm">
        <Filters list={props.list} assignees={props.assignees} />
        <div id="incident-list">
          <IncidentList {...props.list} />
        </div>
      </section>
      <div id="modal"></div>
    </AppShell>
  );
}

export interface CreateFormProps {
  actor: Actor;
  assignable: { id: number; name: string }[];
  processes?: Pick<Process, 'id' | 'name'>[];
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

export function IncidentCreateForm(props: CreateFormProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  const manager = can(props.actor.role, 'incidents.assign_any');
  return (
    <form id="incident-form" method="post" action="/incidents" hx-post="/incidents" hx-target="#incident-form" hx-swap="outerHTML" class="space-y-4" novalidate>
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      {props.processes ? (
        <Field label="Process" name="process_id" error={e.process_id}>
          <select id="process_id" name="process_id" class={inputClass} required {...invalid('process_id', e.process_id)}>
            <option value="">Choose…</option>
            {props.processes.map((p) => <option value={String(p.id)} selected={v.process_id === String(p.id)}>{p.name}</option>)}
          </select>
        </Field>
      ) : null}
      <Field label="Title" name="title" error={e.title}>
        <input id="title" name="title" class={inputClass} maxlength={200} required autofocus value={v.title ?? ''} placeholder="e.g. Payment Gateway Down" {...invalid('title', e.title)} />
      </Field>
      <Field label="Severity" name="severity" error={e.severity}>
        <select id="severity" name="severity" class={inputClass} {...invalid('severity', e.severity)}>
          {[[1, 'Sev 1 — Critical'], [2, 'Sev 2 — High'], [3, 'Sev 3 — Medium'], [4, 'Sev 4 — Low']].map(([n, label]) => (
            <option value={String(n)} selected={(v.severity ?? '3') === String(n)}>{label}</option>
          ))}
        </select>
      </Field>
      <Field label="Description" name="description" error={e.description}>
        <textarea id="description" name="description" rows={4} maxlength={10000} class={inputClass} placeholder="What is broken, who is affected, what you have tried." {...invalid('description', e.description)}>{v.description ?? ''}</textarea>
      </Field>
      <Field label="Assignee" name="assigned_to" error={e.assigned_to} hint={manager ? undefined : 'You can take it yourself; a manager assigns others.'}>
        <select id="assigned_to" name="assigned_to" class={inputClass} {...invalid('assigned_to', e.assigned_to)}>
          <option value="">Unassigned</option>
          {(manager ? props.assignable : props.assignable.filter((u) => u.id === props.actor.userId)).map((u) => (
            <option value={String(u.id)} selected={v.assigned_to === String(u.id)}>{u.name}</option>
          ))}
        </select>
      </Field>
      <p class="text-xs text-slate-500">Everyone in the process is emailed when the incident is opened.</p>
      <div class="flex justify-end gap-2">
        <button type="submit" class={buttonPrimary}>
          Open incident <span class="htmx-indicator">…</span>
        </button>
      </div>
    </form>
  );
}
