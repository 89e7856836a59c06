import type { PropsWithChildren } from 'hono/jsx';
import { Document } from '../layout/Document.js';

/** The signed-out frame of the sign-in page (Figure 8.1): navy page, D2C Telcare branding, a white card. */
export function AuthCard(props: PropsWithChildren<{ title: string; heading: string; intro?: string; wide?: boolean }>) {
  return (
    <Document title={props.title} bodyClass="h-full bg-navy antialiased">
      <main class="flex min-h-full items-center justify-center p-4">
        <div class={`w-full ${props.wide ? 'max-w-lg' : 'max-w-md'}`}>
          <div class="mb-6 text-center text-white">
            <div class="mx-auto mb-3 flex h-14 w-14 items-center justify-center rounded-xl bg-teal text-lg font-bold">D2C</div>
            <p class="text-2xl font-semibold">D2C Telcare</p>
            <p class="text-sm text-slate-300">Enterprise Service Operations</p>
          </div>
          <div class="rounded-xl bg-white p-6 shadow-xl sm:p-8">
            <h1 class="mb-1 text-lg font-semibold text-navy">{props.heading}</h1>
            {props.intro ? <p class="mb-5 text-sm text-slate-500">{props.intro}</p> : <div class="mb-4"></div>}
            {props.children}
          </div>
          <p class="mt-6 text-center text-xs text-slate-400">D2C Telcare · D2C OPs Platform</p>
        </div>
      </main>
    </Document>
  );
}

export function Notice(props: { kind: 'info' | 'error'; message?: string; testId?: string }) {
  if (!props.message) return null;
  return props.kind === 'error'
    ? <div class="mb-4 rounded-md bg-danger/10 px-3 py-2 text-sm text-danger" role="alert" data-testid={props.testId ?? 'form-error'}>{props.message}</div>
    : <div class="mb-4 rounded-md bg-teal/10 px-3 py-2 text-sm text-teal" role="status" data-testid={props.testId ?? 'notice'}>{props.message}</div>;
}

/** The password rules, checked live as the user types (Alpine), and enforced by the server. */
export function PasswordRules() {
  const rule = (test: string, text: string) => (
    <li class="flex items-center gap-2" x-bind:class={`(${test}) ? 'text-teal' : 'text-slate-500'`}>
      <span aria-hidden="true" x-text={`(${test}) ? '✓' : '•'`}>•</span> {text}
    </li>
  );
  return (
    <ul class="space-y-1 text-xs" aria-label="Password rules" data-testid="password-rules">
      {rule('pw.length >= 8', 'At least 8 characters')}
      {rule('/[A-Za-z]/.test(pw) && /[0-9]/.test(pw)', 'Letters and at least one digit')}
      {rule('new TextEncoder().encode(pw).length <= 72 && pw.length > 0', 'At most 72 bytes (about 72 plain letters)')}
    </ul>
  );
}
