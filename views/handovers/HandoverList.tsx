import type { HandoverRow } from '../../src/modules/handovers/queries.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { Badge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { buttonPrimary } from '../components/Form.js';
import { LocalTime } from '../components/Time.js';

export interface HandoverListProps {
  actor: Actor;
  rows: HandoverRow[];
  next: string | null;
  now: Date;
  /** An acknowledgement that failed, shown on its card. */
  failed?: { id: number; message: string };
}

function Block(props: { label: string; text: string | null; testid: string }) {
  return (
    <div>
      <div class="text-xs font-semibold uppercase tracking-wide text-slate-500">{props.label}</div>
      <p class="mt-0.5 whitespace-pre-wrap break-words text-sm text-slate-700" data-testid={props.testid}>{props.text || '—'}</p>
    </div>
  );
}

function HandoverCard(props: { h: HandoverRow; actor: Actor; failed?: HandoverListProps['failed'] }) {
  const { h, actor } = props;
  const acknowledged = h.acknowledged_at !== null;
  const forMe = h.recipient_id === actor.userId;
  const failed = props.failed?.id === h.id ? props.failed : undefined;
  return (
    <li id={`handover-${h.id}`} class={`p-4 target:bg-teal/5 ${!acknowledged && forMe ? 'bg-amber/5' : ''}`} data-handover={h.id} data-status={acknowledged ? 'acknowledged' : 'pending'}>
      <div class="flex flex-wrap items-start justify-between gap-3">
        <div class="min-w-0">
          <div class="flex flex-wrap items-center gap-2">
            <h3 class="break-words font-semibold text-navy" data-testid="handover-shift">{h.shift}</h3>
            {acknowledged ? <Badge tone="teal">Acknowledged</Badge> : <Badge tone="amber">Pending</Badge>}
            <span class="text-xs text-slate-500">#{h.id}{crossesProcesses(actor) ? ` · ${h.process_name}` : ''}</span>
          </div>
          <p class="mt-1 text-sm text-slate-600">
            <span class="font-medium text-slate-800">{h.submitter_name}</span>
            <span class="px-1 text-slate-500" aria-hidden="true">→</span>
            <span class="sr-only"> handed to </span>
            <span class="font-medium text-slate-800">{h.recipient_name}</span>
            <span class="text-slate-500"> · </span>
            <LocalTime at={h.handover_time} tz={h.process_timezone} />
          </p>
        </div>
        <div class="text-right text-xs text-slate-500">
          {acknowledged
            ? <>Acknowledged <LocalTime at={h.acknowledged_at!} tz={h.process_timezone} /></>
            : forMe
              ? (
                <form method="post" action={`/handovers/${h.id}`} hx-post={`/handovers/${h.id}`} hx-target="#handover-list" hx-swap="innerHTML">
                  <input type="hidden" name="acknowledged" value="true" />
                  <button type="submit" class={buttonPrimary} data-action="acknowledge">Acknowledge</button>
                </form>
              )
              : <>Waiting for {h.recipient_name}</>}
        </div>
      </div>
      {failed ? <p class="mt-2 text-sm text-danger" role="alert" data-form-error>{failed.message}</p> : null}
      <div class="mt-3 grid gap-3 md:grid-cols-3">
        <Block label="Open incidents" text={h.open_incidents} testid="handover-open-incidents" />
        <Block label="Actions taken" text={h.actions_taken} testid="handover-actions" />
        <Block label="Notes" text={h.notes} testid="handover-notes" />
      </div>
    </li>
  );
}

/** Handovers, newest first, with Pending / Acknowledged badges; swapped by htmx. */
export function HandoverList(props: HandoverListProps) {
  if (props.rows.length === 0) {
    return (
      <EmptyState title="No handovers yet" icon="swap">
        At the end of a shift, hand it over to a colleague with the open incidents and what you did; they acknowledge it.
      </EmptyState>
    );
  }
  return (
    <div>
      <ul class="divide-y divide-slate-100" data-testid="handover-list">
        {props.rows.map((h) => <HandoverCard h={h} actor={props.actor} failed={props.failed} />)}
      </ul>
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a href={`/handovers?cursor=${props.next}`} hx-get={`/handovers?cursor=${props.next}`} hx-target="#handover-list" hx-push-url="true"
            class="text-sm font-semibold text-teal hover:underline">
            Older handovers →
          </a>
        </div>
      ) : null}
    </div>
  );
}
