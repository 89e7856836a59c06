import type { Assignee, IncidentOption, TicketRow, TicketStatus } from '../../src/modules/tickets/queries.js';
import { nextStatuses, type HistoryEntry } from '../../src/modules/tickets/service.js';
import { can } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { StatusBadge } from '../components/Badge.js';
import { buttonPrimary, buttonSecondary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { LocalTime } from '../components/Time.js';
import { TypeBadge } from './TicketBadges.js';
import { IncidentOptions, TYPE_CHOICES } from './TicketsPage.js';

export interface DetailProps {
  actor: Actor;
  ticket: TicketRow;
  history: HistoryEntry[];
  assignable: Assignee[];
  incidents: IncidentOption[];
  errors?: Record<string, string>;
  error?: string;
  values?: Record<string, string>;
}

/** The hx attributes of a form that updates the ticket and swaps this panel. */
function hxUpdate(id: number) {
  return {
    method: 'post' as const,
    action: `/tickets/${id}`,
    'hx-post': `/tickets/${id}`,
    'hx-target': '#ticket-detail',
    'hx-swap': 'outerHTML',
  };
}

const STATUS_BUTTONS: Record<TicketStatus, Partial<Record<TicketStatus, [string, 'primary' | 'secondary']>>> = {
  open: { in_progress: ['Start work', 'secondary'], closed: ['Close ticket', 'primary'] },
  in_progress: { open: ['Back to open', 'secondary'], closed: ['Close ticket', 'primary'] },
  closed: { open: ['Reopen', 'secondary'] },
};

function StatusActions(props: { ticket: TicketRow }) {
  const { ticket } = props;
  const status = ticket.status as TicketStatus;
  return (
    <div class="flex flex-wrap gap-2">
      {nextStatuses(status).map((next) => {
        const [label, kind] = STATUS_BUTTONS[status]?.[next] ?? [next, 'secondary'];
        return (
          <form {...hxUpdate(ticket.id)} class="inline">
            <input type="hidden" name="status" value={next} />
            <button type="submit" class={kind === 'primary' ? buttonPrimary : buttonSecondary} data-action={next}>{label}</button>
          </form>
        );
      })}
    </div>
  );
}

function AssignControl(props: DetailProps) {
  const { ticket } = props;
  return (
    <form {...hxUpdate(ticket.id)} class="flex items-start gap-2">
      <div>
        <label for="assigned_to" class="sr-only">Assignee</label>
        <select name="assigned_to" id="assigned_to" class={inputClass} {...invalid('assigned_to', props.errors?.assigned_to)}>
          <option value="">Unassigned</option>
          {props.assignable.map((u) => <option value={String(u.id)} selected={u.id === ticket.assigned_to}>{u.name}</option>)}
        </select>
        {props.errors?.assigned_to ? <p id="assigned_to-error" class="mt-1 text-sm text-danger" data-field-error="assigned_to">{props.errors.assigned_to}</p> : null}
      </div>
      <button type="submit" class={buttonSecondary}>Assign</button>
    </form>
  );
}

function EditForm(props: DetailProps) {
  const { ticket } = props;
  const e = props.errors ?? {};
  const v = props.values ?? {};
  return (
    <form {...hxUpdate(ticket.id)} class="space-y-3" data-testid="ticket-edit">
      <Field label="Title" name="title" error={e.title}>
        <input id="title" name="title" class={inputClass} maxlength={200} required value={v.title ?? ticket.title} {...invalid('title', e.title)} />
      </Field>
      <div class="grid gap-3 sm:grid-cols-2">
        <Field label="Type" name="type" error={e.type}>
          <select id="type" name="type" class={inputClass} {...invalid('type', e.type)}>
            {TYPE_CHOICES.map(([value, label]) => <option value={value} selected={(v.type ?? ticket.type) === value}>{label.split(' — ')[0]}</option>)}
          </select>
        </Field>
        <Field label="Linked incident" name="incident_id" error={e.incident_id}>
          <select id="incident_id" name="incident_id" class={inputClass} {...invalid('incident_id', e.incident_id)}>
            <IncidentOptions incidents={props.incidents} selected={v.incident_id ?? (ticket.incident_id ? String(ticket.incident_id) : '')} />
          </select>
        </Field>
      </div>
      <Field label="Description" name="description" error={e.description}>
        <textarea id="description" name="description" rows={4} maxlength={10000} class={inputClass} {...invalid('description', e.description)}>
          {v.description ?? ticket.description ?? ''}
        </textarea>
      </Field>
      <div class="flex justify-end">
        <button type="submit" class={buttonPrimary}>Save changes</button>
      </div>
    </form>
  );
}

function History(props: { entries: HistoryEntry[]; tz: string }) {
  if (props.entries.length === 0) return <p class="text-sm text-slate-500">No recorded changes yet.</p>;
  return (
    <ol class="relative space-y-3 border-l border-slate-200 pl-4" data-testid="ticket-history">
      {props.entries.map((h) => (
        <li class="relative" data-action={h.action}>
          <span class={`absolute -left-[21px] top-1.5 h-2.5 w-2.5 rounded-full ${h.action === 'ticket.create' ? 'bg-teal' : 'bg-slate-400'}`}></span>
          {h.messages.map((m) => <div class="text-sm text-slate-700">{m}</div>)}
          <div class="text-xs text-slate-500">
            <LocalTime at={h.created_at} tz={props.tz} />{` · ${h.user_name ?? 'System'}`}
          </div>
        </li>
      ))}
    </ol>
  );
}

/** Everything about one ticket: facts, actions for operators and above, and its history. */
export function TicketDetail(props: DetailProps) {
  const { ticket, actor } = props;
  const editable = can(actor.role, 'tickets.edit');
  return (
    <div id="ticket-detail" class="space-y-5" data-status={ticket.status}>
      <div>
        <div class="flex flex-wrap items-center gap-2">
          <TypeBadge type={ticket.type} />
          <StatusBadge status={ticket.status} />
          <span class="text-xs text-slate-500">#{ticket.id} · {ticket.process_name}</span>
        </div>
        <h3 class="mt-2 text-xl font-semibold text-navy" data-testid="ticket-title">{ticket.title}</h3>
        <dl class="mt-3 grid grid-cols-2 gap-x-4 gap-y-2 text-sm sm:grid-cols-4">
          <div>
            <dt class="text-xs text-slate-500">Created</dt>
            <dd><LocalTime at={ticket.created_at} tz={ticket.process_timezone} />{ticket.creator_name ? <div class="text-xs text-slate-500">by {ticket.creator_name}</div> : null}</dd>
          </div>
          <div><dt class="text-xs text-slate-500">Assignee</dt><dd data-testid="assignee">{ticket.assignee_name ?? 'Unassigned'}</dd></div>
          <div>
            <dt class="text-xs text-slate-500">Linked incident</dt>
            <dd data-testid="linked-incident">
              {ticket.incident_id
                ? <a href={`/incidents/${ticket.incident_id}`} class="text-teal hover:underline">#{ticket.incident_id} {ticket.incident_title}</a>
                : '—'}
            </dd>
          </div>
          <div>
            <dt class="text-xs text-slate-500">Closed</dt>
            <dd>{ticket.closed_at ? <LocalTime at={ticket.closed_at} tz={ticket.process_timezone} /> : '—'}</dd>
          </div>
        </dl>
      </div>
      <FormError message={props.error} />
      {editable ? (
        <div class="space-y-4">
          <div class="flex flex-wrap items-start justify-between gap-3 rounded-lg bg-slate-50 p-3">
            <StatusActions ticket={ticket} />
            <AssignControl {...props} />
          </div>
          <EditForm {...props} />
        </div>
      ) : (
        <div class="text-sm">
          <div class="text-xs font-semibold uppercase text-slate-500">Description</div>
          <p class="whitespace-pre-wrap text-slate-700">{ticket.description || '—'}</p>
        </div>
      )}
      <section>
        <h4 class="mb-2 text-sm font-semibold text-navy">History</h4>
        <History entries={props.history} tz={ticket.process_timezone} />
      </section>
    </div>
  );
}
