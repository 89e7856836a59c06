import type { Process } from '../../src/db/schema.js';
import { SHIFTS } from '../../src/modules/handovers/service.js';
import { can } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { BROWSER_ZONE_INIT, buttonPrimary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { HandoverList, type HandoverListProps } from './HandoverList.js';

export function HandoversPage(props: { shell: ShellProps; list: HandoverListProps; waiting: number }) {
  const { actor } = props.shell;
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p class="text-sm text-slate-500">
          Shift handovers of {actor.role === 'super_admin' && !actor.viewProcessId ? 'every process' : 'your process'}, newest first.
          {props.waiting > 0
            ? <span class="ml-1 font-semibold text-amber-dark" data-testid="waiting-for-me">{props.waiting === 1 ? '1 handover waits' : `${props.waiting} handovers wait`} for your acknowledgement.</span>
            : null}
        </p>
        {can(actor.role, 'handovers.submit') ? (
          <a href="/handovers/new" hx-get="/handovers/new" hx-target="#modal" class={buttonPrimary} data-testid="new-handover">
            <Icon name="swap" class="h-4 w-4" /> Submit Handover
          </a>
        ) : null}
      </div>
      <section class="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
        <div id="handover-list" hx-get="/handovers" hx-trigger="handovers:changed from:body, d2c:refresh from:body">
          <HandoverList {...props.list} />
        </div>
      </section>
      <div id="modal"></div>
    </AppShell>
  );
}

export interface HandoverFormProps {
  actor: Actor;
  /** super_admin viewing every process: the processes to choose from. */
  processes?: Pick<Process, 'id' | 'name'>[];
  processId: number | null;
  recipients: { id: number; name: string; role: string }[];
  /** The process's open incidents as text, to pre-fill the field. */
  openIncidents: string;
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

const ROLE_NAMES: Record<string, string> = { operator: 'Operator', manager: 'Manager', admin: 'Admin', super_admin: 'Super Admin' };

/** Figure 6.6b: shift, handover time, handing to, open incidents, actions taken, notes. */
export function HandoverCreateForm(props: HandoverFormProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  const shift = v.shift ?? SHIFTS[0];
  const shifts: string[] = [...SHIFTS];
  if (v.shift && !shifts.includes(v.shift)) shifts.push(v.shift);
  const choices = props.recipients.filter((u) => u.id !== props.actor.userId);
  return (
    <form id="handover-form" method="post" action="/handovers" hx-post="/handovers" hx-target="#handover-form" hx-swap="outerHTML" class="space-y-4" novalidate>
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      {props.processes ? (
        <Field label="Process" name="process_id" error={e.process_id}>
          <select id="process_id" name="process_id" class={inputClass} required {...invalid('process_id', e.process_id)}
            hx-get="/handovers/new" hx-trigger="change" hx-target="#handover-form" hx-swap="outerHTML" hx-include="this">
            <option value="">Choose…</option>
            {props.processes.map((p) => <option value={String(p.id)} selected={props.processId === p.id}>{p.name}</option>)}
          </select>
        </Field>
      ) : null}
      <div class="grid gap-4 sm:grid-cols-2">
        <Field label="Shift" name="shift" error={e.shift}>
          <select id="shift" name="shift" class={inputClass} {...invalid('shift', e.shift)}>
            {shifts.map((s) => <option value={s} selected={s === shift}>{s}</option>)}
          </select>
        </Field>
        <Field label="Handover Time" name="handover_time" error={e.handover_time}>
          <input id="handover_time" name="handover_time" type="datetime-local" required class={inputClass} value={v.handover_time ?? ''}
            x-init="if (!$el.value) { const d = new Date(); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); $el.value = d.toISOString().slice(0, 16) }"
            x-on:change="const t = new Date($el.value); if (!isNaN(t)) $el.form.elements.namedItem('tz_offset').value = t.getTimezoneOffset()"
            {...invalid('handover_time', e.handover_time)} />
          <input type="hidden" name="tz_offset" value="" x-init="const t = new Date($el.form.elements.namedItem('handover_time').value); $el.value = (isNaN(t) ? new Date() : t).getTimezoneOffset()" />
          <input type="hidden" name="tz" value={v.tz ?? ''} x-init={BROWSER_ZONE_INIT} />
        </Field>
      </div>
      <Field label="Handing To" name="recipient_id" error={e.recipient_id}
        hint={props.processId === null ? 'Choose the process first.' : choices.length === 0 ? 'Nobody else in this process can take a shift.' : undefined}>
        <select id="recipient_id" name="recipient_id" class={inputClass} required {...invalid('recipient_id', e.recipient_id)}>
          <option value="">Choose a colleague…</option>
          {choices.map((u) => (
            <option value={String(u.id)} selected={v.recipient_id === String(u.id)}>{u.name} ({ROLE_NAMES[u.role] ?? u.role})</option>
          ))}
        </select>
      </Field>
      <Field label="Open Incidents" name="open_incidents" error={e.open_incidents} hint="Pre-filled with the incidents open right now; edit as needed.">
        <textarea id="open_incidents" name="open_incidents" rows={4} maxlength={10000} class={inputClass} {...invalid('open_incidents', e.open_incidents)}>
          {v.open_incidents ?? props.openIncidents}
        </textarea>
      </Field>
      <Field label="Actions Taken" name="actions_taken" error={e.actions_taken}>
        <textarea id="actions_taken" name="actions_taken" rows={3} maxlength={10000} class={inputClass} placeholder="What you did during the shift."
          {...invalid('actions_taken', e.actions_taken)}>{v.actions_taken ?? ''}</textarea>
      </Field>
      <Field label="Notes" name="notes" error={e.notes}>
        <textarea id="notes" name="notes" rows={2} maxlength={10000} class={inputClass} placeholder="Anything the next shift should watch."
          {...invalid('notes', e.notes)}>{v.notes ?? ''}</textarea>
      </Field>
      <p class="text-xs text-slate-500">The colleague you hand to is emailed and acknowledges the handover; you are emailed when they do.</p>
      <div class="flex justify-end gap-2">
        <button type="submit" class={buttonPrimary}>Submit Handover <span class="htmx-indicator">…</span></button>
      </div>
    </form>
  );
}
