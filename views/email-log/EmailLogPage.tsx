import type { OutboxStats, OutboxStatus } from '../../src/mail/dispatcher.js';
import { RETRYABLE_STATUSES } from '../../src/mail/dispatcher.js';
import type { EmailLogFilters, EmailLogRow } from '../../src/modules/email-log/queries.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { truncate } from '../../src/text.js';
import { Badge, type Tone } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { inputClass } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { LocalTime } from '../components/Time.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';

const STATUS_TONES: Record<string, Tone> = {
  queued: 'sky',
  sending: 'navy',
  sent: 'teal',
  retrying: 'amber',
  failed: 'danger',
  bounced: 'danger',
};

const TABS: [OutboxStatus | '', string][] = [
  ['', 'All'],
  ['queued', 'Queued'],
  ['sending', 'Sending'],
  ['sent', 'Sent'],
  ['retrying', 'Retrying'],
  ['failed', 'Failed'],
  ['bounced', 'Bounced'],
];

export function OutboxStatusBadge(props: { status: string }) {
  return <Badge tone={STATUS_TONES[props.status] ?? 'slate'}>{props.status}</Badge>;
}

export interface EmailLogListProps {
  actor: Actor;
  rows: EmailLogRow[];
  next: string | null;
  filters: EmailLogFilters;
  /** The query string of the current filters, for the "Older" link. */
  query: string;
}

/** One row; the Retry button swaps it in place with htmx, or posts the form without JavaScript. */
export function EmailLogRowView(props: { actor: Actor; row: EmailLogRow }) {
  const r = props.row;
  const showProcess = crossesProcesses(props.actor);
  const retryable = (RETRYABLE_STATUSES as string[]).includes(r.status);
  return (
    <tr id={`email-${r.id}`} class="align-top hover:bg-slate-50" data-email={r.id} data-status={r.status}>
      <td class="whitespace-nowrap px-4 py-2.5 text-slate-500">
        <LocalTime at={r.created_at} tz={r.process_timezone ?? 'UTC'} />
        <div class="text-xs text-slate-500">#{r.id}</div>
      </td>
      {showProcess ? <td class="px-4 py-2.5 text-slate-600">{r.process_name ?? <span class="text-slate-500">—</span>}</td> : null}
      <td class="px-4 py-2.5 text-slate-700"><div class="max-w-56 truncate" title={r.to_address}>{r.to_address}</div></td>
      <td class="min-w-56 px-4 py-2.5 text-navy">{r.subject}</td>
      <td class="whitespace-nowrap px-4 py-2.5 font-mono text-xs text-slate-500">{r.template}</td>
      <td class="px-4 py-2.5">
        <OutboxStatusBadge status={r.status} />
        {r.status === 'sent' && r.sent_at ? (
          <div class="mt-1 text-xs text-slate-500"><LocalTime at={r.sent_at} tz={r.process_timezone ?? 'UTC'} /></div>
        ) : null}
        {r.status === 'retrying' ? (
          <div class="mt-1 text-xs text-slate-500">next <LocalTime at={r.next_attempt_at} tz={r.process_timezone ?? 'UTC'} /></div>
        ) : null}
        {retryable ? (
          <form
            method="post"
            action={`/email-log/${r.id}/retry`}
            hx-post={`/email-log/${r.id}/retry`}
            hx-target="closest tr"
            hx-swap="outerHTML"
            class="mt-1.5"
          >
            <button type="submit" class="inline-flex items-center gap-1 rounded-md border border-slate-300 bg-white px-2 py-0.5 text-xs font-semibold text-navy hover:bg-slate-50" data-testid={`retry-${r.id}`}>
              <Icon name="refresh" class="h-3.5 w-3.5" /> Retry
            </button>
          </form>
        ) : null}
      </td>
      <td class="px-4 py-2.5 text-center text-slate-600">{r.attempts}</td>
      <td class="max-w-56 px-4 py-2.5 text-xs text-danger">
        {r.last_error ? <span title={r.last_error} class="line-clamp-2 break-words">{truncate(r.last_error, 120)}</span> : <span class="text-slate-300">—</span>}
      </td>
    </tr>
  );
}

/** The table and the "Older" pager; swapped by htmx when the filters change. */
export function EmailLogList(props: EmailLogListProps) {
  const showProcess = crossesProcesses(props.actor);
  if (props.rows.length === 0) {
    const filtered = Boolean(props.filters.status || props.filters.q);
    return (
      <EmptyState title={filtered ? 'No emails match these filters' : 'No emails yet'} icon="inbox">
        {filtered ? 'Try another status or search.' : 'Emails about incidents, downtime, approvals and accounts appear here as they are queued.'}
      </EmptyState>
    );
  }
  const older = `/email-log?${props.query}${props.query ? '&' : ''}cursor=${props.next}`;
  return (
    <div>
      <div class="relative overflow-x-auto">
        <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="email-log-table">
          <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th class="px-4 py-2.5">Created</th>
              {showProcess ? <th class="px-4 py-2.5">Process</th> : null}
              <th class="px-4 py-2.5">To</th>
              <th class="px-4 py-2.5">Subject</th>
              <th class="px-4 py-2.5">Template</th>
              <th class="px-4 py-2.5">Status</th>
              <th class="px-4 py-2.5 text-center">Attempts</th>
              <th class="px-4 py-2.5">Last error</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100 bg-white">
            {props.rows.map((r) => <EmailLogRowView actor={props.actor} row={r} />)}
          </tbody>
        </table>
      </div>
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a href={older} hx-get={older} hx-target="#email-log-list" hx-push-url="true" class="text-sm font-semibold text-teal hover:underline" data-testid="older">
            Older →
          </a>
        </div>
      ) : null}
    </div>
  );
}

function tabQuery(status: string, q: string | undefined): string {
  const p = new URLSearchParams();
  if (status) p.set('status', status);
  if (q) p.set('q', q);
  const s = p.toString();
  return s ? `/email-log?${s}` : '/email-log';
}

function Tabs(props: { filters: EmailLogFilters; stats: OutboxStats }) {
  const current = props.filters.status ?? '';
  return (
    <nav class="flex flex-wrap gap-1 border-b border-slate-200 px-4 pt-3" aria-label="Status">
      {TABS.map(([status, label]) => {
        const count = status ? props.stats[status] : props.stats.total;
        const active = current === status;
        return (
          <a
            href={tabQuery(status, props.filters.q)}
            aria-current={active ? 'page' : undefined}
            data-tab={status || 'all'}
            class={`-mb-px inline-flex items-center gap-1.5 border-b-2 px-3 py-2 text-sm ${active ? 'border-teal font-semibold text-navy' : 'border-transparent text-slate-500 hover:text-navy'}`}
          >
            {label}
            <span class={`rounded-full px-1.5 text-xs ${active ? 'bg-teal/10 text-teal' : 'bg-slate-100 text-slate-600'}`} data-count={status || 'all'}>{count}</span>
          </a>
        );
      })}
    </nav>
  );
}

export function EmailLogPage(props: { shell: ShellProps; list: EmailLogListProps; stats: OutboxStats; smtpConfigured: boolean }) {
  const f = props.list.filters;
  const { actor } = props.shell;
  return (
    <AppShell {...props.shell}>
      {props.smtpConfigured ? null : (
        <div class="mb-4 flex items-start gap-3 rounded-xl border border-amber/30 bg-amber/10 p-4 text-sm text-amber-dark" role="status" data-testid="smtp-notice">
          <Icon name="mail" class="mt-0.5 h-5 w-5 shrink-0" />
          <div>
            <p class="font-semibold">SMTP is not configured.</p>
            <p class="mt-0.5 text-slate-700">
              Emails are not sent: they are kept here in the queue so you can see what would have been sent.
              Set <code>SMTP_HOST</code> (and <code>SMTP_PORT</code>, <code>SMTP_USER</code>, <code>SMTP_PASS</code>, <code>SMTP_FROM</code>)
              and restart to deliver them.
            </p>
          </div>
        </div>
      )}
      <p class="mb-4 text-sm text-slate-500">
        Every email the platform queued for {actor.role === 'super_admin' && !actor.viewProcessId ? 'every process' : 'your process'}, newest first, with its delivery status.
      </p>
      <section class="rounded-xl border border-slate-200 bg-white shadow-sm">
        <Tabs filters={f} stats={props.stats} />
        <form method="get" action="/email-log" class="flex flex-wrap items-end gap-3 border-b border-slate-200 p-4" role="search"
          hx-get="/email-log" hx-target="#email-log-list" hx-push-url="true" hx-trigger="keyup changed delay:400ms from:#q, submit">
          {f.status ? <input type="hidden" name="status" value={f.status} /> : null}
          <div class="min-w-48 flex-1">
            <label for="q" class="mb-1 block text-xs font-medium text-slate-500">Search</label>
            <input id="q" name="q" type="search" value={f.q ?? ''} maxlength={200} placeholder="Recipient or subject…" class={inputClass} />
          </div>
          <noscript><button class="rounded-md bg-teal px-4 py-2 text-sm font-semibold text-white">Filter</button></noscript>
          <span class="htmx-indicator pb-2 text-xs text-slate-500">Loading…</span>
        </form>
        <div id="email-log-list">
          <EmailLogList {...props.list} />
        </div>
      </section>
    </AppShell>
  );
}
