import type { RuleExecutionRow } from '../../src/modules/automation/queries.js';
import { Badge, SeverityBadge, StatusBadge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { LocalTime, RelativeTime } from '../components/Time.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import type { RuleItem } from './AutomationPage.js';

export interface RuleLogProps {
  ruleId: number;
  tz: string;
  rows: RuleExecutionRow[];
  next: string | null;
}

export function RuleLogList(props: RuleLogProps) {
  if (props.rows.length === 0) {
    return <EmptyState title="Not executed yet" icon="bolt">Each time this rule fires, the incident (or the scheduled time) and what it did are listed here.</EmptyState>;
  }
  return (
    <div>
      <div class="relative overflow-x-auto">
        <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="rule-log">
          <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th class="px-4 py-2.5">Executed</th>
              <th class="px-4 py-2.5">For</th>
              <th class="px-4 py-2.5">Result</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100 bg-white">
            {props.rows.map((r) => (
              <tr data-execution={r.id} class="align-top">
                <td class="whitespace-nowrap px-4 py-2.5 text-slate-600"><LocalTime at={r.executed_at} tz={props.tz} /></td>
                <td class="px-4 py-2.5">
                  {r.incident_id ? (
                    <>
                      <a href={`/incidents/${r.incident_id}`} class="font-medium text-navy hover:underline">{r.incident_title ?? `Incident #${r.incident_id}`}</a>
                      <div class="mt-0.5 flex items-center gap-1.5 text-xs text-slate-500">
                        #{r.incident_id} {r.incident_severity ? <SeverityBadge severity={r.incident_severity} /> : null} {r.incident_status ? <StatusBadge status={r.incident_status} /> : null}
                      </div>
                    </>
                  ) : r.occurrence_key.startsWith('schedule:') ? (
                    <span class="text-slate-600">Scheduled for <LocalTime at={new Date(r.occurrence_key.slice('schedule:'.length))} tz={props.tz} /></span>
                  ) : <span class="text-slate-500">{r.occurrence_key}</span>}
                </td>
                <td class="px-4 py-2.5 text-slate-700">{r.result ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a href={`/automation/${props.ruleId}?cursor=${props.next}`} hx-get={`/automation/${props.ruleId}?cursor=${props.next}`} hx-target="#rule-log"
            class="text-sm font-semibold text-teal hover:underline">Older executions →</a>
        </div>
      ) : null}
    </div>
  );
}

export function RuleLogPage(props: { shell: ShellProps; item: RuleItem; log: RuleLogProps; now: Date }) {
  const r = props.item.row;
  return (
    <AppShell {...props.shell}>
      <a href="/automation" class="mb-3 inline-block text-sm text-teal hover:underline">← All rules</a>
      <div class="mb-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <div class="flex flex-wrap items-center gap-2">
          <h2 class="text-lg font-semibold text-navy">{r.name}</h2>
          {r.is_active ? <Badge tone="teal">Active</Badge> : <Badge tone="slate">Paused</Badge>}
        </div>
        <dl class="mt-3 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-4">
          <div><dt class="text-xs text-slate-500">Trigger</dt><dd class="text-slate-700">{props.item.trigger}</dd></div>
          <div><dt class="text-xs text-slate-500">Action</dt><dd class="text-slate-700">{props.item.action}</dd></div>
          <div><dt class="text-xs text-slate-500">Executions</dt><dd class="font-semibold text-navy" data-testid="execution-count">{r.execution_count}</dd></div>
          <div>
            <dt class="text-xs text-slate-500">Last run</dt>
            <dd class="text-slate-700">{r.last_run_at ? <RelativeTime at={r.last_run_at} now={props.now} tz={r.process_timezone} /> : 'never'}</dd>
          </div>
        </dl>
      </div>
      <section class="rounded-xl border border-slate-200 bg-white shadow-sm">
        <h3 class="border-b border-slate-200 px-4 py-3 font-semibold text-navy">Execution log</h3>
        <div id="rule-log"><RuleLogList {...props.log} /></div>
      </section>
    </AppShell>
  );
}
