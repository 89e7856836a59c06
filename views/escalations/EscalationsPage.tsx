import type { ChainView, TierRow } from '../../src/modules/escalations/queries.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { Badge, SeverityBadge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { buttonPrimary } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { RelativeTime } from '../components/Time.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';

export interface ChainListProps {
  actor: Actor;
  chains: ChainView[];
  next: string | null;
  now: Date;
}

const small = 'inline-flex items-center gap-1 rounded-md px-2.5 py-1.5 text-xs font-semibold';

function channelText(t: TierRow): string {
  return t.channels.map((c) => (c === 'webhook' ? 'webhook' : 'email')).join(' + ') || 'no channel';
}

/** One tier as a step: number, delay, who, how. */
export function TierStep(props: { tier: TierRow; last: boolean }) {
  const t = props.tier;
  const who = t.user_id === null
    ? <span class="text-slate-600">On-call <span class="text-slate-500">(primary, else backup)</span></span>
    : t.user_active === false
      ? <span class="text-danger" title="This user is deactivated: the tier falls back to the on-call person">{t.user_name} (inactive)</span>
      : <span class="font-medium text-navy">{t.user_name ?? `User #${t.user_id}`}</span>;
  return (
    <li class="relative flex gap-3 pb-3 last:pb-0" data-tier={t.position}>
      {props.last ? null : <span class="absolute left-[13px] top-7 h-[calc(100%-1.5rem)] w-px bg-slate-200" aria-hidden="true"></span>}
      <span class="relative z-10 flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-navy text-xs font-bold text-white">{t.position}</span>
      <div class="min-w-0 pt-0.5 text-sm">
        <div class="flex flex-wrap items-center gap-x-2 gap-y-1">
          <span class="font-semibold text-slate-700">Tier {t.position}</span>
          <span class="text-slate-500">·</span>
          <span class="text-slate-600">after {t.delay_minutes} min</span>
          <span class="text-slate-500">·</span>
          {who}
        </div>
        <div class="mt-0.5 text-xs text-slate-500">
          via {channelText(t)}{t.webhook_url ? <span class="break-all"> · {hostOf(t.webhook_url)}</span> : null}
        </div>
      </div>
    </li>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function ChainCard(props: { chain: ChainView; actor: Actor; now: Date }) {
  const c = props.chain;
  const name = c.name;
  return (
    <li class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-chain={c.id}>
      <div class="flex flex-wrap items-start justify-between gap-3">
        <div class="min-w-0">
          <div class="flex flex-wrap items-center gap-2">
            <h3 class="break-words text-base font-semibold text-navy" data-testid="chain-name">{name}</h3>
            {c.trigger_severity ? <SeverityBadge severity={c.trigger_severity} /> : <Badge tone="slate" title="Runs only when an automation rule escalates through it">Via rules only</Badge>}
            {c.is_active ? <Badge tone="teal">Active</Badge> : <Badge tone="slate">Paused</Badge>}
            {crossesProcesses(props.actor) ? <span class="text-xs text-slate-500">{c.process_name}</span> : null}
          </div>
          <p class="mt-1 text-xs text-slate-500" data-testid="chain-stats">
            {c.stats.execution_count === 0
              ? 'Has not fired yet'
              : <>Fired {c.stats.execution_count} {c.stats.execution_count === 1 ? 'time' : 'times'} · last <RelativeTime at={c.stats.last_fired_at!} now={props.now} tz={c.process_timezone} /></>}
          </p>
        </div>
        <div class="flex flex-wrap gap-1.5">
          <a href={`/escalations/${c.id}/dry-run`} hx-get={`/escalations/${c.id}/dry-run`} hx-target="#modal" class={`${small} bg-teal/10 text-teal hover:bg-teal/20`} data-action="dry-run">
            <Icon name="sparkle" class="h-3.5 w-3.5" /> Dry run
          </a>
          <a href={`/escalations/${c.id}`} class={`${small} text-navy hover:bg-slate-100`} data-action="history">History</a>
          <a href={`/escalations/${c.id}/edit`} hx-get={`/escalations/${c.id}/edit`} hx-target="#modal" class={`${small} text-navy hover:bg-slate-100`} data-action="edit">Edit</a>
          <form method="post" action={`/escalations/${c.id}/delete`} hx-post={`/escalations/${c.id}/delete`} hx-target="#chain-list" hx-swap="innerHTML"
            hx-confirm={`Delete the escalation chain “${name}”? Its tiers stop firing; past firings stay on the incidents.`}>
            <button type="submit" class={`${small} text-danger hover:bg-danger/10`} data-action="delete">Delete</button>
          </form>
        </div>
      </div>
      {c.tiers.length ? (
        <ol class="mt-3 border-t border-slate-100 pt-3" aria-label={`Tiers of ${name}`}>
          {c.tiers.map((t, i) => <TierStep tier={t} last={i === c.tiers.length - 1} />)}
        </ol>
      ) : <p class="mt-3 text-sm text-slate-500">No tiers.</p>}
    </li>
  );
}

export function ChainList(props: ChainListProps) {
  if (props.chains.length === 0) {
    return (
      <EmptyState title="No escalation chains yet" icon="stairs">
        A chain pages people in tiers while an incident stays unacknowledged: the operator at once, the manager after 15 minutes, whoever is on call after 30.
      </EmptyState>
    );
  }
  return (
    <div>
      <ul class="grid gap-4 xl:grid-cols-2" data-testid="chain-list">
        {props.chains.map((c) => <ChainCard chain={c} actor={props.actor} now={props.now} />)}
      </ul>
      {props.next ? (
        <div class="mt-4 text-center">
          <a href={`/escalations?cursor=${props.next}`} hx-get={`/escalations?cursor=${props.next}`} hx-target="#chain-list" hx-push-url="true"
            class="text-sm font-semibold text-teal hover:underline">Older chains →</a>
        </div>
      ) : null}
    </div>
  );
}

export function EscalationsPage(props: { shell: ShellProps; list: ChainListProps }) {
  const { actor } = props.shell;
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p class="max-w-3xl text-sm text-slate-500">
          Escalation chains page people in tiers while an incident of {crossesProcesses(actor) ? 'a process' : 'your process'} stays unacknowledged.
          A tier without a user pages whoever is on call. Marking the incident In Progress or Resolved stops the remaining tiers.
        </p>
        <a href="/escalations/new" hx-get="/escalations/new" hx-target="#modal" class={buttonPrimary} data-testid="new-chain">
          <Icon name="stairs" class="h-4 w-4" /> New Chain
        </a>
      </div>
      <div id="chain-list" hx-get="/escalations" hx-trigger="escalations:changed from:body, d2c:refresh from:body">
        <ChainList {...props.list} />
      </div>
      <div id="modal"></div>
      <p class="mt-6 text-xs text-slate-500">
        <a class="font-semibold text-teal hover:underline" href="/automation">Automation rules</a> can also escalate an incident through a chain, by its age or by conditions.
      </p>
    </AppShell>
  );
}
