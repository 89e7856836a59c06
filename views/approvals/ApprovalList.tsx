import type { ApprovalRow } from '../../src/modules/approvals/queries.js';
import { can } from '../../src/roles.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { Badge, StatusBadge } from '../components/Badge.js';
import { EmptyState } from '../components/EmptyState.js';
import { buttonDanger, buttonPrimary, inputClass, invalid } from '../components/Form.js';
import { LocalTime, RelativeTime } from '../components/Time.js';

export interface ApprovalListProps {
  actor: Actor;
  pending: ApprovalRow[];
  /** More pending requests exist than are shown. */
  pendingMore: boolean;
  decided: ApprovalRow[];
  next: string | null;
  now: Date;
  /** A decision that failed, shown on its card with the note the user typed. */
  failed?: { id: number; message: string; note?: string };
}

const TYPE_LABEL: Record<string, string> = { change: 'Change', access: 'Access' };

function TypeBadge(props: { type: string }) {
  return <Badge tone={props.type === 'access' ? 'navy' : 'sky'}>{TYPE_LABEL[props.type] ?? props.type}</Badge>;
}

function Header(props: { a: ApprovalRow; actor: Actor }) {
  const { a } = props;
  return (
    <div class="min-w-0">
      <div class="flex flex-wrap items-center gap-2">
        <TypeBadge type={a.type} />
        <StatusBadge status={a.status} />
        <span class="text-xs text-slate-500">#{a.id}{crossesProcesses(props.actor) ? ` · ${a.process_name}` : ''}</span>
      </div>
      <h3 class="mt-1.5 break-words font-semibold text-navy" data-testid="approval-title">{a.title}</h3>
      {a.details ? <p class="mt-1 whitespace-pre-wrap break-words text-sm text-slate-600">{a.details}</p> : null}
    </div>
  );
}

/** Approve (with an optional note) and Reject (asks first, sends the same note) for one request. */
function DecideForms(props: { a: ApprovalRow; failed?: ApprovalListProps['failed'] }) {
  const { a } = props;
  const failed = props.failed?.id === a.id ? props.failed : undefined;
  const noteId = `note-${a.id}`;
  const hx = {
    method: 'post' as const,
    action: `/approvals/${a.id}`,
    'hx-post': `/approvals/${a.id}`,
    'hx-target': '#approval-list',
    'hx-swap': 'innerHTML',
  };
  return (
    <div class="mt-3 space-y-1">
      <div class="flex flex-wrap items-start gap-2">
        <form {...hx} class="flex min-w-0 flex-1 flex-wrap gap-2" data-testid="approve-form">
          <input type="hidden" name="status" value="approved" />
          <div class="min-w-48 flex-1">
            <label for={noteId} class="sr-only">Note (optional)</label>
            {/* The note serves both decisions: Enter in it must not approve what the manager may be
                typing a rejection for, so only the buttons decide. */}
            <input id={noteId} name="note" maxlength={2000} placeholder="Note (optional)" value={failed?.note ?? ''} class={inputClass}
              {...invalid(noteId, failed?.message)} {...{ 'x-on:keydown.enter.prevent': '' }} />
          </div>
          <button type="submit" class={buttonPrimary} data-action="approve">Approve</button>
        </form>
        <form {...hx} hx-include={`#${noteId}`} hx-confirm={`Reject “${a.title}”? The submitter is told by email.`} data-testid="reject-form">
          <input type="hidden" name="status" value="rejected" />
          <button type="submit" class={buttonDanger} data-action="reject">Reject</button>
        </form>
      </div>
      {failed ? <p id={`${noteId}-error`} class="text-sm text-danger" role="alert" data-form-error>{failed.message}</p> : null}
    </div>
  );
}

function PendingCard(props: { a: ApprovalRow; actor: Actor; now: Date; failed?: ApprovalListProps['failed'] }) {
  const { a, actor } = props;
  const mayDecide = can(actor.role, 'approvals.decide');
  const own = a.submitted_by === actor.userId;
  return (
    <li id={`approval-${a.id}`} class="p-4 target:bg-teal/5" data-approval={a.id} data-status={a.status}>
      <Header a={a} actor={actor} />
      <p class="mt-1.5 text-xs text-slate-500">
        Submitted by <span class="font-medium text-slate-700">{a.submitter_name}</span> · <RelativeTime at={a.submitted_at} now={props.now} tz={a.process_timezone} />
      </p>
      {mayDecide && !own ? <DecideForms a={a} failed={props.failed} /> : null}
      {mayDecide && own ? <p class="mt-2 text-xs italic text-slate-500">Your own request: another manager or admin decides it.</p> : null}
      {!mayDecide ? <p class="mt-2 text-xs text-slate-500">Waiting for a manager or admin.</p> : null}
    </li>
  );
}

function DecidedCard(props: { a: ApprovalRow; actor: Actor }) {
  const { a } = props;
  return (
    <li id={`approval-${a.id}`} class="p-4 target:bg-teal/5" data-approval={a.id} data-status={a.status}>
      <Header a={a} actor={props.actor} />
      <p class="mt-1.5 text-xs text-slate-500">
        Submitted by <span class="font-medium text-slate-700">{a.submitter_name}</span> · <LocalTime at={a.submitted_at} tz={a.process_timezone} />
      </p>
      <div class={`mt-2 rounded-md px-3 py-2 text-sm ${a.status === 'approved' ? 'bg-teal/5' : 'bg-danger/5'}`} data-testid="decision">
        <span class={`font-semibold ${a.status === 'approved' ? 'text-teal' : 'text-danger'}`}>{a.status === 'approved' ? 'Approved' : 'Rejected'}</span>
        {' by '}<span class="font-medium text-navy">{a.reviewer_name ?? 'someone'}</span>
        {a.reviewed_at ? <> · <LocalTime at={a.reviewed_at} tz={a.process_timezone} /></> : null}
        {a.note ? <p class="mt-1 whitespace-pre-wrap break-words text-slate-600" data-testid="decision-note">{a.note}</p> : null}
      </div>
    </li>
  );
}

/** Pending requests first (with the decision buttons), decided ones below; swapped by htmx. */
export function ApprovalList(props: ApprovalListProps) {
  const { actor } = props;
  if (props.pending.length === 0 && props.decided.length === 0 && !props.next) {
    return (
      <EmptyState title="No requests yet" icon="check">
        {can(actor.role, 'approvals.view_all')
          ? 'Change and access requests of your process appear here for a manager or admin to decide.'
          : 'Submit a change or access request and a manager or admin decides it; you are emailed the decision.'}
      </EmptyState>
    );
  }
  return (
    <div>
      <section aria-labelledby="pending-heading" data-testid="pending-approvals">
        <h2 id="pending-heading" class="flex items-center gap-2 border-b border-slate-200 bg-slate-50 px-4 py-2.5 text-xs font-semibold uppercase tracking-wide text-slate-500">
          Pending <span class="rounded-full bg-amber/15 px-2 text-amber-dark">{props.pending.length}{props.pendingMore ? '+' : ''}</span>
        </h2>
        {props.pending.length === 0
          ? <p class="px-4 py-6 text-center text-sm text-slate-500">No requests waiting for a decision.</p>
          : (
            <ul class="divide-y divide-slate-100">
              {props.pending.map((a) => <PendingCard a={a} actor={actor} now={props.now} failed={props.failed} />)}
            </ul>
          )}
        {props.pendingMore ? <p class="border-t border-slate-100 px-4 py-2 text-xs text-slate-500">Showing the newest {props.pending.length} pending requests.</p> : null}
      </section>
      <section aria-labelledby="decided-heading" data-testid="decided-approvals">
        <h2 id="decided-heading" class="border-y border-slate-200 bg-slate-50 px-4 py-2.5 text-xs font-semibold uppercase tracking-wide text-slate-500">
          Decided
        </h2>
        {props.decided.length === 0
          ? <p class="px-4 py-6 text-center text-sm text-slate-500">Nothing decided yet.</p>
          : (
            <ul class="divide-y divide-slate-100">
              {props.decided.map((a) => <DecidedCard a={a} actor={actor} />)}
            </ul>
          )}
        {props.next ? (
          <div class="border-t border-slate-200 px-4 py-3 text-center">
            <a href={`/approvals?cursor=${props.next}`} hx-get={`/approvals?cursor=${props.next}`} hx-target="#approval-list" hx-push-url="true"
              class="text-sm font-semibold text-teal hover:underline">
              Older requests →
            </a>
          </div>
        ) : null}
      </section>
    </div>
  );
}
