import { raw } from 'hono/html';
import type { PropsWithChildren } from 'hono/jsx';

/** Forms re-render on 422 (field messages) and 409 (conflicts); other errors raise a toast. */
const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  includeIndicatorStyles: false,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '409|422', swap: true, error: false },
    { code: '[45]..', swap: false, error: true },
  ],
});

/**
 * Static text outside ASCII is written as entities in the pages' frame: Node writes a string that is
 * all ASCII to the socket as it is, while one "·" makes it encode the whole page character by
 * character (a page of the incident list: 1.7 against 21-38 µs, and twice that for "—" or "…").
 */
const TITLE_SUFFIX = raw(' &middot; D2C OPs');

/** The HTML document: head, assets served from our own origin (no CDN), and a toast area. */
export function Document(props: PropsWithChildren<{ title: string; bodyClass?: string }>) {
  return (
    <html lang="en" class="h-full">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{props.title}{TITLE_SUFFIX}</title>
        <link rel="icon" href="/public/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/public/app.css" />
        <script src="/vendor/htmx.min.js" defer></script>
        <script src="/public/app.js" defer></script>
        <script src="/vendor/alpine.min.js" defer></script>
      </head>
      <body class={props.bodyClass ?? 'h-full bg-slate-50 text-slate-800 antialiased'} hx-indicator="#page-loading">
        <div id="page-loading" class="htmx-indicator pointer-events-none fixed inset-x-0 top-0 z-[60] h-0.5 bg-teal-light" aria-hidden="true"></div>
        {props.children}
        <div id="toasts" class="pointer-events-none fixed bottom-4 right-4 z-50 flex flex-col gap-2" aria-live="polite"></div>
      </body>
    </html>
  );
}
