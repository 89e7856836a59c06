import type { Process } from '../../src/db/schema.js';
import type { Candidate, RotationRow } from '../../src/modules/oncall/queries.js';
import type { CoverageReport, GenerateResult, ProcessOnCall } from '../../src/modules/oncall/service.js';
import { addDays, formatDay, roleLabel } from '../../src/modules/oncall/shifts.js';
import { can } from '../../src/roles.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { Badge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { buttonPrimary, buttonSecondary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { CoverageWarning, OnCallNowCard, RoleBadge } from './OnCallNow.js';
import { OncallList, type OncallListProps } from './OncallList.js';

const ROLES = ['primary', 'backup', 'escalation'] as const;
const PERSON_ROLE: Record<string, string> = { operator: 'Operator', manager: 'Manager', admin: 'Admin', super_admin: 'Super Admin' };

function Filters(props: { from: string; to: string }) {
  const days = Math.max(1, Math.round((Date.parse(props.to) - Date.parse(props.from)) / 86_400_000) + 1);
  const prev = { from: addDays(props.from, -days), to: addDays(props.to, -days) };
  const next = { from: addDays(props.from, days), to: addDays(props.to, days) };
  const link = (r: { from: string; to: string }) => `/oncall?from=${r.from}&to=${r.to}`;
  return (
    <form method="get" action="/oncall" class="flex flex-wrap items-end gap-3 border-b border-slate-200 p-4" role="search"
      hx-get="/oncall" hx-target="#oncall-list" hx-push-url="true" hx-trigger="change, submit, oncall:changed from:body, d2c:refresh from:body">
      <div>
        <label for="from" class="mb-1 block text-xs font-medium text-slate-500">From</label>
        <input id="from" name="from" type="date" value={props.from} class={inputClass} required />
      </div>
      <div>
        <label for="to" class="mb-1 block text-xs font-medium text-slate-500">To</label>
        <input id="to" name="to" type="date" value={props.to} class={inputClass} required />
      </div>
      <noscript><button class={buttonPrimary}>Show</button></noscript>
      <div class="flex gap-2 pb-0.5">
        <a href={link(prev)} class={buttonSecondary} data-testid="oncall-prev">← Earlier</a>
        <a href={link(next)} class={buttonSecondary} data-testid="oncall-next">Later →</a>
      </div>
      <span class="htmx-indicator pb-2 text-xs text-slate-500">Loading…</span>
    </form>
  );
}

export interface OncallPageProps {
  shell: ShellProps;
  list: OncallListProps;
  now: ProcessOnCall[];
  coverage: CoverageReport[];
  rotations: RotationsProps;
}

export function OncallPage(props: OncallPageProps) {
  const { actor } = props.shell;
  const manage = can(actor.role, 'oncall.manage');
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p class="text-sm text-slate-500">
          Who is on call in {crossesProcesses(actor) ? 'every process' : 'your process'}, day by day. Dates are calendar days in each process's time zone.
        </p>
        <div class="flex flex-wrap gap-2">
          <a href="/oncall/calendar" class={buttonSecondary} data-testid="my-calendar">
            <Icon name="clock" class="h-4 w-4" /> My calendar feed
          </a>
          {manage ? (
            <a href="/oncall/new" hx-get="/oncall/new" hx-target="#modal" class={buttonPrimary} data-testid="add-oncall">
              <Icon name="phone" class="h-4 w-4" /> Add On-Call
            </a>
          ) : null}
        </div>
      </div>
      <div class="space-y-4">
        <div id="oncall-now" hx-get="/oncall/now" hx-trigger="every 60s, oncall:changed from:body, d2c:refresh from:body">
          <OnCallNowCard items={props.now} />
        </div>
        {actor.role === 'client' ? null : (
          <div id="oncall-coverage" hx-get="/oncall/coverage" hx-trigger="oncall:changed from:body, d2c:refresh from:body">
            <CoverageWarning reports={props.coverage} showProcess={crossesProcesses(actor)} />
          </div>
        )}
        <section class="rounded-xl border border-slate-200 bg-white shadow-sm" aria-labelledby="schedule-title">
          <h2 id="schedule-title" class="sr-only">Schedule</h2>
          <Filters from={props.list.from} to={props.list.to} />
          <div id="oncall-list">
            <OncallList {...props.list} />
          </div>
        </section>
        <section class="rounded-xl border border-slate-200 bg-white shadow-sm" id="rotations" aria-labelledby="rotations-title">
          <div class="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 px-4 py-3">
            <div>
              <h2 id="rotations-title" class="font-semibold text-navy">Rotations</h2>
              <p class="text-xs text-slate-500">Members take turns in order; generating writes their shifts into the schedule and never duplicates.</p>
            </div>
            {manage ? (
              <a href="/oncall/rotations/new" hx-get="/oncall/rotations/new" hx-target="#modal" class={buttonSecondary} data-testid="new-rotation">
                <Icon name="refresh" class="h-4 w-4" /> New Rotation
              </a>
            ) : null}
          </div>
          <div id="rotation-list" hx-get="/oncall/rotations" hx-trigger="rotations:changed from:body">
            <RotationList {...props.rotations} />
          </div>
        </section>
      </div>
      <div id="modal"></div>
    </AppShell>
  );
}

export interface RotationsProps {
  actor: Actor;
  rotations: RotationRow[];
  /** The result of the last generation, shown on its rotation. */
  result?: { id: number; generated?: GenerateResult; error?: string };
}

function GenerateNote(props: { result: NonNullable<RotationsProps['result']> }) {
  const { generated, error } = props.result;
  if (error) return <p class="mt-2 text-sm text-danger" role="alert" data-form-error>{error}</p>;
  if (!generated) return null;
  return (
    <div class="mt-2 rounded-md bg-teal/5 px-3 py-2 text-sm text-slate-700" role="status" data-testid="generate-result">
      <p>
        {generated.created === 1 ? '1 shift' : `${generated.created} shifts`} written
        {generated.kept ? `, ${generated.kept} already there` : ''}
        {generated.from ? ` (${formatDay(generated.from)} – ${formatDay(generated.to)})` : ' (the rotation starts after that)'}.
      </p>
      {generated.skipped.length ? (
        <ul class="mt-1 list-disc pl-5 text-amber-dark">
          {generated.skipped.slice(0, 10).map((s) => <li>{formatDay(s.date)}: {s.reason}</li>)}
          {generated.skipped.length > 10 ? <li>… and {generated.skipped.length - 10} more days skipped</li> : null}
        </ul>
      ) : null}
    </div>
  );
}

export function RotationList(props: RotationsProps) {
  const manage = can(props.actor.role, 'oncall.manage');
  const showProcess = crossesProcesses(props.actor);
  if (props.rotations.length === 0) {
    return (
      <EmptyState title="No rotations yet" icon="refresh">
        {manage ? 'A rotation hands the on-call duty from one member to the next at a fixed local time, every few days.' : 'Managers define rotations; they will show here.'}
      </EmptyState>
    );
  }
  return (
    <ul class="divide-y divide-slate-100" data-testid="rotation-list">
      {props.rotations.map((r) => (
        <li class="p-4" data-rotation={r.id}>
          <div class="flex flex-wrap items-start justify-between gap-3">
            <div class="min-w-0">
              <div class="flex flex-wrap items-center gap-2">
                <h3 class="break-words font-semibold text-navy">{r.name}</h3>
                <RoleBadge role={r.role} />
                {showProcess ? <span class="text-xs text-slate-500">{r.process_name}</span> : null}
              </div>
              <p class="mt-1 text-sm text-slate-600">
                {r.shift_days === 1 ? 'Daily' : `Every ${r.shift_days} days`}, handoff at {r.handoff_time} ({r.process_timezone}), from {formatDay(r.start_date)}.
              </p>
              <ol class="mt-1 flex flex-wrap gap-x-3 gap-y-1 text-sm text-slate-700">
                {r.members.map((m, i) => (
                  <li>
                    <span class="text-slate-500">{i + 1}.</span> {m.name}
                    {m.is_active ? null : <span class="ml-1"><Badge tone="danger">inactive</Badge></span>}
                  </li>
                ))}
              </ol>
            </div>
            {manage ? (
              <div class="flex flex-wrap items-end gap-2">
                <form method="post" action={`/oncall/rotations/${r.id}/generate`} hx-post={`/oncall/rotations/${r.id}/generate`}
                  hx-target="#rotation-list" class="flex items-end gap-2">
                  <div>
                    <label for={`weeks-${r.id}`} class="mb-1 block text-xs font-medium text-slate-500">Weeks ahead</label>
                    <div class="w-20"><input id={`weeks-${r.id}`} name="weeks" type="number" min="1" max="26" value="4" class={inputClass} /></div>
                  </div>
                  <button type="submit" class={buttonPrimary} data-action="generate">Generate</button>
                </form>
                <form method="post" action={`/oncall/rotations/${r.id}/delete`} hx-post={`/oncall/rotations/${r.id}/delete`} hx-target="#rotation-list"
                  hx-confirm={`Delete the rotation “${r.name}”? Its shifts that have not started yet are removed from the schedule.`}>
                  <button type="submit" data-action="delete-rotation"
                    class="rounded-md border border-danger/40 bg-white px-3 py-2 text-sm font-semibold text-danger hover:bg-danger hover:text-white focus:outline-none focus:ring-2 focus:ring-danger/40">
                    Delete
                  </button>
                </form>
              </div>
            ) : null}
          </div>
          {props.result?.id === r.id ? <GenerateNote result={props.result} /> : null}
        </li>
      ))}
    </ul>
  );
}

export interface OncallFormProps {
  actor: Actor;
  processes?: Pick<Process, 'id' | 'name'>[];
  processId: number | null;
  timezone: string | null;
  people: Candidate[];
  today: string;
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

function ProcessSelect(props: { form: string; url: string; processes: Pick<Process, 'id' | 'name'>[]; processId: number | null; error?: string }) {
  return (
    <Field label="Process" name="process_id" error={props.error}>
      <select id="process_id" name="process_id" class={inputClass} required {...invalid('process_id', props.error)}
        hx-get={props.url} hx-trigger="change" hx-target={`#${props.form}`} hx-swap="outerHTML" hx-include="this">
        <option value="">Choose…</option>
        {props.processes.map((p) => <option value={String(p.id)} selected={props.processId === p.id}>{p.name}</option>)}
      </select>
    </Field>
  );
}

/** Figure 6.11b: Person, Role (Primary by default) and Date. */
export function OncallCreateForm(props: OncallFormProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  const role = v.role ?? 'primary';
  return (
    <form id="oncall-form" method="post" action="/oncall" hx-post="/oncall" hx-target="#oncall-form" hx-swap="outerHTML" class="space-y-4" novalidate>
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      {props.processes ? <ProcessSelect form="oncall-form" url="/oncall/new" processes={props.processes} processId={props.processId} error={e.process_id} /> : null}
      <Field label="Person" name="user_id" error={e.user_id}
        hint={props.processId === null ? 'Choose the process first.' : props.people.length === 0 ? 'This process has no active operator, manager or admin.' : undefined}>
        <select id="user_id" name="user_id" class={inputClass} required autofocus {...invalid('user_id', e.user_id)}>
          <option value="">Choose a person…</option>
          {props.people.map((u) => <option value={String(u.id)} selected={v.user_id === String(u.id)}>{u.name} ({PERSON_ROLE[u.role] ?? u.role})</option>)}
        </select>
      </Field>
      <div class="grid gap-4 sm:grid-cols-2">
        <Field label="Role" name="role" error={e.role}>
          <select id="role" name="role" class={inputClass} {...invalid('role', e.role)}>
            {ROLES.map((r) => <option value={r} selected={role === r}>{roleLabel(r)}</option>)}
          </select>
        </Field>
        <Field label="Date" name="date" error={e.date} hint={props.timezone ? `A calendar day in ${props.timezone}.` : undefined}>
          <input id="date" name="date" type="date" required class={inputClass} value={v.date ?? props.today} {...invalid('date', e.date)} />
        </Field>
      </div>
      <p class="text-xs text-slate-500">One primary per day. The person is emailed that they are on call.</p>
      <div class="flex justify-end gap-2">
        <button type="submit" class={buttonPrimary}>Add to schedule <span class="htmx-indicator">…</span></button>
      </div>
    </form>
  );
}

/** Slots for members in order: enough for everyone who can be on call, at least three. */
function memberSlots(people: number, values: Record<string, string>): number {
  let filled = 0;
  for (const k of Object.keys(values)) {
    const m = /^member_(\d{1,2})$/.exec(k);
    if (m) filled = Math.max(filled, Number(m[1]));
  }
  return Math.min(20, Math.max(3, Math.min(people, 20), filled));
}

export function RotationCreateForm(props: OncallFormProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  const role = v.role ?? 'primary';
  const slots = memberSlots(props.people.length, v);
  return (
    <form id="rotation-form" method="post" action="/oncall/rotations" hx-post="/oncall/rotations" hx-target="#rotation-form" hx-swap="outerHTML" class="space-y-4" novalidate>
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      {props.processes ? <ProcessSelect form="rotation-form" url="/oncall/rotations/new" processes={props.processes} processId={props.processId} error={e.process_id} /> : null}
      <div class="grid gap-4 sm:grid-cols-2">
        <Field label="Name" name="name" error={e.name}>
          <input id="name" name="name" class={inputClass} maxlength={120} required autofocus value={v.name ?? ''} placeholder="e.g. Weekly primary" {...invalid('name', e.name)} />
        </Field>
        <Field label="Role" name="role" error={e.role}>
          <select id="role" name="role" class={inputClass} {...invalid('role', e.role)}>
            {ROLES.map((r) => <option value={r} selected={role === r}>{roleLabel(r)}</option>)}
          </select>
        </Field>
      </div>
      <fieldset>
        <legend class="mb-1 block text-sm font-medium text-slate-700">Members, in order</legend>
        {e.member_ids ? <p id="member_ids-error" class="mb-1 text-sm text-danger" data-field-error="member_ids">{e.member_ids}</p> : null}
        <div class="grid gap-2 sm:grid-cols-2">
          {Array.from({ length: slots }, (_, i) => (
            <div class="flex items-center gap-2">
              <label for={`member_${i + 1}`} class="w-6 text-right text-sm text-slate-500">{i + 1}.</label>
              <select id={`member_${i + 1}`} name={`member_${i + 1}`} class={inputClass} aria-label={`Member ${i + 1}`} {...invalid('member_ids', e.member_ids)}>
                <option value="">—</option>
                {props.people.map((u) => <option value={String(u.id)} selected={v[`member_${i + 1}`] === String(u.id)}>{u.name}</option>)}
              </select>
            </div>
          ))}
        </div>
        <p class="mt-1 text-xs text-slate-500">{props.processId === null ? 'Choose the process first.' : 'Leave a slot empty to skip it.'}</p>
      </fieldset>
      <div class="grid gap-4 sm:grid-cols-3">
        <Field label="Start date" name="start_date" error={e.start_date}>
          <input id="start_date" name="start_date" type="date" required class={inputClass} value={v.start_date ?? props.today} {...invalid('start_date', e.start_date)} />
        </Field>
        <Field label="Handoff time" name="handoff_time" error={e.handoff_time} hint={props.timezone ? `Local time in ${props.timezone}.` : undefined}>
          <input id="handoff_time" name="handoff_time" type="time" required class={inputClass} value={v.handoff_time ?? '09:00'} {...invalid('handoff_time', e.handoff_time)} />
        </Field>
        <Field label="Shift length (days)" name="shift_days" error={e.shift_days}>
          <input id="shift_days" name="shift_days" type="number" min="1" max="28" required class={inputClass} value={v.shift_days ?? '7'} {...invalid('shift_days', e.shift_days)} />
        </Field>
      </div>
      <Field label="Generate the schedule for the next … weeks" name="weeks" error={e.weeks} hint="0 to only save the rotation; you can generate later.">
        <div class="w-28">
          <input id="weeks" name="weeks" type="number" min="0" max="26" class={inputClass} value={v.weeks ?? '4'} {...invalid('weeks', e.weeks)} />
        </div>
      </Field>
      <div class="flex justify-end gap-2">
        <button type="submit" class={buttonPrimary}>Save rotation <span class="htmx-indicator">…</span></button>
      </div>
    </form>
  );
}
