import type { DryRun } from '../../src/modules/escalations/dryrun.js';
import type { ChainView, ExecutionRow } from '../../src/modules/escalations/queries.js';
import type { Actor } from '../../src/tenancy.js';
import { Badge, SeverityBadge, StatusBadge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { inputClass } from '../components/Form.js';
import { LocalTime } from '../components/Time.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { TierStep } from './EscalationsPage.js';

const DRY_SEVERITIES = [1, 2, 3, 4];

/** The dry run: minute by minute who a new incident of the chosen severity would reach. */
export function DryRunView(props: { chain: ChainView; run: DryRun }) {
  const { chain, run } = props;
  const tz = chain.process_timezone;
  const nobody = run.steps.filter((s) => s.reaches_nobody).length;
  return (
    <div id="dry-run" class="space-y-4" data-testid="dry-run">
      <form class="flex flex-wrap items-end gap-3" method="get" action={`/escalations/${chain.id}/dry-run`}
        hx-get={`/escalations/${chain.id}/dry-run`} hx-target="#dry-run" hx-swap="outerHTML" hx-trigger="change">
        <div>
          <label for="dry-severity" class="mb-1 block text-xs font-medium text-slate-500">A new incident of</label>
          <select id="dry-severity" name="severity" class={inputClass}>
            {DRY_SEVERITIES.map((s) => <option value={String(s)} selected={run.severity === s}>Sev {s}</option>)}
          </select>
        </div>
        <p class="pb-2 text-sm text-slate-600">opened now (<LocalTime at={run.opened_at} tz={tz} />) and left unacknowledged:</p>
        <noscript><button class="rounded border px-2 py-1 text-sm">Show</button></noscript>
      </form>
      {run.note ? <p class="rounded-md bg-amber/10 px-3 py-2 text-sm text-amber-dark" data-testid="dry-run-note">{run.note}</p> : null}
      {nobody ? (
        <p class="rounded-md bg-danger/10 px-3 py-2 text-sm font-medium text-danger" role="alert" data-testid="dry-run-warning">
          {nobody === 1 ? '1 tier' : `${nobody} tiers`} would reach nobody: give {nobody === 1 ? 'it' : 'them'} a user, or put someone on call.
        </p>
      ) : null}
      <ol class="divide-y divide-slate-100 rounded-lg border border-slate-200">
        {run.steps.map((s) => {
          // Grey on the red tint of a tier that reaches nobody needs one shade darker for AA contrast.
          const muted = s.reaches_nobody ? 'text-slate-600' : 'text-slate-500';
          return (
            <li class={`grid grid-cols-[5.5rem_1fr_auto] items-start gap-x-3 px-3 py-2.5 text-sm ${s.reaches_nobody ? 'bg-danger/5' : ''}`} data-dry-tier={s.position}>
              <span>
                <span class="block font-semibold text-slate-700">minute {s.delay_minutes}</span>
                <span class={`block text-xs ${muted}`}><LocalTime at={s.at} tz={tz} /></span>
              </span>
              <span class="min-w-0">
                <span class={`mr-1 ${muted}`}>Tier {s.position}:</span>
                {s.target
                  ? <><span class="font-medium text-navy">{s.target.name}</span>{s.via && s.via !== 'tier user' ? <span class={muted}> ({s.via})</span> : null}</>
                  : <span class="font-semibold text-danger">Nobody{s.webhook_url && s.channels.includes('webhook') ? ' (webhook only)' : ''}</span>}
                {s.user_unavailable ? <span class="block text-xs text-amber-dark">The tier's user cannot be paged any more: falls back to on-call.</span> : null}
              </span>
              <span class={`text-right text-xs ${muted}`}>
                {s.channels.join(' + ')}
                {s.reaches_nobody ? <span class="mt-1 block"><Badge tone="danger">reaches nobody</Badge></span> : null}
              </span>
            </li>
          );
        })}
      </ol>
      <div>
        <h4 class="mb-1 text-sm font-semibold text-navy">On-call fallback, next 24 hours</h4>
        {run.oncall.length ? (
          <ul class="space-y-1 text-sm text-slate-600" data-testid="dry-run-oncall">
            {run.oncall.map((o) => (
              <li>
                <LocalTime at={o.from} tz={tz} /> – <LocalTime at={o.to} tz={tz} />:{' '}
                {o.primary ? <span class="font-medium text-navy">{o.primary}</span> : <span class="text-danger">no primary</span>}
                {', backup '}
                {o.backup ? <span class="font-medium text-navy">{o.backup}</span> : <span class="text-slate-500">none</span>}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {run.rules.length ? (
        <p class="text-xs text-slate-500">
          Automation rules escalating through this chain: {run.rules.map((r, i) => <>{i ? ', ' : ''}<a class="text-teal hover:underline" href={`/automation/${r.id}`}>{r.name}</a>{r.is_active ? '' : ' (paused)'}</>)}.
        </p>
      ) : null}
    </div>
  );
}

export interface ExecutionListProps {
  chain: ChainView;
  rows: ExecutionRow[];
  next: string | null;
}

export function ExecutionList(props: ExecutionListProps) {
  const tz = props.chain.process_timezone;
  if (props.rows.length === 0) {
    return <EmptyState title="No firings yet" icon="stairs">When an incident this chain applies to stays unacknowledged, each tier's firing is listed here.</EmptyState>;
  }
  return (
    <div>
      <div class="relative overflow-x-auto">
        <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="execution-table">
          <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th class="px-4 py-2.5">Fired</th>
              <th class="px-4 py-2.5">Incident</th>
              <th class="px-4 py-2.5">Tier</th>
              <th class="px-4 py-2.5">Notified</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100 bg-white">
            {props.rows.map((r) => (
              <tr data-execution={r.id}>
                <td class="whitespace-nowrap px-4 py-2.5 text-slate-600"><LocalTime at={r.fired_at} tz={tz} /></td>
                <td class="px-4 py-2.5">
                  <a href={`/incidents/${r.incident_id}`} class="font-medium text-navy hover:underline">{r.incident_title}</a>
                  <div class="mt-0.5 flex items-center gap-1.5 text-xs text-slate-500">#{r.incident_id} <SeverityBadge severity={r.incident_severity} /> <StatusBadge status={r.incident_status} /></div>
                </td>
                <td class="px-4 py-2.5 text-slate-600">{r.tier_position ? `Tier ${r.tier_position}` : <span class="text-slate-500">removed tier</span>}</td>
                <td class="px-4 py-2.5">{r.target_name ?? <span class="font-semibold text-danger">nobody</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a href={`/escalations/${props.chain.id}?cursor=${props.next}`} hx-get={`/escalations/${props.chain.id}?cursor=${props.next}`}
            hx-target="#execution-list" class="text-sm font-semibold text-teal hover:underline">Older firings →</a>
        </div>
      ) : null}
    </div>
  );
}

export function ChainDetailPage(props: { shell: ShellProps; actor: Actor; chain: ChainView; run: DryRun; executions: ExecutionListProps }) {
  const c = props.chain;
  return (
    <AppShell {...props.shell}>
      <a href="/escalations" class="mb-3 inline-block text-sm text-teal hover:underline">← All chains</a>
      <div class="grid items-start gap-4 lg:grid-cols-2">
        <section class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
          <div class="flex flex-wrap items-center gap-2">
            <h2 class="text-lg font-semibold text-navy">{c.name}</h2>
            {c.trigger_severity ? <SeverityBadge severity={c.trigger_severity} /> : <Badge tone="slate">Via rules only</Badge>}
            {c.is_active ? <Badge tone="teal">Active</Badge> : <Badge tone="slate">Paused</Badge>}
          </div>
          <p class="mt-1 text-xs text-slate-500">{c.process_name} · fired {c.stats.execution_count} {c.stats.execution_count === 1 ? 'time' : 'times'}</p>
          <ol class="mt-3 border-t border-slate-100 pt-3">
            {c.tiers.map((t, i) => <TierStep tier={t} last={i === c.tiers.length - 1} />)}
          </ol>
          <div class="mt-3 flex gap-2">
            <a href={`/escalations/${c.id}/edit`} hx-get={`/escalations/${c.id}/edit`} hx-target="#modal" class="text-sm font-semibold text-teal hover:underline">Edit chain</a>
          </div>
        </section>
        <section class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
          <h3 class="mb-3 font-semibold text-navy">Dry run</h3>
          <DryRunView chain={c} run={props.run} />
        </section>
      </div>
      <section class="mt-4 rounded-xl border border-slate-200 bg-white shadow-sm">
        <h3 class="border-b border-slate-200 px-4 py-3 font-semibold text-navy">Firings</h3>
        <div id="execution-list"><ExecutionList {...props.executions} /></div>
      </section>
      <div id="modal"></div>
    </AppShell>
  );
}
