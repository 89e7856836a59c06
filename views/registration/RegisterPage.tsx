import { buttonPrimary, buttonSecondary, inputClass, invalid } from '../components/Form.js';
import { AuthCard, Notice, PasswordRules } from './AuthCard.js';

export type Flow = 'register' | 'reset';
export type Step = 'details' | 'verify' | 'password' | 'done';

const STEPS: Record<Flow, [Exclude<Step, 'done'>, string][]> = {
  register: [['details', 'Details'], ['verify', 'Verify'], ['password', 'Password']],
  reset: [['details', 'Email'], ['verify', 'Code'], ['password', 'New password']],
};

const BASE: Record<Flow, string> = { register: '/register', reset: '/forgot-password' };

/** Details → Verify → Password, as Figures 8.2–8.3: done steps teal with a tick, the current one ringed. */
function Stepper(props: { flow: Flow; step: Step }) {
  const steps = STEPS[props.flow];
  const current = props.step === 'done' ? steps.length : steps.findIndex(([s]) => s === props.step);
  return (
    <ol class="mb-6 flex items-center" aria-label="Progress" data-testid="stepper">
      {steps.map(([key, label], i) => {
        const done = i < current;
        const here = i === current;
        return (
          <li class={`flex items-center ${i < steps.length - 1 ? 'flex-1' : ''}`} aria-current={here ? 'step' : undefined} data-step={key}>
            <div class="flex flex-col items-center gap-1">
              <span class={`flex h-8 w-8 items-center justify-center rounded-full text-sm font-semibold ${done ? 'bg-teal text-white' : here ? 'bg-white text-teal ring-2 ring-teal' : 'bg-slate-100 text-slate-600'}`}>
                {done ? '✓' : String(i + 1)}
              </span>
              <span class={`text-xs ${here ? 'font-semibold text-navy' : 'text-slate-500'}`}>{label}</span>
            </div>
            {i < steps.length - 1 ? <span class={`mx-2 mb-5 h-0.5 flex-1 ${done ? 'bg-teal' : 'bg-slate-200'}`} aria-hidden="true"></span> : null}
          </li>
        );
      })}
    </ol>
  );
}

function FieldError(props: { name: string; message?: string }) {
  return props.message ? <p id={`${props.name}-error`} class="mt-1 text-sm text-danger" data-field-error={props.name}>{props.message}</p> : null;
}

function Label(props: { for: string; text: string; optional?: boolean }) {
  return (
    <label for={props.for} class="mb-1 block text-sm font-medium text-slate-700">
      {props.text}{props.optional ? <span class="font-normal text-slate-500"> (optional)</span> : null}
    </label>
  );
}

export interface StepPageProps {
  flow: Flow;
  step: Step;
  processes?: { slug: string; name: string }[];
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
  notice?: string;
}

function DetailsForm(props: StepPageProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  if (props.flow === 'reset') {
    return (
      <form method="post" action="/forgot-password" class="space-y-4" novalidate>
        <div>
          <Label for="email" text="Email" />
          <input id="email" name="email" type="email" autocomplete="username" required autofocus maxlength={254} value={v.email ?? ''} class={inputClass} {...invalid('email', e.email)} />
          <FieldError name="email" message={e.email} />
        </div>
        <button type="submit" class={`${buttonPrimary} w-full py-2.5`}>Send code</button>
      </form>
    );
  }
  return (
    <form method="post" action="/register" class="space-y-4" novalidate>
      <div>
        <Label for="name" text="Full name" />
        <input id="name" name="name" autocomplete="name" required autofocus maxlength={120} value={v.name ?? ''} class={inputClass} {...invalid('name', e.name)} />
        <FieldError name="name" message={e.name} />
      </div>
      <div>
        <Label for="email" text="Work email" />
        <input id="email" name="email" type="email" autocomplete="email" required maxlength={254} value={v.email ?? ''} class={inputClass} {...invalid('email', e.email)} />
        <FieldError name="email" message={e.email} />
      </div>
      <div>
        <Label for="process_slug" text="Process" />
        <select id="process_slug" name="process_slug" required class={inputClass} {...invalid('process_slug', e.process_slug)}>
          <option value="">Choose your business process…</option>
          {(props.processes ?? []).map((p) => <option value={p.slug} selected={v.process_slug === p.slug}>{p.name}</option>)}
        </select>
        <FieldError name="process_slug" message={e.process_slug} />
      </div>
      <div>
        <Label for="phone" text="Phone" optional />
        <input id="phone" name="phone" type="tel" autocomplete="tel" maxlength={40} value={v.phone ?? ''} placeholder="+27 82 555 0100" class={inputClass} {...invalid('phone', e.phone)} />
        <FieldError name="phone" message={e.phone} />
      </div>
      <button type="submit" class={`${buttonPrimary} w-full py-2.5`}>Continue</button>
    </form>
  );
}

function VerifyForm(props: StepPageProps) {
  const e = props.errors ?? {};
  const email = props.values?.email ?? '';
  const base = BASE[props.flow];
  return (
    <div class="space-y-4">
      <p class="text-sm text-slate-600">
        {props.flow === 'register'
          ? <>We sent a 6-digit code to <strong class="text-navy">{email}</strong>. It expires in 15 minutes.</>
          : <>If <strong class="text-navy">{email}</strong> has an account, a 6-digit code is on its way. It expires in 15 minutes.</>}
      </p>
      <form method="post" action={`${base}/verify`} class="space-y-4" novalidate>
        <input type="hidden" name="email" value={email} />
        <div>
          <Label for="code" text="Verification code" />
          <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength={6} required autofocus
            placeholder="••••••" class={`${inputClass} text-center font-mono text-2xl tracking-[0.5em]`} {...invalid('code', e.code)} />
          <FieldError name="code" message={e.code} />
        </div>
        <button type="submit" class={`${buttonPrimary} w-full py-2.5`}>Verify</button>
      </form>
      <form method="post" action={`${base}/resend`} class="flex items-center justify-between gap-2 text-sm"
        x-data="{ left: 60 }" x-init="const t = setInterval(() => { if (left > 0) { left-- } else { clearInterval(t) } }, 1000)">
        <input type="hidden" name="email" value={email} />
        <span class="text-slate-500">Nothing arrived? Check spam, or</span>
        <button type="submit" class={buttonSecondary} x-bind:disabled="left > 0" data-testid="resend-code">
          <span x-text="left > 0 ? 'Resend code in ' + left + 's' : 'Resend code'">Resend code</span>
        </button>
      </form>
    </div>
  );
}

function PasswordForm(props: StepPageProps) {
  const e = props.errors ?? {};
  const v = props.values ?? {};
  const base = BASE[props.flow];
  return (
    <form method="post" action={props.flow === 'register' ? `${base}/password` : `${base}/reset`} class="space-y-4" novalidate x-data="{ pw: '' }">
      <input type="hidden" name="email" value={v.email ?? ''} />
      <input type="hidden" name="code" value={v.code ?? ''} />
      <input type="email" name="username" value={v.email ?? ''} autocomplete="username" class="hidden" readonly aria-hidden="true" tabindex={-1} />
      <div>
        <Label for="password" text={props.flow === 'register' ? 'Password' : 'New password'} />
        <input id="password" name="password" type="password" autocomplete="new-password" required autofocus minlength={8} class={inputClass}
          x-model="pw" {...invalid('password', e.password)} />
        <FieldError name="password" message={e.password} />
      </div>
      <PasswordRules />
      <div>
        <Label for="confirm_password" text="Repeat the password" />
        <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required class={inputClass}
          {...invalid('confirm_password', e.confirm_password)} />
        <FieldError name="confirm_password" message={e.confirm_password} />
      </div>
      <button type="submit" class={`${buttonPrimary} w-full py-2.5`}>{props.flow === 'register' ? 'Create account' : 'Reset password'}</button>
    </form>
  );
}

function Done(props: StepPageProps) {
  if (props.flow === 'register') {
    return (
      <div class="space-y-4" data-testid="registration-done">
        <Notice kind="info" message="Registration received. Your access request is with the operations team of your process." />
        <p class="text-sm text-slate-600">
          You will get an email as soon as a manager or admin approves it. Then sign in with <strong class="text-navy">{props.values?.email}</strong> and
          the password you just chose.
        </p>
        <a href="/login" class={`${buttonSecondary} w-full`}>Back to sign in</a>
      </div>
    );
  }
  return (
    <div class="space-y-4" data-testid="reset-done">
      <Notice kind="info" message="Your password has been reset, and every signed-in session was signed out." />
      <a href="/login" class={`${buttonPrimary} w-full py-2.5`}>Sign in</a>
    </div>
  );
}

const HEADINGS: Record<Flow, Record<Step, [string, string]>> = {
  register: {
    details: ['Stakeholder registration', 'Client stakeholders register here; the operations team approves each account.'],
    verify: ['Verify your email', 'Enter the code we emailed you.'],
    password: ['Choose a password', 'Your email is verified. Choose the password you will sign in with.'],
    done: ['Almost there', ''],
  },
  reset: {
    details: ['Forgot your password?', 'Enter the email you sign in with. We will email you a 6-digit code.'],
    verify: ['Enter the code', 'Enter the code we emailed you.'],
    password: ['Choose a new password', 'Choosing a new password signs out every session of your account.'],
    done: ['Password reset', ''],
  },
};

/** One page for every step of registration (Figures 8.2–8.3) and of password recovery. */
export function StepPage(props: StepPageProps) {
  const [heading, intro] = HEADINGS[props.flow][props.step];
  const title = props.flow === 'register' ? 'Register' : 'Reset password';
  return (
    <AuthCard title={title} heading={heading} intro={intro || undefined}>
      <Stepper flow={props.flow} step={props.step} />
      <Notice kind="info" message={props.notice} />
      <Notice kind="error" message={props.error ?? (props.errors && Object.keys(props.errors).length ? 'Please correct the fields below.' : undefined)} />
      {props.step === 'details' ? <DetailsForm {...props} /> : null}
      {props.step === 'verify' ? <VerifyForm {...props} /> : null}
      {props.step === 'password' ? <PasswordForm {...props} /> : null}
      {props.step === 'done' ? <Done {...props} /> : null}
      {props.step !== 'done' ? (
        <div class="mt-5 flex flex-wrap justify-between gap-2 text-sm">
          <a href="/login" class="text-teal hover:underline">← Back to sign in</a>
          {props.step !== 'details' ? <a href={BASE[props.flow]} class="text-teal hover:underline">Start over</a> : null}
        </div>
      ) : null}
    </AuthCard>
  );
}
