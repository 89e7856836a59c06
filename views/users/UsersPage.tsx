import type { Process, Role } from '../../src/db/schema.js';
import type { RoleCounts } from '../../src/modules/users/queries.js';
import { ROLE_LABELS } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { buttonPrimary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { UserList, type UserListProps } from './UserList.js';

/** The role filter of Figure 5.2, in its order, with plural labels. */
export const ROLE_FILTERS: [Role, string][] = [
  ['super_admin', 'Super Admins'],
  ['admin', 'Admins'],
  ['manager', 'Managers'],
  ['operator', 'Operators'],
  ['client', 'Clients'],
  ['viewer', 'Viewers'],
];

function Filters(props: { list: UserListProps; counts: RoleCounts }) {
  const f = props.list.filters;
  return (
    <form
      method="get"
      action="/users"
      class="flex flex-wrap items-end gap-3 border-b border-slate-200 p-4"
      hx-get="/users"
      hx-target="#user-list"
      hx-push-url="true"
      hx-trigger="change, keyup changed delay:400ms from:#q, submit, users:changed from:body, d2c:refresh from:body"
      role="search"
    >
      <div>
        <label for="filter-role" class="mb-1 block text-xs font-medium text-slate-500">Role</label>
        <select id="filter-role" name="role" class={inputClass} data-testid="role-filter">
          <option value="">All Users ({props.counts.all})</option>
          {ROLE_FILTERS.map(([role, label]) => (
            <option value={role} selected={f.role === role}>{label} ({props.counts[role]})</option>
          ))}
        </select>
      </div>
      <div>
        <label for="filter-status" class="mb-1 block text-xs font-medium text-slate-500">Status</label>
        <select id="filter-status" name="status" class={inputClass}>
          <option value="">Any</option>
          <option value="active" selected={f.status === 'active'}>Active</option>
          <option value="inactive" selected={f.status === 'inactive'}>Inactive</option>
        </select>
      </div>
      <div class="min-w-48 flex-1">
        <label for="q" class="mb-1 block text-xs font-medium text-slate-500">Search</label>
        <input id="q" name="q" type="search" value={f.q ?? ''} maxlength={200} placeholder="Name or email…" class={inputClass} />
      </div>
      <noscript><button class={buttonPrimary}>Filter</button></noscript>
      <span class="htmx-indicator pb-2 text-xs text-slate-500">Loading…</span>
    </form>
  );
}

export function UsersPage(props: { shell: ShellProps; list: UserListProps; counts: RoleCounts }) {
  const { actor } = props.shell;
  const where = actor.role === 'super_admin' && !actor.viewProcessId ? 'every process' : 'your process';
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p class="text-sm text-slate-500">The people of {where}, newest first. Open a user to change their role, email or access.</p>
        <a href="/users/new" hx-get="/users/new" hx-target="#modal" class={buttonPrimary} data-testid="add-user">
          <Icon name="users" class="h-4 w-4" /> Add User
        </a>
      </div>
      <section class="rounded-xl border border-slate-200 bg-white shadow-sm">
        <Filters list={props.list} counts={props.counts} />
        <div id="user-list">
          <UserList {...props.list} />
        </div>
      </section>
      <div id="modal"></div>
    </AppShell>
  );
}

export interface UserFormProps {
  actor: Actor;
  roles: Role[];
  processes?: Pick<Process, 'id' | 'name'>[];
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

/** Add User: name, email, role, and the process for a super admin. */
export function UserCreateForm(props: UserFormProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  return (
    <form id="user-form" method="post" action="/users" hx-post="/users" hx-target="#user-form" hx-swap="outerHTML" class="space-y-4" novalidate>
      <FormError message={props.error ?? (Object.keys(e).length ? 'Please correct the fields below.' : undefined)} />
      <Field label="Name" name="name" error={e.name}>
        <input id="name" name="name" class={inputClass} maxlength={120} required autofocus value={v.name ?? ''} autocomplete="off"
          placeholder="e.g. Momo Operator" {...invalid('name', e.name)} />
      </Field>
      <Field label="Email" name="email" error={e.email}>
        <input id="email" name="email" type="email" class={inputClass} maxlength={254} required value={v.email ?? ''} autocomplete="off"
          {...invalid('email', e.email)} />
      </Field>
      <Field label="Role" name="role" error={e.role}>
        <select id="role" name="role" class={inputClass} {...invalid('role', e.role)}>
          {props.roles.map((r) => <option value={r} selected={(v.role ?? 'operator') === r}>{ROLE_LABELS[r]}</option>)}
        </select>
      </Field>
      {props.processes ? (
        <Field label="Process" name="process_id" error={e.process_id}>
          <select id="process_id" name="process_id" class={inputClass} required {...invalid('process_id', e.process_id)}>
            <option value="">Choose…</option>
            {props.processes.map((p) => <option value={String(p.id)} selected={v.process_id === String(p.id)}>{p.name}</option>)}
          </select>
        </Field>
      ) : null}
      <p class="text-xs text-slate-500">
        They receive a Welcome email with a link to choose their own password (single use, valid 72 hours). No password is sent by email.
      </p>
      <div class="flex justify-end gap-2">
        <button type="submit" class={buttonPrimary}>Add user <span class="htmx-indicator">…</span></button>
      </div>
    </form>
  );
}
