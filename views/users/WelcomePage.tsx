import { buttonPrimary, inputClass, invalid } from '../components/Form.js';
import { AuthCard, Notice, PasswordRules } from '../registration/AuthCard.js';

export interface WelcomePageProps {
  token: string;
  /** Null when the link is unknown, used or expired. */
  user: { name: string; email: string } | null;
  errors?: Record<string, string>;
}

/** The page behind the Welcome email's link: choose a password, once. */
export function WelcomePage(props: WelcomePageProps) {
  if (!props.user) {
    return (
      <AuthCard title="Link no longer valid" heading="This link no longer works">
        <p class="text-sm text-slate-600" data-testid="welcome-invalid">
          Set-password links work once and expire after 72 hours. If you already chose a password, sign in; otherwise ask your
          administrator to send a new welcome email, or use “Forgot password?” on the sign-in page.
        </p>
        <a href="/login" class={`${buttonPrimary} mt-5 w-full`}>Go to sign in</a>
      </AuthCard>
    );
  }
  const e = props.errors ?? {};
  return (
    <AuthCard title="Choose your password" heading={`Welcome, ${props.user.name}`}
      intro={`Choose the password for ${props.user.email}. This link works once.`}>
      <Notice kind="error" message={Object.keys(e).length ? 'Please correct the fields below.' : undefined} />
      <form method="post" action="/welcome" class="space-y-4" novalidate x-data="{ pw: '' }">
        <input type="hidden" name="token" value={props.token} />
        <input type="email" name="email" value={props.user.email} autocomplete="username" class="hidden" readonly aria-hidden="true" tabindex={-1} />
        <div>
          <label for="password" class="mb-1 block text-sm font-medium text-slate-700">New password</label>
          <input id="password" name="password" type="password" autocomplete="new-password" required autofocus minlength={8} class={inputClass}
            x-model="pw" {...invalid('password', e.password)} />
          {e.password ? <p id="password-error" class="mt-1 text-sm text-danger" data-field-error="password">{e.password}</p> : null}
        </div>
        <PasswordRules />
        <div>
          <label for="confirm_password" class="mb-1 block text-sm font-medium text-slate-700">Repeat the password</label>
          <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required class={inputClass}
            {...invalid('confirm_password', e.confirm_password)} />
          {e.confirm_password ? <p id="confirm_password-error" class="mt-1 text-sm text-danger" data-field-error="confirm_password">{e.confirm_password}</p> : null}
        </div>
        <button type="submit" class={`${buttonPrimary} w-full py-2.5`}>Set password</button>
      </form>
    </AuthCard>
  );
}

/** After the password is set. */
export function WelcomeDonePage(props: { email: string }) {
  return (
    <AuthCard title="Password set" heading="Your password is set">
      <Notice kind="info" message={`You can now sign in as ${props.email}.`} testId="welcome-done" />
      <a href="/login" class={`${buttonPrimary} w-full py-2.5`}>Sign in</a>
    </AuthCard>
  );
}
