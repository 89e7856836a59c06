import type { Process } from '../../src/db/schema.js';
import { can } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { buttonPrimary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { ApprovalList, type ApprovalListProps } from './ApprovalList.js';

export function ApprovalsPage(props: { shell: ShellProps; list: ApprovalListProps }) {
  const { actor } = props.shell;
  const all = can(actor.role, 'approvals.view_all');
  const where = actor.role === 'super_admin' && !actor.viewProcessId ? 'every process' : 'your process';
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p class="text-sm text-slate-500">
          {all
            ? `Change and access requests of ${where}. Managers and admins decide; nobody decides their own request.`
            : 'Your change and access requests. A manager or admin decides each one and you are emailed the decision.'}
        </p>
        {can(actor.role, 'approvals.submit') ? (
          <a href="/approvals/new" hx-get="/approvals/new" hx-target="#modal" class={buttonPrimary} data-testid="new-approval">
            <Icon name="check" class="h-4 w-4" /> New Request
          </a>
        ) : null}
      </div>
      <section class="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
        <div id="approval-list" hx-get="/approvals" hx-trigger="approvals:changed from:body, d2c:refresh from:body">
          <ApprovalList {...props.list} />
        </div>
      </section>
      <div id="modal"></div>
    </AppShell>
  );
}

export interface ApprovalFormProps {
  actor: Actor;
  processes?: Pick<Process, 'id' | 'name'>[];
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

export function ApprovalCreateForm(props: ApprovalFormProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  return (
    <form id="approval-form" method="post" action="/approvals" hx-post="/approvals" hx-target="#approval-form" hx-swap="outerHTML" class="space-y-4" novalidate>
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      {props.processes ? (
        <Field label="Process" name="process_id" error={e.process_id}>
          <select id="process_id" name="process_id" class={inputClass} required {...invalid('process_id', e.process_id)}>
            <option value="">Choose…</option>
            {props.processes.map((p) => <option value={String(p.id)} selected={v.process_id === String(p.id)}>{p.name}</option>)}
          </select>
        </Field>
      ) : null}
      <Field label="Type" name="type" error={e.type}>
        <select id="type" name="type" class={inputClass} {...invalid('type', e.type)}>
          <option value="change" selected={(v.type ?? 'change') === 'change'}>Change request</option>
          <option value="access" selected={v.type === 'access'}>Access request</option>
        </select>
      </Field>
      <Field label="Title" name="title" error={e.title}>
        <input id="title" name="title" class={inputClass} maxlength={200} required autofocus value={v.title ?? ''}
          placeholder="e.g. Deploy API gateway hotfix" {...invalid('title', e.title)} />
      </Field>
      <Field label="Details" name="details" error={e.details} hint="What, why, when, the expected impact and how to roll back.">
        <textarea id="details" name="details" rows={5} maxlength={10000} class={inputClass} {...invalid('details', e.details)}>{v.details ?? ''}</textarea>
      </Field>
      <p class="text-xs text-slate-500">The managers and admins of the process are emailed; you are emailed their decision.</p>
      <div class="flex justify-end gap-2">
        <button type="submit" class={buttonPrimary}>Submit request <span class="htmx-indicator">…</span></button>
      </div>
    </form>
  );
}
