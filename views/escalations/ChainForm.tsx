import type { Process } from '../../src/db/schema.js';
import type { PageableUser } from '../../src/modules/escalations/queries.js';
import { MAX_TIERS, NAME_MAX, WEBHOOK_URL_MAX } from '../../src/modules/escalations/service.js';
import { buttonPrimary, buttonSecondary, Field, FormError, inputClass, invalid } from '../components/Form.js';

/** A tier as the form holds it: text as typed, so a wrong value comes back to be corrected. */
export interface TierValues {
  delay_minutes: string;
  user_id: string;
  email: boolean;
  webhook: boolean;
  webhook_url: string;
}

export interface ChainFormValues {
  name: string;
  trigger_severity: string;
  process_id: string;
  tiers: TierValues[];
}

export interface ChainFormProps {
  /** null for a new chain. */
  chainId: number | null;
  values: ChainFormValues;
  users: PageableUser[];
  /** super_admin viewing all processes: choose the process (users are grouped by process). */
  processes?: Pick<Process, 'id' | 'name'>[];
  errors?: Record<string, string>;
  error?: string;
  /** The tier row to focus after "+ Add Tier" / "Remove". */
  focusTier?: number;
}

export const blankTier = (after = ''): TierValues => ({ delay_minutes: after, user_id: '', email: true, webhook: false, webhook_url: '' });

const SEVERITIES: [string, string][] = [
  ['', 'None — only through automation rules'],
  ['1', 'Sev 1 — Critical'],
  ['2', 'Sev 2 — High'],
  ['3', 'Sev 3 — Medium'],
  ['4', 'Sev 4 — Low'],
];

function UserOptions(props: { users: PageableUser[]; selected: string; processes?: Pick<Process, 'id' | 'name'>[] }) {
  const opt = (u: PageableUser) => <option value={String(u.id)} selected={props.selected === String(u.id)}>{u.name} ({u.role})</option>;
  if (!props.processes) return <>{props.users.map(opt)}</>;
  return (
    <>
      {props.processes.map((p) => {
        const own = props.users.filter((u) => u.process_id === p.id);
        return own.length ? <optgroup label={p.name}>{own.map(opt)}</optgroup> : null;
      })}
    </>
  );
}

function TierRowFields(props: { i: number; tier: TierValues; count: number; form: ChainFormProps }) {
  const { i, tier } = props;
  const e = props.form.errors ?? {};
  const err = (f: string) => e[`tiers[${i}].${f}`];
  const id = (f: string) => `tier_${f}_${i}`;
  const rowError = e[`tiers[${i}]`];
  return (
    <fieldset class="rounded-lg border border-slate-200 p-3" data-tier-row={i} x-data={`{ webhook: ${tier.webhook ? 'true' : 'false'} }`}>
      <div class="mb-2 flex items-center justify-between">
        <legend class="text-sm font-semibold text-navy">Tier {i + 1}</legend>
        {props.count > 1 ? (
          <button type="submit" name="_action" value={`remove_${i}`} formnovalidate class="rounded px-2 py-1 text-xs font-semibold text-danger hover:bg-danger/10" aria-label={`Remove tier ${i + 1}`}>
            Remove
          </button>
        ) : null}
      </div>
      {rowError ? <p class="mb-2 text-sm text-danger">{rowError}</p> : null}
      <div class="grid gap-3 sm:grid-cols-[8rem_1fr]">
        <Field label="After (minutes)" name={id('delay_minutes')} error={err('delay_minutes')}>
          <input id={id('delay_minutes')} name={id('delay_minutes')} type="number" min="0" max="43200" step="1" inputmode="numeric" required
            class={inputClass} value={tier.delay_minutes} autofocus={props.form.focusTier === i} {...invalid(id('delay_minutes'), err('delay_minutes'))} />
        </Field>
        <Field label="Assigned user" name={id('user_id')} error={err('user_id')} hint={tier.user_id ? undefined : 'Empty: whoever is on call then (primary, else backup).'}>
          <select id={id('user_id')} name={id('user_id')} class={inputClass} {...invalid(id('user_id'), err('user_id'))}>
            <option value="">On-call person (fallback)</option>
            <UserOptions users={props.form.users} selected={tier.user_id} processes={props.form.processes} />
          </select>
        </Field>
      </div>
      <div class="mt-3">
        <span class="mb-1 block text-sm font-medium text-slate-700" id={`${id('channels')}-label`}>Channels</span>
        <div class="flex flex-wrap gap-4" role="group" aria-labelledby={`${id('channels')}-label`}>
          <label class="inline-flex items-center gap-2 text-sm">
            <input type="checkbox" id={id('email')} name={id('email')} value="1" checked={tier.email} class="h-4 w-4 rounded border-slate-300 text-teal focus:ring-teal/30" /> Email
          </label>
          <label class="inline-flex items-center gap-2 text-sm">
            <input type="checkbox" id={id('webhook')} name={id('webhook')} value="1" checked={tier.webhook} x-model="webhook" class="h-4 w-4 rounded border-slate-300 text-teal focus:ring-teal/30" /> Webhook (Slack-compatible)
          </label>
        </div>
        {err('channels') ? <p class="mt-1 text-sm text-danger" data-field-error={id('channels')}>{err('channels')}</p> : null}
      </div>
      <div class="mt-3" x-show="webhook" x-cloak={tier.webhook || err('webhook_url') ? undefined : ''}>
        <Field label="Webhook URL" name={id('webhook_url')} error={err('webhook_url')}>
          <input id={id('webhook_url')} name={id('webhook_url')} type="url" maxlength={WEBHOOK_URL_MAX} class={inputClass} value={tier.webhook_url}
            placeholder="https://hooks.slack.com/services/…" {...invalid(id('webhook_url'), err('webhook_url'))} />
        </Field>
      </div>
    </fieldset>
  );
}

/** New/Edit chain (Figure 6.7b). "+ Add Tier" and "Remove" re-render the form on the server. */
export function ChainForm(props: ChainFormProps) {
  const e = props.errors ?? {};
  const v = props.values;
  const action = props.chainId === null ? '/escalations' : `/escalations/${props.chainId}`;
  return (
    <form id="chain-form" method="post" action={action} hx-post={action} hx-target="#chain-form" hx-swap="outerHTML" class="relative space-y-4" novalidate>
      {/* The first submit button is what Enter presses: make it Save, not Remove or Add. */}
      <button type="submit" name="_action" value="save" tabindex={-1} aria-hidden="true" class="absolute -left-[9999px] h-px w-px overflow-hidden">Save</button>
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      {props.processes ? (
        <Field label="Process" name="process_id" error={e.process_id}>
          <select id="process_id" name="process_id" class={inputClass} required {...invalid('process_id', e.process_id)}>
            <option value="">Choose…</option>
            {props.processes.map((p) => <option value={String(p.id)} selected={v.process_id === String(p.id)}>{p.name}</option>)}
          </select>
        </Field>
      ) : null}
      <Field label="Chain name" name="name" error={e.name}>
        <input id="name" name="name" class={inputClass} maxlength={NAME_MAX} required value={v.name} placeholder="e.g. Sev1 Escalation"
          autofocus={props.focusTier === undefined} {...invalid('name', e.name)} />
      </Field>
      <Field label="Trigger severity" name="trigger_severity" error={e.trigger_severity} hint="Incidents of this severity start the chain by themselves.">
        <select id="trigger_severity" name="trigger_severity" class={inputClass} {...invalid('trigger_severity', e.trigger_severity)}>
          {SEVERITIES.map(([value, label]) => <option value={value} selected={v.trigger_severity === value}>{label}</option>)}
        </select>
      </Field>
      <div class="space-y-3" data-testid="tiers">
        {e.tiers ? <p class="text-sm text-danger" data-field-error="tiers">{e.tiers}</p> : null}
        {v.tiers.map((tier, i) => <TierRowFields i={i} tier={tier} count={v.tiers.length} form={props} />)}
        {v.tiers.length < MAX_TIERS ? (
          <button type="submit" name="_action" value="add_tier" formnovalidate class={`${buttonSecondary} w-full border-dashed`} data-action="add-tier">
            + Add Tier
          </button>
        ) : <p class="text-xs text-slate-500">A chain has at most {MAX_TIERS} tiers.</p>}
      </div>
      <p class="text-xs text-slate-500">Each tier fires once, when the incident has been open that long without being acknowledged.</p>
      <div class="flex justify-end gap-2">
        <button type="submit" name="_action" value="save" class={buttonPrimary} data-action="save">
          {props.chainId === null ? 'Create chain' : 'Save chain'} <span class="htmx-indicator">…</span>
        </button>
      </div>
    </form>
  );
}
