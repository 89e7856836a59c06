import { Document } from '../layout/Document.js';

export interface LoginPageProps {
  email?: string;
  next?: string;
  error?: string;
  fieldErrors?: Record<string, string>;
  notice?: string;
}

function FieldError(props: { id: string; message?: string }) {
  return props.message ? <p id={props.id} class="mt-1 text-sm text-danger">{props.message}</p> : null;
}

/** Sign-in as the original's Figure 8.1: D2C Telcare branding, "Enterprise Service Operations". */
export function LoginPage(props: LoginPageProps) {
  const fe = props.fieldErrors ?? {};
  return (
    <Document title="Sign in" bodyClass="h-full bg-navy antialiased">
      <main class="flex min-h-full items-center justify-center p-4">
        <div class="w-full max-w-md">
          <div class="mb-6 text-center text-white">
            <div class="mx-auto mb-3 flex h-14 w-14 items-center justify-center rounded-xl bg-teal text-lg font-bold">D2C</div>
            <h1 class="text-2xl font-semibold">D2C Telcare</h1>
            <p class="text-sm text-slate-300">Enterprise Service Operations</p>
          </div>
          <div class="rounded-xl bg-white p-6 shadow-xl sm:p-8">
            <h2 class="mb-1 text-lg font-semibold text-navy">Sign in to D2C OPs</h2>
            <p class="mb-5 text-sm text-slate-500">Use the account your operations team gave you.</p>
            {props.notice ? <div class="mb-4 rounded-md bg-teal/10 px-3 py-2 text-sm text-teal" role="status">{props.notice}</div> : null}
            {props.error ? <div class="mb-4 rounded-md bg-danger/10 px-3 py-2 text-sm text-danger" role="alert" data-testid="login-error">{props.error}</div> : null}
            <form method="post" action="/login" class="space-y-4" novalidate>
              <input type="hidden" name="next" value={props.next ?? ''} />
              <div>
                <label for="email" class="mb-1 block text-sm font-medium text-slate-700">Email</label>
                <input
                  id="email" name="email" type="email" autocomplete="username" required autofocus maxlength={254}
                  value={props.email ?? ''}
                  aria-invalid={fe.email ? 'true' : undefined}
                  aria-describedby={fe.email ? 'email-error' : undefined}
                  class="block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-teal focus:outline-none focus:ring-2 focus:ring-teal/30"
                />
                <FieldError id="email-error" message={fe.email} />
              </div>
              <div>
                <label for="password" class="mb-1 block text-sm font-medium text-slate-700">Password</label>
                <input
                  id="password" name="password" type="password" autocomplete="current-password" required
                  aria-invalid={fe.password ? 'true' : undefined}
                  aria-describedby={fe.password ? 'password-error' : undefined}
                  class="block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-teal focus:outline-none focus:ring-2 focus:ring-teal/30"
                />
                <FieldError id="password-error" message={fe.password} />
              </div>
              <button type="submit" class="w-full rounded-md bg-teal px-4 py-2.5 font-semibold text-white hover:bg-teal/90 focus:outline-none focus:ring-2 focus:ring-teal/40">
                Sign In
              </button>
            </form>
            <div class="mt-5 flex flex-wrap justify-between gap-2 text-sm">
              <a href="/forgot-password" class="text-teal hover:underline">Forgot password?</a>
              <a href="/register" class="text-teal hover:underline">Client stakeholder? Register</a>
            </div>
          </div>
          <p class="mt-6 text-center text-xs text-slate-400">D2C Telcare · D2C OPs Platform</p>
        </div>
      </main>
    </Document>
  );
}
