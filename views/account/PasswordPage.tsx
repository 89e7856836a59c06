import { buttonPrimary, Field, FormError, inputClass, invalid } from '../components/Form.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';

export function PasswordPage(props: { shell: ShellProps; required: boolean; errors?: Record<string, string> }) {
  const e = props.errors ?? {};
  return (
    <AppShell {...props.shell}>
      <div class="mx-auto max-w-md rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        {props.required ? (
          <div class="mb-4 rounded-md bg-amber/10 px-3 py-2 text-sm text-amber-dark" role="status">
            This account still has its default password. Choose your own to continue.
          </div>
        ) : null}
        <form method="post" action="/account/password" class="space-y-4" novalidate>
          <FormError message={Object.keys(e).length ? 'Please correct the fields below.' : undefined} />
          <Field label="Current password" name="current_password" error={e.current_password}>
            <input id="current_password" name="current_password" type="password" autocomplete="current-password" required autofocus class={inputClass} {...invalid('current_password', e.current_password)} />
          </Field>
          <Field label="New password" name="new_password" error={e.new_password} hint="At least 8 characters with letters and a digit; at most 72 bytes.">
            <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength={8} class={inputClass} {...invalid('new_password', e.new_password)} />
          </Field>
          <Field label="Repeat the new password" name="confirm_password" error={e.confirm_password}>
            <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required class={inputClass} {...invalid('confirm_password', e.confirm_password)} />
          </Field>
          <p class="text-xs text-slate-500">Changing your password signs out your other sessions.</p>
          <div class="flex justify-end"><button type="submit" class={buttonPrimary}>Change password</button></div>
        </form>
      </div>
    </AppShell>
  );
}
