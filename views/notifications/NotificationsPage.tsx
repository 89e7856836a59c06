import type { Process } from '../../src/db/schema.js';
import type { Direction, NotificationRow } from '../../src/modules/notifications/queries.js';
import type { Actor } from '../../src/tenancy.js';
import { Badge } from '../components/Badge.js';
import { buttonPrimary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { LocalTime } from '../components/Time.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { DirectionBadge, NotificationList, type NotificationListProps } from './NotificationList.js';

const TABS: [string, string][] = [['', 'All'], ['ops_to_client', 'To Client'], ['client_to_ops', 'From Client']];

export function sendLabel(direction: Direction): string {
  return direction === 'ops_to_client' ? 'Send Notification' : 'Message the ops team';
}

export function NotificationsPage(props: { shell: ShellProps; list: NotificationListProps; direction: Direction | null }) {
  const { actor } = props.shell;
  const client = actor.role === 'client';
  const where = actor.role === 'super_admin' && !actor.viewProcessId ? 'every process' : 'your process';
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p class="text-sm text-slate-500">
          {client
            ? 'Messages from the operations team of your process, and your messages to them.'
            : `Messages between the operations team and the client stakeholders of ${where}. Bounces are recipients the mail server refused.`}
        </p>
        {props.direction ? (
          <a href="/notifications/new" hx-get="/notifications/new" hx-target="#modal" class={buttonPrimary} data-testid="send-notification">
            <Icon name="mail" class="h-4 w-4" /> {sendLabel(props.direction)}
          </a>
        ) : null}
      </div>
      <section class="rounded-xl border border-slate-200 bg-white shadow-sm">
        {client ? null : (
          <form id="notification-filters" method="get" action="/notifications" class="flex flex-wrap items-end gap-3 border-b border-slate-200 p-4"
            hx-get="/notifications" hx-target="#notification-list" hx-push-url="true" hx-trigger="change, submit">
            <div>
              <label for="direction" class="mb-1 block text-xs font-medium text-slate-500">Direction</label>
              <select id="direction" name="direction" class={inputClass}>
                {TABS.map(([v, label]) => <option value={v} selected={(props.list.filters.direction ?? '') === v}>{label}</option>)}
              </select>
            </div>
            <noscript><button class={buttonPrimary}>Filter</button></noscript>
          </form>
        )}
        <div id="notification-list" hx-get="/notifications" hx-include={client ? undefined : '#notification-filters'}
          hx-trigger="notifications:changed from:body, d2c:refresh from:body, every 30s">
          <NotificationList {...props.list} />
        </div>
      </section>
      <div id="modal"></div>
    </AppShell>
  );
}

export interface NotificationFormProps {
  actor: Actor;
  direction: Direction;
  /** How many people the message goes to (in the process the form sends to), when known. */
  audience?: number;
  processes?: Pick<Process, 'id' | 'name'>[];
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

/** The send modal of Figure 6.9b, with its warning. */
export function NotificationForm(props: NotificationFormProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  const toClients = props.direction === 'ops_to_client';
  const count = props.audience === undefined ? '' : ` (${props.audience} ${toClients ? (props.audience === 1 ? 'stakeholder' : 'stakeholders') : (props.audience === 1 ? 'person' : 'people')})`;
  return (
    <form id="notification-form" method="post" action="/notifications" hx-post="/notifications" hx-target="#notification-form" hx-swap="outerHTML"
      class="space-y-4" novalidate>
      <div class="flex gap-2 rounded-md bg-amber/10 px-3 py-2 text-sm text-amber-dark" role="note" data-testid="send-warning">
        <Icon name="alert" class="mt-0.5 h-4 w-4 shrink-0" />
        <span>
          {toClients
            ? `This will send an email to all client stakeholders in your process${count}.`
            : `This will send an email to the managers and admins of your process${count}.`}
        </span>
      </div>
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      {props.processes ? (
        <Field label="Process" name="process_id" error={e.process_id}>
          <select id="process_id" name="process_id" class={inputClass} required {...invalid('process_id', e.process_id)}>
            <option value="">Choose…</option>
            {props.processes.map((p) => <option value={String(p.id)} selected={v.process_id === String(p.id)}>{p.name}</option>)}
          </select>
        </Field>
      ) : null}
      <Field label="Subject" name="subject" error={e.subject}>
        <input id="subject" name="subject" class={inputClass} maxlength={200} required autofocus value={v.subject ?? ''}
          placeholder={toClients ? 'e.g. Planned maintenance: Sunday 02:00-04:00' : 'e.g. Customers report failed payments'} {...invalid('subject', e.subject)} />
      </Field>
      <Field label="Message" name="message" error={e.message}>
        <textarea id="message" name="message" rows={6} maxlength={10000} required class={inputClass} {...invalid('message', e.message)}>{v.message ?? ''}</textarea>
      </Field>
      <div class="flex justify-end gap-2">
        <button type="submit" class={buttonPrimary}>Send <span class="htmx-indicator">…</span></button>
      </div>
    </form>
  );
}

export interface DeliveryRow {
  id: number;
  to_address: string;
  status: string;
  sent_at: Date | null;
  last_error: string | null;
}

const DELIVERY_TONE: Record<string, 'teal' | 'danger' | 'amber' | 'slate'> = { sent: 'teal', bounced: 'danger', failed: 'danger' };
const DELIVERY_LABEL: Record<string, string> = {
  queued: 'queued', sending: 'sending', retrying: 'retrying', sent: 'delivered', bounced: 'bounced', failed: 'failed',
};

/** One notification: its message and, for staff, what became of each recipient's email. */
export function NotificationDetail(props: { n: NotificationRow; deliveries: DeliveryRow[] | null }) {
  const { n } = props;
  return (
    <article class="space-y-4" data-testid="notification-detail">
      <div class="flex flex-wrap items-center gap-2 text-sm text-slate-500">
        <DirectionBadge direction={n.direction} />
        <span>by {n.sender_name ?? 'the system'}</span>
        <span>·</span>
        <LocalTime at={n.sent_at} tz={n.process_timezone} />
        <span>·</span>
        <span>{n.process_name}</span>
      </div>
      <h3 class="break-words text-lg font-semibold text-navy">{n.subject}</h3>
      <p class="whitespace-pre-wrap break-words text-sm text-slate-700" data-testid="notification-message">{n.message}</p>
      {props.deliveries ? (
        <div>
          <h4 class="mb-2 text-sm font-semibold text-navy">Delivery</h4>
          {props.deliveries.length === 0 ? (
            <p class="text-sm text-slate-500">Sent before delivery tracking: {n.recipients} recipients, {n.bounces} bounces.</p>
          ) : (
            <ul class="divide-y divide-slate-100 rounded-md border border-slate-200 text-sm" data-testid="deliveries">
              {props.deliveries.map((d) => (
                <li class="flex flex-wrap items-center justify-between gap-2 px-3 py-2">
                  <span class="break-all text-slate-700">{d.to_address}</span>
                  <span class="flex items-center gap-2">
                    <Badge tone={DELIVERY_TONE[d.status] ?? 'amber'} title={d.last_error ?? undefined}>{DELIVERY_LABEL[d.status] ?? d.status}</Badge>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </article>
  );
}
