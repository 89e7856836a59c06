import type { IntegrationKind, IntegrationRow } from '../../src/modules/integrations/queries.js';
import { KIND_LABELS } from '../../src/modules/integrations/queries.js';
import { alertUrl } from '../../src/modules/integrations/service.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { Badge, SeverityBadge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { LocalTime } from '../components/Time.js';

export interface IntegrationListProps {
  actor: Actor;
  rows: IntegrationRow[];
  appUrl: string;
}

const smallButton =
  'inline-flex items-center gap-1 whitespace-nowrap rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-semibold text-navy hover:bg-slate-50 focus:outline-none focus:ring-2 focus:ring-teal/30';
const smallDanger =
  'inline-flex items-center gap-1 whitespace-nowrap rounded-md border border-danger/40 bg-white px-2 py-1 text-xs font-semibold text-danger hover:bg-danger hover:text-white focus:outline-none focus:ring-2 focus:ring-danger/40';

/** A read-only field with a Copy button (Alpine); the text is selectable by keyboard too. */
export function CopyField(props: { value: string; label: string; testid?: string; secret?: boolean }) {
  return (
    <div class="flex min-w-0 items-center gap-1.5" x-data="{ copied: false, show: false }">
      <input
        readonly
        value={props.value}
        aria-label={props.label}
        data-testid={props.testid}
        type={props.secret ? 'password' : 'text'}
        {...(props.secret ? { 'x-bind:type': "show ? 'text' : 'password'" } : {})}
        x-ref="field"
        x-on:focus="$el.select()"
        class="min-w-0 flex-1 rounded-md border border-slate-200 bg-slate-50 px-2 py-1 font-mono text-xs text-slate-700 focus:border-teal focus:outline-none focus:ring-2 focus:ring-teal/30"
      />
      {props.secret ? (
        <button type="button" class={smallButton} x-on:click="show = !show" x-text="show ? 'Hide' : 'Reveal'" data-testid="reveal-secret">Reveal</button>
      ) : null}
      <button
        type="button"
        class={smallButton}
        x-on:click="navigator.clipboard && navigator.clipboard.writeText($refs.field.value).then(() => { copied = true; setTimeout(() => copied = false, 1500) })"
        x-text="copied ? 'Copied' : 'Copy'"
      >
        Copy
      </button>
    </div>
  );
}

function kindLabel(kind: string): string {
  return KIND_LABELS[kind as IntegrationKind] ?? kind;
}

/** One integration; its buttons swap the row in place (or remove it). */
export function IntegrationRowView(props: { actor: Actor; row: IntegrationRow; appUrl: string }) {
  const r = props.row;
  const showProcess = crossesProcesses(props.actor);
  const rowAction = (path: string, label: string, cls: string, confirm?: string, testid?: string) => (
    <form
      method="post"
      action={`/integrations/${r.id}/${path}`}
      hx-post={`/integrations/${r.id}/${path}`}
      hx-target="closest tr"
      hx-swap="outerHTML"
      hx-confirm={confirm}
      class="inline"
    >
      <button type="submit" class={cls} data-action={testid ?? path}>{label}</button>
    </form>
  );
  return (
    <tr id={`integration-${r.id}`} class="align-top hover:bg-slate-50" data-integration={r.id} data-active={r.is_active ? 'true' : 'false'}>
      <td class="min-w-44 px-4 py-3">
        <div class="font-medium text-navy">{r.name}</div>
        <div class="mt-0.5 flex flex-wrap items-center gap-1.5 text-xs text-slate-500">
          {kindLabel(r.kind)}
          {r.is_active ? <Badge tone="teal">active</Badge> : <Badge tone="slate">paused</Badge>}
        </div>
      </td>
      {showProcess ? <td class="px-4 py-3 text-slate-600">{r.process_name}</td> : null}
      <td class="min-w-60 px-4 py-3">
        <CopyField value={alertUrl(props.appUrl, r.key)} label={`Alert URL of ${r.name}`} testid={`url-${r.id}`} />
      </td>
      <td class="px-4 py-3"><SeverityBadge severity={r.default_severity} /></td>
      <td class="whitespace-nowrap px-4 py-3 text-slate-600">
        {r.last_alert_at ? <LocalTime at={r.last_alert_at} tz={r.process_timezone} /> : <span class="text-slate-500">never</span>}
        <div class="text-xs text-slate-500">{Number(r.alert_count)} alert{Number(r.alert_count) === 1 ? '' : 's'}</div>
      </td>
      <td class="px-4 py-3">
        <div class="flex flex-nowrap justify-end gap-1.5">
          <a href={`/integrations/${r.id}/edit`} hx-get={`/integrations/${r.id}/edit`} hx-target="#modal" class={smallButton} data-action="edit">Edit</a>
          {r.is_active ? rowAction('pause', 'Pause', smallButton, `Pause “${r.name}”? Alerts sent to it are refused until you resume it.`) : rowAction('resume', 'Resume', smallButton)}
          {rowAction('rotate-key', 'Rotate key', smallButton, `Give “${r.name}” a new URL? The current URL stops working at once; update your monitoring.`)}
          {rowAction('delete', 'Delete', smallDanger, `Delete “${r.name}”? Its URL stops working; incidents it opened stay.`)}
        </div>
      </td>
    </tr>
  );
}

/** The integrations table, or how to start. */
export function IntegrationList(props: IntegrationListProps) {
  const showProcess = crossesProcesses(props.actor);
  if (props.rows.length === 0) {
    return (
      <EmptyState title="No integrations yet" icon="plug">
        Add one for Prometheus Alertmanager, Grafana or any tool that can post JSON: each gets its own secret URL, and
        firing alerts open incidents by themselves.
      </EmptyState>
    );
  }
  return (
    <div class="relative overflow-x-auto">
      <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="integration-table">
        <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            <th class="px-4 py-2.5">Name</th>
            {showProcess ? <th class="px-4 py-2.5">Process</th> : null}
            <th class="px-4 py-2.5">Alert URL</th>
            <th class="px-4 py-2.5">Default</th>
            <th class="px-4 py-2.5">Last alert</th>
            <th class="px-4 py-2.5"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody class="divide-y divide-slate-100 bg-white">
          {props.rows.map((r) => <IntegrationRowView actor={props.actor} row={r} appUrl={props.appUrl} />)}
        </tbody>
      </table>
    </div>
  );
}
