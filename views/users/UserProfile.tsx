import type { PropsWithChildren } from 'hono/jsx';
import type { Role } from '../../src/db/schema.js';
import type { UserRow } from '../../src/modules/users/queries.js';
import { ROLE_LABELS } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { buttonDanger, buttonPrimary, buttonSecondary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { LocalTime } from '../components/Time.js';
import { PasswordRules } from '../registration/AuthCard.js';
import { ActiveBadge, initials, RoleBadge } from './RoleBadge.js';

export type ProfileForm = 'role' | 'name' | 'email' | 'access' | 'welcome' | 'password';

export interface ProfileProps {
  actor: Actor;
  user: UserRow;
  /** admin: /users/:id (role, access, email, name); self: /profile (name, email, password). */
  mode: 'admin' | 'self';
  roles: Role[];
  /** A form that failed: its field messages (or one message) and what the user typed. */
  failed?: { form: ProfileForm; fields?: Record<string, string>; message?: string; values?: Record<string, string> };
}

function Card(props: PropsWithChildren<{ title: string; description?: string; testId?: string }>) {
  return (
    <section class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm" data-testid={props.testId}>
      <h2 class="font-semibold text-navy">{props.title}</h2>
      {props.description ? <p class="mt-0.5 text-sm text-slate-500">{props.description}</p> : null}
      <div class="mt-4">{props.children}</div>
    </section>
  );
}

function Fact(props: PropsWithChildren<{ label: string }>) {
  return (
    <div class="flex justify-between gap-3 py-2 text-sm">
      <dt class="text-slate-500">{props.label}</dt>
      <dd class="text-right font-medium text-slate-700">{props.children}</dd>
    </div>
  );
}

function Summary(props: { user: UserRow }) {
  const u = props.user;
  return (
    <section class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm" data-testid="profile-summary">
      <div class="flex items-center gap-3">
        <span class="flex h-14 w-14 shrink-0 items-center justify-center rounded-full bg-navy text-lg font-semibold text-white" aria-hidden="true">{initials(u.name)}</span>
        <div class="min-w-0">
          <p class="truncate text-lg font-semibold text-navy" data-testid="profile-name">{u.name}</p>
          <p class="truncate text-sm text-slate-500" data-testid="profile-email">{u.email}</p>
        </div>
      </div>
      <dl class="mt-4 divide-y divide-slate-100 border-t border-slate-100">
        <Fact label="Role"><RoleBadge role={u.role} /></Fact>
        <Fact label="Process">{u.process_name}</Fact>
        <Fact label="Status">
          <span data-testid="profile-status">{u.is_active ? (u.password_hash === null ? 'Invited (no password yet)' : 'Active') : 'Inactive'}</span>{' '}
          <ActiveBadge active={u.is_active} passwordSet={u.password_hash !== null} />
        </Fact>
        {u.phone ? <Fact label="Phone">{u.phone}</Fact> : null}
        <Fact label="Joined"><LocalTime at={u.created_at} tz={u.process_timezone} /></Fact>
        <Fact label="Last sign-in">{u.last_login_at ? <LocalTime at={u.last_login_at} tz={u.process_timezone} /> : <span class="text-slate-500">never</span>}</Fact>
      </dl>
    </section>
  );
}

const hx = (action: string) => ({
  method: 'post' as const,
  action,
  'hx-post': action,
  'hx-target': '#profile',
  'hx-swap': 'outerHTML',
});

function failedFor(props: ProfileProps, form: ProfileForm) {
  return props.failed?.form === form ? props.failed : undefined;
}

function NameForm(props: ProfileProps & { action: string }) {
  const failed = failedFor(props, 'name');
  const e = failed?.fields ?? {};
  const id = `name-${props.mode}`;
  return (
    <Card title="Name" description="How the name appears on incidents, handovers and emails." testId="name-card">
      <form {...hx(props.action)} class="flex flex-wrap items-start gap-2" novalidate data-testid="name-form">
        <div class="min-w-48 flex-1">
          <label for={id} class="sr-only">Name</label>
          <input id={id} name="name" class={inputClass} maxlength={120} required value={failed?.values?.name ?? props.user.name} {...invalid(id, e.name)} />
          {e.name ? <p id={`${id}-error`} class="mt-1 text-sm text-danger" data-field-error="name">{e.name}</p> : null}
        </div>
        <button type="submit" class={buttonSecondary}>Save name</button>
      </form>
    </Card>
  );
}

function EmailForm(props: ProfileProps & { action: string }) {
  const failed = failedFor(props, 'email');
  const e = failed?.fields ?? {};
  const self = props.mode === 'self';
  return (
    <Card title="Email address" description={self
      ? 'The address you sign in with. Both the old and the new address are told about the change.'
      : 'The address this user signs in with. Both the old and the new address are told about the change.'} testId="email-card">
      <form {...hx(props.action)} class="space-y-3" novalidate data-testid="email-form">
        <FormError message={failed?.message} />
        <Field label="New email" name="new_email" error={e.email}>
          <input id="new_email" name="email" type="email" class={inputClass} maxlength={254} required autocomplete="email"
            value={failed?.values?.email ?? props.user.email} {...invalid('new_email', e.email)} />
        </Field>
        {self ? (
          <Field label="Current password" name="email_current_password" error={e.current_password}>
            <input id="email_current_password" name="current_password" type="password" class={inputClass} autocomplete="current-password" required
              {...invalid('email_current_password', e.current_password)} />
          </Field>
        ) : null}
        <div class="flex justify-end"><button type="submit" class={buttonSecondary}>Change email</button></div>
      </form>
    </Card>
  );
}

function RoleForm(props: ProfileProps & { editable: boolean }) {
  const failed = failedFor(props, 'role');
  const e = failed?.fields ?? {};
  const u = props.user;
  const self = u.id === props.actor.userId;
  const options = props.roles.includes(u.role) ? props.roles : [u.role, ...props.roles];
  const disabled = !props.editable || self;
  return (
    <Card title="Role" description="What this user may see and do. A change takes effect on their next request (they sign in again)." testId="role-card">
      <form {...hx(`/users/${u.id}`)} class="flex flex-wrap items-start gap-2" novalidate data-testid="role-form">
        <div class="min-w-48 flex-1">
          <label for="role" class="sr-only">Role</label>
          <select id="role" name="role" class={inputClass} disabled={disabled} {...invalid('role', e.role ?? failed?.message)}>
            {options.map((r) => <option value={r} selected={(failed?.values?.role ?? u.role) === r}>{ROLE_LABELS[r]}</option>)}
          </select>
          {e.role || failed?.message ? <p id="role-error" class="mt-1 text-sm text-danger" role="alert" data-form-error>{e.role ?? failed?.message}</p> : null}
          {self ? <p class="mt-1 text-xs text-slate-500">You cannot change your own role.</p> : null}
          {!props.editable ? <p class="mt-1 text-xs text-slate-500">Only a super admin can change a super admin.</p> : null}
        </div>
        <button type="submit" class={buttonPrimary} disabled={disabled}>Save role</button>
      </form>
    </Card>
  );
}

function AccessForm(props: ProfileProps & { editable: boolean }) {
  const failed = failedFor(props, 'access');
  const u = props.user;
  const self = u.id === props.actor.userId;
  return (
    <Card title="Access" description={u.is_active
      ? 'Deactivating signs the user out at once; they cannot sign in until reactivated.'
      : 'This account cannot sign in. Reactivating lets it sign in again (self-registered clients are normally activated by approving their access request).'} testId="access-card">
      {failed?.message ? <p class="mb-3 text-sm text-danger" role="alert" data-form-error>{failed.message}</p> : null}
      {u.is_active ? (
        <form {...hx(`/users/${u.id}`)} hx-confirm={`Deactivate ${u.name}? They are signed out at once and cannot sign in until reactivated.`}>
          <input type="hidden" name="is_active" value="false" />
          <button type="submit" class={buttonDanger} disabled={!props.editable || self} data-action="deactivate">Deactivate user</button>
        </form>
      ) : (
        <form {...hx(`/users/${u.id}`)}>
          <input type="hidden" name="is_active" value="true" />
          <button type="submit" class={buttonPrimary} disabled={!props.editable} data-action="reactivate">Reactivate user</button>
        </form>
      )}
      {u.is_active && u.password_hash === null ? (
        <div class="mt-4 border-t border-slate-100 pt-4">
          <p class="mb-2 text-sm text-slate-600">{u.name} has not chosen a password yet. A new welcome link replaces the old one.</p>
          {failedFor(props, 'welcome')?.message ? <p class="mb-2 text-sm text-danger" role="alert">{failedFor(props, 'welcome')!.message}</p> : null}
          <form {...hx(`/users/${u.id}/welcome`)}>
            <button type="submit" class={buttonSecondary} disabled={!props.editable} data-action="resend-welcome">Resend welcome email</button>
          </form>
        </div>
      ) : null}
    </Card>
  );
}

function PasswordForm(props: ProfileProps) {
  const failed = failedFor(props, 'password');
  const e = failed?.fields ?? {};
  return (
    <Card title="Password" description="Changing your password signs out your other sessions." testId="password-card">
      <form {...hx('/profile/password')} class="space-y-3" novalidate x-data="{ pw: '' }" data-testid="password-form">
        <Field label="Current password" name="current_password" error={e.current_password}>
          <input id="current_password" name="current_password" type="password" autocomplete="current-password" required class={inputClass}
            {...invalid('current_password', e.current_password)} />
        </Field>
        <Field label="New password" name="new_password" error={e.new_password}>
          <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength={8} class={inputClass}
            x-model="pw" {...invalid('new_password', e.new_password)} />
        </Field>
        <PasswordRules />
        <Field label="Repeat the new password" name="confirm_password" error={e.confirm_password}>
          <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required class={inputClass}
            {...invalid('confirm_password', e.confirm_password)} />
        </Field>
        <div class="flex justify-end"><button type="submit" class={buttonPrimary}>Change password</button></div>
      </form>
    </Card>
  );
}

/** The profile of Figure 5.3: who the user is on the left, what can be changed on the right. */
export function UserProfile(props: ProfileProps) {
  const editable = props.actor.role === 'super_admin' || props.user.role !== 'super_admin';
  return (
    <div id="profile" class="grid gap-4 lg:grid-cols-3" data-testid="profile">
      <div class="space-y-4">
        <Summary user={props.user} />
      </div>
      <div class="space-y-4 lg:col-span-2">
        {props.mode === 'admin' ? (
          <>
            <RoleForm {...props} editable={editable} />
            <AccessForm {...props} editable={editable} />
            {editable ? <EmailForm {...props} action={`/users/${props.user.id}/email`} /> : null}
            {editable ? <NameForm {...props} action={`/users/${props.user.id}`} /> : null}
          </>
        ) : (
          <>
            <NameForm {...props} action="/profile" />
            <EmailForm {...props} action="/profile/email" />
            <PasswordForm {...props} />
          </>
        )}
      </div>
    </div>
  );
}
