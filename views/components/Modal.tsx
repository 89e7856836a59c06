import type { PropsWithChildren } from 'hono/jsx';
import { Icon } from './Icon.js';

/**
 * A dialog swapped into #modal by htmx. Its behaviour is `d2cModal` in public/app.js: focus moves into
 * it (the `autofocus` field, else the first field of its form, else the dialog itself), Tab and
 * Shift+Tab stay inside, Escape, the backdrop and the close button remove it (Escape and the backdrop
 * ask first when a form in it has unsaved changes), and focus then goes back to what opened it.
 * A dialog showing one record names its address (`recordPath`): it takes that address in the browser
 * even when a form opened it (a create form answered with the new record).
 */
export function Modal(props: PropsWithChildren<{ title: string; wide?: boolean; recordPath?: string }>) {
  return (
    <div
      data-modal
      data-record-path={props.recordPath}
      // htmx keeps no snapshot of a page with a dialog open: Back or Forward must not bring a stale one back.
      hx-history="false"
      class="fixed inset-0 z-50 flex items-start justify-center overflow-y-auto p-4 sm:p-8"
      x-data="d2cModal"
      {...{ 'x-on:keydown.escape.window': 'close(true)', 'x-on:keydown.tab.window': 'trap($event)' }}
    >
      <div class="fixed inset-0 bg-navy/50" x-on:click="close(true)"></div>
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="modal-title"
        tabindex={-1}
        class={`relative w-full ${props.wide ? 'max-w-3xl' : 'max-w-lg'} rounded-xl bg-white shadow-2xl focus:outline-none`}
      >
        <div class="flex items-center justify-between border-b border-slate-200 px-5 py-3">
          <h2 id="modal-title" class="font-semibold text-navy">{props.title}</h2>
          <button type="button" data-close class="rounded p-1 text-slate-400 hover:bg-slate-100 hover:text-navy focus:outline-none focus:ring-2 focus:ring-teal/40" aria-label="Close" x-on:click="close()">
            <Icon name="x" />
          </button>
        </div>
        <div class="p-5">{props.children}</div>
      </div>
    </div>
  );
}
