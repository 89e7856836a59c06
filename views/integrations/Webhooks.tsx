import type { Process } from '../../src/db/schema.js';
import { RETRYABLE_STATUSES } from '../../src/mail/dispatcher.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { truncate } from '../../src/text.js';
import type { DeliveryFilters, DeliveryRow } from '../../src/webhooks/deliveries.js';
import type { SigningSecret } from '../../src/webhooks/signing.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../src/webhooks/signing.js';
import { OutboxStatusBadge } from '../email-log/EmailLogPage.js';
import { EmptyState } from '../components/EmptyState.js';
import { buttonPrimary, FormError, inputClass, invalid } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { LocalTime } from '../components/Time.js';
import { CopyField } from './IntegrationList.js';

/** The process's signing secret (hidden until revealed) and its Rotate button. */
export function SecretPanel(props: { secret: SigningSecret | null; tz: string }) {
  if (!props.secret) {
    return (
      <div id="signing-secret" class="rounded-lg bg-slate-50 p-3 text-sm text-slate-500" data-testid="secret-choose-process">
        Each process signs with its own secret: choose a process in the switcher to see and rotate it.
      </div>
    );
  }
  return (
    <div id="signing-secret" class="space-y-2">
      <div class="text-xs font-medium text-slate-500">Signing secret</div>
      <CopyField value={props.secret.secret} label="Webhook signing secret" testid="signing-secret" secret />
      <div class="flex flex-wrap items-center justify-between gap-2 text-xs text-slate-500">
        <span>
          {props.secret.rotated_at ? <>Rotated <LocalTime at={props.secret.rotated_at} tz={props.tz} /></> : <>Created <LocalTime at={props.secret.created_at} tz={props.tz} /></>}
        </span>
        <form
          method="post"
          action="/integrations/webhook-secret/rotate"
          hx-post="/integrations/webhook-secret/rotate"
          hx-target="#signing-secret"
          hx-swap="outerHTML"
          hx-confirm="Rotate the signing secret? Receivers checking signatures must switch to the new secret at once."
        >
          <button type="submit" class="inline-flex items-center gap-1 rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-semibold text-navy hover:bg-slate-50 focus:outline-none focus:ring-2 focus:ring-teal/30" data-action="rotate-secret">
            <Icon name="refresh" class="h-3.5 w-3.5" /> Rotate secret
          </button>
        </form>
      </div>
    </div>
  );
}

export interface TestFormProps {
  processes?: Pick<Process, 'id' | 'name'>[];
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
  /** The delivery just queued. */
  queued?: number;
}

/** "Send test webhook": queues a signed test payload to any URL; the log below shows what happened. */
export function TestWebhookForm(props: TestFormProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  return (
    <form
      id="webhook-test"
      method="post"
      action="/integrations/webhook-test"
      hx-post="/integrations/webhook-test"
      hx-target="#webhook-test"
      hx-swap="outerHTML"
      class="space-y-2"
      novalidate
    >
      <FormError message={props.error} />
      <div class="flex flex-wrap items-end gap-2">
        {props.processes ? (
          <div>
            <label for="test-process" class="mb-1 block text-xs font-medium text-slate-500">Process</label>
            <select id="test-process" name="process_id" class={inputClass} {...invalid('test-process', e.process_id)}>
              <option value="">Choose…</option>
              {props.processes.map((p) => <option value={String(p.id)} selected={v.process_id === String(p.id)}>{p.name}</option>)}
            </select>
          </div>
        ) : null}
        <div class="min-w-64 flex-1">
          <label for="test-url" class="mb-1 block text-xs font-medium text-slate-500">Receiver URL</label>
          <input id="test-url" name="url" type="url" maxlength={500} required value={v.url ?? ''} placeholder="https://hooks.slack.com/services/…" class={inputClass} {...invalid('test-url', e.url)} />
        </div>
        <button type="submit" class={buttonPrimary} data-action="send-test">Send test webhook</button>
      </div>
      {e.url ? <p id="test-url-error" class="text-sm text-danger" data-field-error="url">{e.url}</p> : null}
      {e.process_id ? <p id="test-process-error" class="text-sm text-danger" data-field-error="process_id">{e.process_id}</p> : null}
      {props.queued ? <p class="text-sm text-teal" role="status" data-testid="test-queued">Test webhook #{props.queued} queued: it appears in the delivery log below.</p> : null}
    </form>
  );
}

export interface DeliveryListProps {
  actor: Actor;
  rows: DeliveryRow[];
  next: string | null;
  filters: DeliveryFilters;
  query: string;
}

/** One delivery; Retry swaps it in place. */
export function DeliveryRowView(props: { actor: Actor; row: DeliveryRow }) {
  const r = props.row;
  const tz = r.process_timezone ?? 'UTC';
  const retryable = (RETRYABLE_STATUSES as string[]).includes(r.status);
  return (
    <tr id={`delivery-${r.id}`} class="align-top hover:bg-slate-50" data-delivery={r.id} data-status={r.status}>
      <td class="whitespace-nowrap px-4 py-2.5 text-slate-500">
        <LocalTime at={r.created_at} tz={tz} />
        <div class="text-xs text-slate-500">#{r.id}</div>
      </td>
      {crossesProcesses(props.actor) ? <td class="px-4 py-2.5 text-slate-600">{r.process_name ?? '—'}</td> : null}
      <td class="whitespace-nowrap px-4 py-2.5 font-mono text-xs text-slate-600">{r.subject}</td>
      <td class="px-4 py-2.5 text-slate-700"><div class="max-w-64 truncate font-mono text-xs" title={r.to_address}>{r.to_address}</div></td>
      <td class="px-4 py-2.5">
        <OutboxStatusBadge status={r.status} />
        {r.status === 'retrying' ? <div class="mt-1 text-xs text-slate-500">next <LocalTime at={r.next_attempt_at} tz={tz} /></div> : null}
        {retryable ? (
          <form method="post" action={`/integrations/deliveries/${r.id}/retry`} hx-post={`/integrations/deliveries/${r.id}/retry`} hx-target="closest tr" hx-swap="outerHTML" class="mt-1.5">
            <button type="submit" class="inline-flex items-center gap-1 rounded-md border border-slate-300 bg-white px-2 py-0.5 text-xs font-semibold text-navy hover:bg-slate-50" data-action={`retry-${r.id}`}>
              <Icon name="refresh" class="h-3.5 w-3.5" /> Retry
            </button>
          </form>
        ) : null}
      </td>
      <td class="px-4 py-2.5 text-center text-slate-600">{r.attempts}</td>
      <td class="px-4 py-2.5 text-center font-mono text-xs" data-testid="response-code">
        {r.response_code ? <span class={r.response_code < 300 ? 'text-teal' : 'text-danger'}>{r.response_code}</span> : <span class="text-slate-300">—</span>}
      </td>
      <td class="max-w-64 px-4 py-2.5 text-xs text-danger">
        {r.last_error ? <span title={r.last_error} class="line-clamp-2 break-words">{truncate(r.last_error, 140)}</span> : <span class="text-slate-300">—</span>}
      </td>
    </tr>
  );
}

export function DeliveryList(props: DeliveryListProps) {
  if (props.rows.length === 0) {
    return (
      <EmptyState title={props.filters.status ? 'No deliveries with this status' : 'No webhooks sent yet'} icon="bolt">
        Webhooks from escalation tiers, automation rules and the test button appear here with their delivery status.
      </EmptyState>
    );
  }
  const older = `/integrations/deliveries?${props.query}${props.query ? '&' : ''}cursor=${props.next}`;
  return (
    <div>
      <div class="relative overflow-x-auto">
        <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="delivery-table">
          <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th class="px-4 py-2.5">Queued</th>
              {crossesProcesses(props.actor) ? <th class="px-4 py-2.5">Process</th> : null}
              <th class="px-4 py-2.5">Event</th>
              <th class="px-4 py-2.5">URL</th>
              <th class="px-4 py-2.5">Status</th>
              <th class="px-4 py-2.5 text-center">Attempts</th>
              <th class="px-4 py-2.5 text-center">Response</th>
              <th class="px-4 py-2.5">Last error</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100 bg-white">
            {props.rows.map((r) => <DeliveryRowView actor={props.actor} row={r} />)}
          </tbody>
        </table>
      </div>
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a href={older} hx-get={older} hx-target="#delivery-list" class="text-sm font-semibold text-teal hover:underline" data-testid="older-deliveries">Older →</a>
        </div>
      ) : null}
    </div>
  );
}

const STATUS_OPTIONS = [['', 'Any status'], ['queued', 'Queued'], ['retrying', 'Retrying'], ['sent', 'Delivered'], ['failed', 'Failed']] as const;

export function DeliveryFilter(props: { filters: DeliveryFilters }) {
  return (
    <form method="get" action="/integrations/deliveries" hx-get="/integrations/deliveries" hx-target="#delivery-list"
      hx-trigger="change, submit, deliveries:changed from:body, d2c:refresh from:body" class="flex items-center gap-2" role="search">
      <label for="delivery-status" class="text-xs font-medium text-slate-500">Status</label>
      <select id="delivery-status" name="status" class={`${inputClass} w-auto py-1`}>
        {STATUS_OPTIONS.map(([value, label]) => <option value={value} selected={(props.filters.status ?? '') === value}>{label}</option>)}
      </select>
      <noscript><button class="rounded-md bg-teal px-3 py-1 text-sm font-semibold text-white">Filter</button></noscript>
    </form>
  );
}

/** How a receiver checks a delivery. */
export function VerifyHelp() {
  return (
    <details class="text-sm text-slate-600">
      <summary class="cursor-pointer font-medium text-navy">How receivers verify a webhook</summary>
      <div class="mt-2 space-y-2">
        <p>
          Each webhook is a JSON <code>POST</code> with a Slack-compatible <code>text</code> plus structured fields, and the headers
          <code> {TIMESTAMP_HEADER}</code> (Unix seconds), <code>{SIGNATURE_HEADER}</code>, <code>X-D2C-Event</code> and
          <code> X-D2C-Delivery</code> (the same id on every retry of one webhook: use it to drop duplicates).
        </p>
        <p>
          Compute <code>HMAC-SHA256(secret, timestamp + "." + raw body)</code> in hex, compare it with the signature after
          <code> sha256=</code> in constant time, and refuse timestamps more than 5 minutes old.
        </p>
        <pre class="overflow-x-auto rounded-md bg-navy p-3 text-xs text-slate-100">{`const expected = 'sha256=' + crypto.createHmac('sha256', secret)
  .update(req.headers['x-d2c-timestamp'] + '.' + rawBody).digest('hex');`}</pre>
        <p>A 2xx answer counts as delivered; 408, 429, 5xx and network errors are retried with backoff (about an hour in all); other answers fail at once.</p>
      </div>
    </details>
  );
}
