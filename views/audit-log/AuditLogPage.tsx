import type { IntegrityReport } from '../../src/modules/audit-log/integrity.js';
import type { AuditRow } from '../../src/modules/audit-log/queries.js';
import { can } from '../../src/roles.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { Badge, type Tone } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { buttonPrimary, buttonSecondary, inputClass } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { LocalTime } from '../components/Time.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';

/** Colour of an action by its verb: creating teal, changing blue, deciding/closing navy, refusing or removing red. */
const VERB_TONES: [RegExp, Tone][] = [
  [/(reject|delete|deactivat|remov|revok|fail|denied|disable)/, 'danger'],
  [/(approv|acknowledg|resolv|end|clos|complet)/, 'navy'],
  [/(creat|submit|send|activat|open|add|register|invite)/, 'teal'],
  [/(password|login|role|email|key|secret)/, 'amber'],
  [/(updat|edit|assign|retry|chang|status|rotat)/, 'sky'],
];

export function actionTone(action: string): Tone {
  const verb = action.split('.').slice(1).join('.') || action;
  return VERB_TONES.find(([re]) => re.test(verb))?.[1] ?? 'slate';
}

export function ActionBadge(props: { action: string }) {
  return <span data-action-badge={props.action}><Badge tone={actionTone(props.action)}>{props.action}</Badge></span>;
}

/** Where a record of each entity type can be opened. */
export function entityHref(type: string, id: number | null): string | null {
  if (id === null) return null;
  if (type === 'incident') return `/incidents/${id}`;
  if (type === 'ticket') return `/tickets/${id}`;
  return null;
}

export interface AuditListProps {
  actor: Actor;
  rows: AuditRow[];
  next: string | null;
  total: number;
  filtered: boolean;
  /** The query string of the current filters, for the "Older" link. */
  query: string;
  error?: string;
}

function Changes(props: { row: AuditRow }) {
  const r = props.row;
  let pretty: string | null = null;
  if (r.changes) {
    try {
      pretty = JSON.stringify(JSON.parse(r.changes), null, 2);
    } catch {
      pretty = r.changes;
    }
  }
  return (
    <details class="mt-1 text-xs text-slate-500">
      <summary class="cursor-pointer select-none text-teal hover:underline">Details</summary>
      <dl class="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
        <dt class="font-medium">Changes</dt>
        <dd>{pretty ? <pre class="max-h-48 max-w-xl overflow-auto whitespace-pre-wrap break-words rounded bg-slate-50 p-2 font-mono">{pretty}</pre> : '—'}</dd>
        <dt class="font-medium">User agent</dt>
        <dd class="max-w-xl break-words">{r.user_agent ?? '—'}</dd>
        <dt class="font-medium">Hash</dt>
        <dd class="break-all font-mono" data-hash>{r.hash ?? '—'}</dd>
        <dt class="font-medium">Previous</dt>
        <dd class="break-all font-mono">{r.prev_hash ?? '— (first entry)'}</dd>
      </dl>
    </details>
  );
}

function Row(props: { actor: Actor; row: AuditRow }) {
  const r = props.row;
  const showProcess = crossesProcesses(props.actor);
  const href = entityHref(r.entity_type, r.entity_id);
  const entity = `${r.entity_type}${r.entity_id !== null ? ` #${r.entity_id}` : ''}`;
  return (
    <tr class="align-top hover:bg-slate-50" data-audit={r.id}>
      <td class="px-4 py-2.5">
        <ActionBadge action={r.action} />
        <Changes row={r} />
      </td>
      <td class="px-4 py-2.5">
        {r.user_id === null ? <span class="text-slate-500">System</span> : (
          <>
            <div class="font-medium text-navy">{r.user_name ?? `User #${r.user_id}`}</div>
            <div class="text-xs text-slate-500">{r.user_email ?? ''}</div>
          </>
        )}
      </td>
      {showProcess ? <td class="px-4 py-2.5 text-slate-600">{r.process_name ?? <span class="text-slate-500">—</span>}</td> : null}
      <td class="whitespace-nowrap px-4 py-2.5 text-slate-700">
        {href ? <a href={href} class="text-navy hover:underline">{entity}</a> : entity}
      </td>
      <td class="whitespace-nowrap px-4 py-2.5 font-mono text-xs text-slate-500">{r.ip ?? '—'}</td>
      <td class="whitespace-nowrap px-4 py-2.5 text-slate-500">
        <LocalTime at={r.created_at} tz={r.process_timezone ?? 'UTC'} />
        <div class="text-xs text-slate-500">#{r.id}</div>
      </td>
    </tr>
  );
}

/** The entry count, the table and the "Older" pager; swapped by htmx when the filters change. */
export function AuditLogList(props: AuditListProps) {
  const showProcess = crossesProcesses(props.actor);
  const count = (
    <p class="px-4 pt-3 text-sm text-slate-500" data-testid="audit-count">
      <span class="font-semibold text-navy">{props.total.toLocaleString('en-US')}</span> {props.total === 1 ? 'entry' : 'entries'}
      {props.filtered ? ' match these filters' : ''}
    </p>
  );
  if (props.error) {
    return <div class="p-4"><p class="rounded-md bg-danger/10 px-3 py-2 text-sm text-danger" role="alert" data-form-error>{props.error}</p></div>;
  }
  if (props.rows.length === 0) {
    return (
      <div>
        {count}
        <EmptyState title={props.filtered ? 'No entries match these filters' : 'No entries yet'} icon="shield">
          {props.filtered ? 'Try another action or date range.' : 'Every create, update and delete in your process is recorded here.'}
        </EmptyState>
      </div>
    );
  }
  const older = `/audit-log?${props.query}${props.query ? '&' : ''}cursor=${props.next}`;
  return (
    <div>
      {count}
      <div class="relative mt-2 overflow-x-auto">
        <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="audit-table">
          <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th class="px-4 py-2.5">Action</th>
              <th class="px-4 py-2.5">User</th>
              {showProcess ? <th class="px-4 py-2.5">Process</th> : null}
              <th class="px-4 py-2.5">Entity</th>
              <th class="px-4 py-2.5">IP</th>
              <th class="px-4 py-2.5">Time</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100 bg-white">
            {props.rows.map((r) => <Row actor={props.actor} row={r} />)}
          </tbody>
        </table>
      </div>
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a href={older} hx-get={older} hx-target="#audit-log-list" hx-push-url="true" class="text-sm font-semibold text-teal hover:underline" data-testid="older">
            Older entries →
          </a>
        </div>
      ) : null}
    </div>
  );
}

/** The outcome of "Verify integrity". */
export function IntegrityResult(props: { report: IntegrityReport; tz: string }) {
  const r = props.report;
  return (
    <div
      class={`rounded-xl border p-4 text-sm ${r.ok ? 'border-teal/30 bg-teal/5' : 'border-danger/30 bg-danger/5'}`}
      role="status"
      data-testid="integrity-result"
      data-ok={r.ok ? 'true' : 'false'}
    >
      <p class={`flex items-center gap-2 font-semibold ${r.ok ? 'text-teal' : 'text-danger'}`}>
        <Icon name={r.ok ? 'check' : 'alert'} class="h-5 w-5" />
        {r.ok
          ? `Intact: ${r.entries.toLocaleString('en-US')} entries verified, every hash matches its entry and its predecessor.`
          : 'Broken: the audit log was changed outside the application.'}
      </p>
      <ul class="mt-2 space-y-1 text-slate-600">
        {r.chains.filter((c) => !c.ok || r.chains.length <= 12).map((c) => (
          <li data-chain={c.process_id ?? 'none'} data-chain-ok={c.ok ? 'true' : 'false'}>
            <span class="font-medium text-navy">{c.process_name}</span>: {c.entries.toLocaleString('en-US')} entries
            {c.ok ? ' intact' : null}
            {c.broken ? <span class="text-danger" data-broken-entry={c.broken.id}> — first broken entry #{c.broken.id}: entry #{c.broken.id} {c.broken.reason}</span> : null}
          </li>
        ))}
      </ul>
      <p class="mt-2 text-xs text-slate-600">Checked <LocalTime at={r.checked_at} tz={props.tz} />.</p>
    </div>
  );
}

export interface AuditFilterValues {
  action: string;
  from: string;
  to: string;
}

export function AuditLogPage(props: { shell: ShellProps; list: AuditListProps; values: AuditFilterValues; actions: string[]; tz: string }) {
  const { actor } = props.shell;
  const v = props.values;
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p class="max-w-3xl text-sm text-slate-500">
          The immutable record of every action in {actor.role === 'super_admin' && !actor.viewProcessId ? 'every process' : 'your process'}: who did what, to which record, from where and when.
          Entries are chained by hashes, so any change made outside the application shows up when you verify.
        </p>
        <div class="flex gap-2">
          {can(actor.role, 'reporting.export_audit') ? <a href="/reporting#audit" class={buttonSecondary}>Export</a> : null}
          <button type="button" class={buttonPrimary} hx-get="/audit-log/verify" hx-target="#integrity" data-testid="verify">
            <Icon name="shield" class="h-4 w-4" /> Verify integrity <span class="htmx-indicator">…</span>
          </button>
        </div>
      </div>
      <div id="integrity" class="mb-4" aria-live="polite"></div>
      <section class="rounded-xl border border-slate-200 bg-white shadow-sm">
        <form
          method="get"
          action="/audit-log"
          class="flex flex-wrap items-end gap-3 border-b border-slate-200 p-4"
          role="search"
          hx-get="/audit-log"
          hx-target="#audit-log-list"
          hx-push-url="true"
          hx-trigger="change, keyup changed delay:400ms from:#action, submit, d2c:refresh from:body"
        >
          <input type="hidden" name="tz" value={props.tz} x-data="" x-init="$el.value = Intl.DateTimeFormat().resolvedOptions().timeZone || $el.value" />
          <div class="min-w-56 flex-1">
            <label for="action" class="mb-1 block text-xs font-medium text-slate-500">Action</label>
            <input id="action" name="action" type="search" list="audit-actions" value={v.action} maxlength={80} placeholder="Filter by action… (incident.update, or incident for all)" class={inputClass} autocomplete="off" />
            <datalist id="audit-actions">
              {props.actions.map((a) => <option value={a}></option>)}
            </datalist>
          </div>
          <div>
            <label for="from" class="mb-1 block text-xs font-medium text-slate-500">From</label>
            <input id="from" name="from" type="date" value={v.from} class={inputClass} />
          </div>
          <div>
            <label for="to" class="mb-1 block text-xs font-medium text-slate-500">To</label>
            <input id="to" name="to" type="date" value={v.to} class={inputClass} />
          </div>
          <noscript><button class={buttonPrimary}>Filter</button></noscript>
          <span class="htmx-indicator pb-2 text-xs text-slate-500">Loading…</span>
        </form>
        <div id="audit-log-list">
          <AuditLogList {...props.list} />
        </div>
      </section>
    </AppShell>
  );
}
