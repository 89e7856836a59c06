import type { RuleRow } from '../../src/modules/automation/queries.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { Badge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { buttonPrimary } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { LocalTime, RelativeTime } from '../components/Time.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';

/** A rule as the list shows it: its row plus the sentences that describe trigger and action. */
export interface RuleItem {
  row: RuleRow;
  trigger: string;
  action: string;
  nextRun: Date | null;
  /** The stored settings no longer make a valid rule (e.g. its chain was removed). */
  broken: boolean;
}

export interface RuleListProps {
  actor: Actor;
  rules: RuleItem[];
  next: string | null;
  now: Date;
}

const small = 'inline-flex items-center rounded-md px-2 py-1 text-xs font-semibold';

export function RuleRowView(props: { item: RuleItem; actor: Actor; now: Date }) {
  const { row: r, trigger, action } = props.item;
  const tz = r.process_timezone;
  const active = Boolean(r.is_active);
  return (
    <tr data-rule={r.id} data-active={active ? 'true' : 'false'} class="align-top">
      <td class="px-4 py-3">
        <a href={`/automation/${r.id}`} class="font-medium text-navy hover:underline" data-testid="rule-name">{r.name}</a>
        <div class="text-xs text-slate-500">#{r.id}</div>
      </td>
      {crossesProcesses(props.actor) ? <td class="px-4 py-3 text-slate-600">{r.process_name}</td> : null}
      <td class="px-4 py-3 text-slate-700">
        {trigger}
        {props.item.nextRun ? <div class="mt-0.5 text-xs text-slate-500">Next: <LocalTime at={props.item.nextRun} tz={tz} /></div> : null}
      </td>
      <td class="px-4 py-3 text-slate-700">
        {action}
        {props.item.broken ? <div class="mt-0.5 text-xs font-semibold text-danger">Settings no longer valid: edit this rule.</div> : null}
      </td>
      <td class="px-4 py-3 text-right font-semibold tabular-nums text-navy" data-testid="execution-count">{r.execution_count}</td>
      <td class="whitespace-nowrap px-4 py-3 text-slate-500">
        {r.last_run_at ? <RelativeTime at={r.last_run_at} now={props.now} tz={tz} /> : <span class="text-slate-500">never</span>}
      </td>
      <td class="px-4 py-3">
        <div class="flex items-center gap-2">
          <form method="post" action={`/automation/${r.id}/toggle`} hx-post={`/automation/${r.id}/toggle`} hx-target="closest tr" hx-swap="outerHTML">
            <input type="hidden" name="is_active" value={active ? 'false' : 'true'} />
            <button type="submit" role="switch" aria-checked={active ? 'true' : 'false'} aria-label={`${active ? 'Pause' : 'Activate'} ${r.name}`}
              data-action="toggle"
              class={`relative inline-flex h-5 w-9 shrink-0 items-center rounded-full transition focus:outline-none focus:ring-2 focus:ring-teal/40 ${active ? 'bg-teal' : 'bg-slate-300'}`}>
              <span class={`inline-block h-4 w-4 rounded-full bg-white shadow transition ${active ? 'translate-x-4' : 'translate-x-0.5'}`}></span>
            </button>
          </form>
          {active ? <Badge tone="teal">Active</Badge> : <Badge tone="slate">Paused</Badge>}
        </div>
      </td>
      <td class="whitespace-nowrap px-4 py-3 text-right">
        <a href={`/automation/${r.id}`} class={`${small} text-navy hover:bg-slate-100`}>Log</a>
        <a href={`/automation/${r.id}/edit`} hx-get={`/automation/${r.id}/edit`} hx-target="#modal" class={`${small} text-navy hover:bg-slate-100`} data-action="edit">Edit</a>
        <form class="inline" method="post" action={`/automation/${r.id}/delete`} hx-post={`/automation/${r.id}/delete`} hx-target="#rule-list" hx-swap="innerHTML"
          hx-confirm={`Delete the rule “${r.name}” and its execution log?`}>
          <button type="submit" class={`${small} text-danger hover:bg-danger/10`} data-action="delete">Delete</button>
        </form>
      </td>
    </tr>
  );
}

export function RuleList(props: RuleListProps) {
  if (props.rules.length === 0) {
    return (
      <EmptyState title="No automation rules yet" icon="bolt">
        Rules escalate incidents that stay unresolved, email digests on a schedule, or act on incidents that match your conditions.
      </EmptyState>
    );
  }
  return (
    <div>
      <div class="relative overflow-x-auto">
        <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="rule-table">
          <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th class="px-4 py-2.5">Rule</th>
              {crossesProcesses(props.actor) ? <th class="px-4 py-2.5">Process</th> : null}
              <th class="px-4 py-2.5">Trigger</th>
              <th class="px-4 py-2.5">Action</th>
              <th class="px-4 py-2.5 text-right">Executions</th>
              <th class="px-4 py-2.5">Last run</th>
              <th class="px-4 py-2.5">Status</th>
              <th class="px-4 py-2.5"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100 bg-white">
            {props.rules.map((item) => <RuleRowView item={item} actor={props.actor} now={props.now} />)}
          </tbody>
        </table>
      </div>
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a href={`/automation?cursor=${props.next}`} hx-get={`/automation?cursor=${props.next}`} hx-target="#rule-list" hx-push-url="true"
            class="text-sm font-semibold text-teal hover:underline">Older rules →</a>
        </div>
      ) : null}
    </div>
  );
}

export function AutomationPage(props: { shell: ShellProps; list: RuleListProps }) {
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p class="max-w-3xl text-sm text-slate-500">
          Each rule has a trigger and an action. It fires at most once per incident, or once per scheduled time; the worker checks rules every minute.
        </p>
        <a href="/automation/new" hx-get="/automation/new" hx-target="#modal" class={buttonPrimary} data-testid="new-rule">
          <Icon name="bolt" class="h-4 w-4" /> New Rule
        </a>
      </div>
      <section class="rounded-xl border border-slate-200 bg-white shadow-sm">
        <div id="rule-list" hx-get="/automation" hx-trigger="automation:changed from:body, d2c:refresh from:body">
          <RuleList {...props.list} />
        </div>
      </section>
      <div id="modal"></div>
    </AppShell>
  );
}
