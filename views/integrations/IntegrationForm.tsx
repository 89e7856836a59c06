import type { Process } from '../../src/db/schema.js';
import { INTEGRATION_KINDS, KIND_LABELS, type IntegrationRow } from '../../src/modules/integrations/queries.js';
import { alertUrl } from '../../src/modules/integrations/service.js';
import { DEFAULT_SEVERITY_MAP, formatSeverityMap, storedSeverityMap } from '../../src/modules/integrations/severity.js';
import { buttonPrimary, buttonSecondary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { CopyField } from './IntegrationList.js';

const SEVERITIES = [
  [1, 'Sev 1 — Critical'],
  [2, 'Sev 2 — High'],
  [3, 'Sev 3 — Medium'],
  [4, 'Sev 4 — Low'],
] as const;

export interface IntegrationFormProps {
  /** Editing this integration; creating when absent. */
  integration?: IntegrationRow;
  /** super_admin viewing every process: which process the new integration belongs to. */
  processes?: Pick<Process, 'id' | 'name'>[];
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

/** Create or edit: name, kind (fixed once created), default severity and the severity mapping. */
export function IntegrationForm(props: IntegrationFormProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  const it = props.integration;
  const action = it ? `/integrations/${it.id}` : '/integrations';
  const map = v.severity_map ?? (it ? formatSeverityMap(storedSeverityMap(it.severity_map)) : formatSeverityMap(DEFAULT_SEVERITY_MAP));
  const severity = v.default_severity ?? String(it?.default_severity ?? 3);
  return (
    <form id="integration-form" method="post" action={action} hx-post={action} hx-target="#integration-form" hx-swap="outerHTML" class="space-y-4" novalidate>
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      {props.processes ? (
        <Field label="Process" name="process_id" error={e.process_id}>
          <select id="process_id" name="process_id" class={inputClass} required {...invalid('process_id', e.process_id)}>
            <option value="">Choose…</option>
            {props.processes.map((p) => <option value={String(p.id)} selected={v.process_id === String(p.id)}>{p.name}</option>)}
          </select>
        </Field>
      ) : null}
      <Field label="Name" name="name" error={e.name}>
        <input id="name" name="name" class={inputClass} maxlength={120} required autofocus value={v.name ?? it?.name ?? ''} placeholder="e.g. Production Prometheus" {...invalid('name', e.name)} />
      </Field>
      {it ? null : (
        <Field label="Kind" name="kind" error={e.kind}>
          <select id="kind" name="kind" class={inputClass} {...invalid('kind', e.kind)}>
            {INTEGRATION_KINDS.map((k) => <option value={k} selected={(v.kind ?? 'alertmanager') === k}>{KIND_LABELS[k]}</option>)}
          </select>
        </Field>
      )}
      <Field label="Default severity" name="default_severity" error={e.default_severity} hint="Used when no mapping rule below matches the alert's labels.">
        <select id="default_severity" name="default_severity" class={inputClass} {...invalid('default_severity', e.default_severity)}>
          {SEVERITIES.map(([n, label]) => <option value={String(n)} selected={severity === String(n)}>{label}</option>)}
        </select>
      </Field>
      <Field
        label="Label-to-severity mapping"
        name="severity_map"
        error={e.severity_map}
        hint="One rule a line, “label=value: severity”. The most severe matching rule wins; values match in any case."
      >
        <textarea id="severity_map" name="severity_map" rows={6} maxlength={10000} class={`${inputClass} font-mono`} spellcheck={false} {...invalid('severity_map', e.severity_map)}>{map}</textarea>
      </Field>
      <div class="flex justify-end gap-2">
        <button type="submit" class={buttonPrimary}>{it ? 'Save changes' : 'Create integration'} <span class="htmx-indicator">…</span></button>
      </div>
    </form>
  );
}

/** Shown in the modal after creating: where to point the monitoring tool. */
export function IntegrationCreated(props: { integration: IntegrationRow; appUrl: string }) {
  const it = props.integration;
  return (
    <div id="integration-form" class="space-y-4" data-testid="integration-created">
      <p class="text-sm text-slate-700">
        <strong class="text-navy">{it.name}</strong> is ready. Point your monitoring at this URL; anyone who has it can open incidents, so keep it
        secret (you can rotate it any time).
      </p>
      <CopyField value={alertUrl(props.appUrl, it.key)} label="Alert URL" testid="created-url" />
      <div class="flex justify-end">
        <button type="button" class={buttonSecondary} x-on:click="$el.closest('[data-modal]').remove()">Done</button>
      </div>
    </div>
  );
}
