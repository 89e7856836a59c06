import type { Process } from '../../src/db/schema.js';
import { ACTION_LABELS, ACTION_TYPES, MAIL_ROLES, MAX_MINUTES, TITLE_CONTAINS_MAX, TRIGGER_LABELS, TRIGGER_TYPES } from '../../src/modules/automation/config.js';
import type { ChainChoice } from '../../src/modules/automation/queries.js';
import { RULE_NAME_MAX } from '../../src/modules/automation/service.js';
import { buttonPrimary, Field, FormError, inputClass, invalid } from '../components/Form.js';

/** The form's fields as typed. */
export interface RuleFormValues {
  name: string;
  process_id: string;
  trigger_type: string;
  severity: string;
  minutes: string;
  cron: string;
  timezone: string;
  c_severity: string[];
  c_status: string[];
  c_title_contains: string;
  c_min_age_minutes: string;
  action_type: string;
  chain_id: string;
  roles: string[];
  is_active: boolean;
}

export interface RuleFormProps {
  ruleId: number | null;
  values: RuleFormValues;
  chains: ChainChoice[];
  processes?: Pick<Process, 'id' | 'name'>[];
  /** The zone a schedule without one runs in (the process's). */
  defaultTimezone: string;
  errors?: Record<string, string>;
  error?: string;
}

export const emptyRule = (): RuleFormValues => ({
  name: '', process_id: '', trigger_type: 'severity_unresolved', severity: '1', minutes: '30', cron: '0 7 * * *', timezone: '',
  c_severity: [], c_status: [], c_title_contains: '', c_min_age_minutes: '', action_type: 'escalate_chain', chain_id: '',
  roles: ['manager', 'admin'], is_active: true,
});

const SEVERITIES: [string, string][] = [['1', 'Sev 1 — Critical'], ['2', 'Sev 2 — High'], ['3', 'Sev 3 — Medium'], ['4', 'Sev 4 — Low']];
const STATUSES: [string, string][] = [['open', 'Open'], ['in_progress', 'In progress'], ['resolved', 'Resolved']];
const checkbox = 'h-4 w-4 rounded border-slate-300 text-teal focus:ring-teal/30';

function Checks(props: { name: string; options: [string, string][]; checked: string[]; legend: string; error?: string }) {
  return (
    <fieldset>
      <legend class="mb-1 block text-sm font-medium text-slate-700">{props.legend}</legend>
      <div class="flex flex-wrap gap-x-4 gap-y-1">
        {props.options.map(([value, label]) => (
          <label class="inline-flex items-center gap-2 text-sm">
            <input type="checkbox" name={props.name} value={value} checked={props.checked.includes(value)} class={checkbox} /> {label}
          </label>
        ))}
      </div>
      {props.error ? <p class="mt-1 text-sm text-danger" data-field-error={props.name}>{props.error}</p> : null}
    </fieldset>
  );
}

/** New / Edit Automation Rule (Figure 6.8b): the trigger's and the action's own fields show as chosen. */
export function RuleForm(props: RuleFormProps) {
  const e = props.errors ?? {};
  const v = props.values;
  const action = props.ruleId === null ? '/automation' : `/automation/${props.ruleId}`;
  // A config error belongs to the trigger (or action) that was chosen.
  const te = (key: string) => e[`trigger_config.${key}`];
  const state = JSON.stringify({ trigger: v.trigger_type, action: v.action_type });
  return (
    <form id="rule-form" method="post" action={action} hx-post={action} hx-target="#rule-form" hx-swap="outerHTML" class="space-y-4" novalidate
      x-data={state} x-effect="if (trigger === 'schedule') action = 'email_digest'">
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      {props.processes ? (
        <Field label="Process" name="process_id" error={e.process_id}>
          <select id="process_id" name="process_id" class={inputClass} required {...invalid('process_id', e.process_id)}>
            <option value="">Choose…</option>
            {props.processes.map((p) => <option value={String(p.id)} selected={v.process_id === String(p.id)}>{p.name}</option>)}
          </select>
        </Field>
      ) : null}
      <Field label="Rule name" name="name" error={e.name}>
        <input id="name" name="name" class={inputClass} maxlength={RULE_NAME_MAX} required autofocus value={v.name} placeholder="e.g. Escalate Sev 1 after 30min" {...invalid('name', e.name)} />
      </Field>

      <div class="rounded-lg border border-slate-200 p-3">
        <Field label="Trigger" name="trigger_type" error={e.trigger_type ?? e.trigger_config}>
          <select id="trigger_type" name="trigger_type" class={inputClass} x-model="trigger" {...invalid('trigger_type', e.trigger_type)}>
            {TRIGGER_TYPES.map((t) => <option value={t} selected={v.trigger_type === t}>{TRIGGER_LABELS[t]}</option>)}
          </select>
        </Field>
        <div class="mt-3 grid gap-3 sm:grid-cols-2" x-show="trigger === 'severity_unresolved'" x-cloak={v.trigger_type === 'severity_unresolved' ? undefined : ''} data-section="severity_unresolved">
          <Field label="Severity" name="severity" error={v.trigger_type === 'severity_unresolved' ? te('severity') : undefined}>
            <select id="severity" name="severity" class={inputClass}>
              {SEVERITIES.map(([value, label]) => <option value={value} selected={v.severity === value}>{label}</option>)}
            </select>
          </Field>
          <Field label="After (minutes)" name="minutes" error={v.trigger_type === 'severity_unresolved' ? te('minutes') : undefined} hint="Unresolved: open or in progress.">
            <input id="minutes" name="minutes" type="number" min="0" max={String(MAX_MINUTES)} step="1" inputmode="numeric" class={inputClass} value={v.minutes}
              {...invalid('minutes', v.trigger_type === 'severity_unresolved' ? te('minutes') : undefined)} />
          </Field>
        </div>
        <div class="mt-3 grid gap-3 sm:grid-cols-2" x-show="trigger === 'schedule'" x-cloak={v.trigger_type === 'schedule' ? undefined : ''} data-section="schedule">
          <Field label="Cron expression" name="cron" error={te('cron')} hint="Minute hour day month weekday, e.g. 0 7 * * * (07:00 daily), 30 8 * * 1-5 (08:30 weekdays).">
            <input id="cron" name="cron" class={`${inputClass} font-mono`} maxlength={100} value={v.cron} autocomplete="off" spellcheck={false} {...invalid('cron', te('cron'))} />
          </Field>
          <Field label="Time zone" name="timezone" error={te('timezone')} hint={`Empty: the process's zone (${props.defaultTimezone}).`}>
            <input id="timezone" name="timezone" class={inputClass} maxlength={64} value={v.timezone} placeholder={props.defaultTimezone} {...invalid('timezone', te('timezone'))} />
          </Field>
        </div>
        <div class="mt-3 space-y-3" x-show="trigger === 'custom'" x-cloak={v.trigger_type === 'custom' ? undefined : ''} data-section="custom">
          <p class="text-xs text-slate-500">All the conditions you fill in must hold. Checked when an incident is created or updated, and again when it reaches the minimum age.</p>
          <Checks name="c_severity" legend="Severity is any of" options={SEVERITIES.map(([value]) => [value, `Sev ${value}`])} checked={v.c_severity}
            error={v.trigger_type === 'custom' ? te('severity') : undefined} />
          <Checks name="c_status" legend="Status is any of" options={STATUSES} checked={v.c_status} error={te('status')} />
          <div class="grid gap-3 sm:grid-cols-2">
            <Field label="Title contains" name="c_title_contains" error={te('title_contains')}>
              <input id="c_title_contains" name="c_title_contains" class={inputClass} maxlength={TITLE_CONTAINS_MAX} value={v.c_title_contains} placeholder="e.g. gateway" {...invalid('c_title_contains', te('title_contains'))} />
            </Field>
            <Field label="Open at least (minutes)" name="c_min_age_minutes" error={te('min_age_minutes')}>
              <input id="c_min_age_minutes" name="c_min_age_minutes" type="number" min="0" max={String(MAX_MINUTES)} step="1" inputmode="numeric" class={inputClass}
                value={v.c_min_age_minutes} {...invalid('c_min_age_minutes', te('min_age_minutes'))} />
            </Field>
          </div>
        </div>
      </div>

      <div class="rounded-lg border border-slate-200 p-3">
        <Field label="Action" name="action_type" error={e.action_type ?? e.action_config}>
          <select id="action_type" name="action_type" class={inputClass} x-model="action" {...invalid('action_type', e.action_type)}>
            {ACTION_TYPES.map((a) => (
              <option value={a} selected={v.action_type === a} {...(a === 'email_digest' ? {} : { 'x-bind:disabled': "trigger === 'schedule'" })}>{ACTION_LABELS[a]}</option>
            ))}
          </select>
        </Field>
        <p class="mt-1 text-xs text-slate-500" x-show="trigger === 'schedule'" x-cloak="">A scheduled rule has no incident of its own: it sends the digest.</p>
        <div class="mt-3" x-show="action === 'escalate_chain'" x-cloak={v.action_type === 'escalate_chain' ? undefined : ''} data-section="escalate_chain">
          <Field label="Escalation chain" name="chain_id" error={e['action_config.chain_id']} hint="Its tiers then fire for the incident, each once, by the incident's age.">
            <select id="chain_id" name="chain_id" class={inputClass} {...invalid('chain_id', e['action_config.chain_id'])}>
              <option value="">Choose…</option>
              {props.chains.map((c) => (
                <option value={String(c.id)} selected={v.chain_id === String(c.id)}>{c.name}{c.trigger_severity ? ` (Sev ${c.trigger_severity})` : ''}{c.is_active ? '' : ' — paused'}</option>
              ))}
            </select>
          </Field>
          {props.chains.length === 0 ? <p class="mt-1 text-xs text-amber-dark">No chains yet: <a class="underline" href="/escalations">create one</a> first.</p> : null}
        </div>
        <div class="mt-3" x-show="action !== 'escalate_chain'" x-cloak={v.action_type !== 'escalate_chain' ? undefined : ''} data-section="roles">
          <Checks name="roles" legend="Email these roles" options={MAIL_ROLES.map((r) => [r, r[0].toUpperCase() + r.slice(1)])} checked={v.roles} error={e['action_config.roles']} />
        </div>
      </div>

      <label class="inline-flex items-center gap-2 text-sm">
        <input type="hidden" name="is_active" value="false" />
        <input type="checkbox" name="is_active" value="true" checked={v.is_active} class={checkbox} /> Active
      </label>
      <div class="flex justify-end gap-2">
        <button type="submit" class={buttonPrimary} data-action="save">{props.ruleId === null ? 'Create rule' : 'Save rule'} <span class="htmx-indicator">…</span></button>
      </div>
    </form>
  );
}
