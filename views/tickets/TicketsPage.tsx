import type { Process } from '../../src/db/schema.js';
import type { Assignee, IncidentOption } from '../../src/modules/tickets/queries.js';
import { can } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { buttonPrimary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { TicketBoard, type BoardProps } from './TicketList.js';

export const TYPE_CHOICES = [
  ['incident', 'Incident — follow-up work on an incident'],
  ['change', 'Change — a planned change to a system'],
  ['access', 'Access — grant or revoke access'],
  ['report', 'Report — a report to prepare'],
] as const;

export function TicketsPage(props: { shell: ShellProps; board: BoardProps }) {
  const { actor } = props.shell;
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p class="text-sm text-slate-500">
          Incident, change, access and report tickets of {actor.role === 'super_admin' && !actor.viewProcessId ? 'every process' : 'your process'}, newest first.
        </p>
        {can(actor.role, 'tickets.edit') ? (
          <a href="/tickets/new" hx-get="/tickets/new" hx-target="#modal" class={buttonPrimary} data-testid="new-ticket">
            <Icon name="ticket" class="h-4 w-4" /> New Ticket
          </a>
        ) : null}
      </div>
      <section class="rounded-xl border border-slate-200 bg-white shadow-sm" id="tickets-board">
        <TicketBoard {...props.board} />
      </section>
      <div id="modal"></div>
    </AppShell>
  );
}

export function IncidentOptions(props: { incidents: IncidentOption[]; selected: string }) {
  return (
    <>
      <option value="">No linked incident</option>
      {props.incidents.map((i) => (
        <option value={String(i.id)} selected={props.selected === String(i.id)}>
          #{i.id} · {i.title} ({i.status.replace(/_/g, ' ')})
        </option>
      ))}
    </>
  );
}

export interface CreateFormProps {
  actor: Actor;
  assignable: Assignee[];
  incidents: IncidentOption[];
  processes?: Pick<Process, 'id' | 'name'>[];
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

export function TicketCreateForm(props: CreateFormProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  return (
    <form id="ticket-form" method="post" action="/tickets" hx-post="/tickets" hx-target="#ticket-form" hx-swap="outerHTML" class="space-y-4" novalidate>
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      {props.processes ? (
        <Field label="Process" name="process_id" error={e.process_id} hint="Assignees and incidents can be chosen after the ticket exists.">
          <select id="process_id" name="process_id" class={inputClass} required {...invalid('process_id', e.process_id)}>
            <option value="">Choose…</option>
            {props.processes.map((p) => <option value={String(p.id)} selected={v.process_id === String(p.id)}>{p.name}</option>)}
          </select>
        </Field>
      ) : null}
      <Field label="Title" name="title" error={e.title}>
        <input id="title" name="title" class={inputClass} maxlength={200} required autofocus value={v.title ?? ''} placeholder="e.g. VPN access for new NOC analyst" {...invalid('title', e.title)} />
      </Field>
      <Field label="Type" name="type" error={e.type}>
        <select id="type" name="type" class={inputClass} required {...invalid('type', e.type)}>
          <option value="">Choose a type…</option>
          {TYPE_CHOICES.map(([value, label]) => <option value={value} selected={v.type === value}>{label}</option>)}
        </select>
      </Field>
      <Field label="Description" name="description" error={e.description}>
        <textarea id="description" name="description" rows={4} maxlength={10000} class={inputClass} placeholder="What needs doing, for whom, and by when." {...invalid('description', e.description)}>{v.description ?? ''}</textarea>
      </Field>
      <div class="grid gap-4 sm:grid-cols-2">
        <Field label="Assignee" name="assigned_to" error={e.assigned_to}>
          <select id="assigned_to" name="assigned_to" class={inputClass} {...invalid('assigned_to', e.assigned_to)}>
            <option value="">Unassigned</option>
            {props.assignable.map((u) => <option value={String(u.id)} selected={v.assigned_to === String(u.id)}>{u.name}</option>)}
          </select>
        </Field>
        <Field label="Linked incident" name="incident_id" error={e.incident_id}>
          <select id="incident_id" name="incident_id" class={inputClass} {...invalid('incident_id', e.incident_id)}>
            <IncidentOptions incidents={props.incidents} selected={v.incident_id ?? ''} />
          </select>
        </Field>
      </div>
      <div class="flex justify-end gap-2">
        <button type="submit" class={buttonPrimary}>
          Create ticket <span class="htmx-indicator">…</span>
        </button>
      </div>
    </form>
  );
}
