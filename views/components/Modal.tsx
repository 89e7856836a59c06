import type { PropsWithChildren } from 'hono/jsx';
import { Icon } from './Icon.js';

/**
 * A dialog swapped into #modal by htmx. Escape, the backdrop and the close button remove it; focus
 * moves into it so keyboard users land on the form.
 */
export function Modal(props: PropsWithChildren<{ title: string; wide?: boolean }>) {
  return (
    <div
      data-modal
      class="fixed inset-0 z-50 flex items-start justify-center overflow-y-auto p-4 sm:p-8"
      x-data="{}"
      x-init="$nextTick(() => { const f = $el.querySelector('[autofocus], input, select, textarea, button:not([data-close])'); f && f.focus() })"
      {...{ 'x-on:keydown.escape.window': "$el.remove()" }}
    >
      <div class="fixed inset-0 bg-navy/50" x-on:click="$el.closest('[data-modal]').remove()"></div>
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="modal-title"
        class={`relative w-full ${props.wide ? 'max-w-3xl' : 'max-w-lg'} rounded-xl bg-white shadow-2xl`}
      >
        <div class="flex items-center justify-between border-b border-slate-200 px-5 py-3">
          <h2 id="modal-title" class="font-semibold text-navy">{props.title}</h2>
          <button type="button" data-close class="rounded p-1 text-slate-400 hover:bg-slate-100 hover:text-navy" aria-label="Close" x-on:click="$el.closest('[data-modal]').remove()">
            <Icon name="x" />
          </button>
        </div>
        <div class="p-5">{props.children}</div>
      </div>
    </div>
  );
}
