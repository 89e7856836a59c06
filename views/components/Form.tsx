import type { PropsWithChildren } from 'hono/jsx';

export const inputClass =
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm focus:border-teal focus:outline-none focus:ring-2 focus:ring-teal/30 aria-[invalid=true]:border-danger';
export const buttonPrimary =
  'inline-flex items-center justify-center gap-1.5 rounded-md bg-teal px-4 py-2 text-sm font-semibold text-white hover:bg-teal/90 focus:outline-none focus:ring-2 focus:ring-teal/40 disabled:cursor-not-allowed disabled:opacity-50';
export const buttonSecondary =
  'inline-flex items-center justify-center gap-1.5 rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-navy hover:bg-slate-50 focus:outline-none focus:ring-2 focus:ring-teal/30 disabled:cursor-not-allowed disabled:opacity-50';
export const buttonDanger =
  'inline-flex items-center justify-center gap-1.5 rounded-md bg-danger px-4 py-2 text-sm font-semibold text-white hover:opacity-90 focus:outline-none focus:ring-2 focus:ring-danger/40 disabled:cursor-not-allowed disabled:opacity-50';

/** A labelled field with its error message, wired for screen readers. */
export function Field(props: PropsWithChildren<{ label: string; name: string; error?: string; hint?: string }>) {
  return (
    <div>
      <label for={props.name} class="mb-1 block text-sm font-medium text-slate-700">{props.label}</label>
      {props.children}
      {props.hint && !props.error ? <p class="mt-1 text-xs text-slate-500">{props.hint}</p> : null}
      {props.error ? <p id={`${props.name}-error`} class="mt-1 text-sm text-danger" data-field-error={props.name}>{props.error}</p> : null}
    </div>
  );
}

export function FormError(props: { message?: string }) {
  return props.message
    ? <div class="rounded-md bg-danger/10 px-3 py-2 text-sm text-danger" role="alert" data-form-error>{props.message}</div>
    : null;
}

/** aria attributes for an input with an optional error. */
export function invalid(name: string, error?: string) {
  return error ? { 'aria-invalid': 'true', 'aria-describedby': `${name}-error` } : {};
}

/**
 * Alpine x-init for a hidden `tz` input beside a datetime-local one: the browser's IANA zone, in
 * which the server reads the typed time (right on daylight-saving days too, unlike an offset).
 */
export const BROWSER_ZONE_INIT = '$el.value = Intl.DateTimeFormat().resolvedOptions().timeZone || $el.value';
