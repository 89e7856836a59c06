import type { PropsWithChildren } from 'hono/jsx';

/** The HTML document: head, assets served from our own origin (no CDN), and a toast area. */
export function Document(props: PropsWithChildren<{ title: string; bodyClass?: string }>) {
  return (
    <html lang="en" class="h-full">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"allowEval":false,"includeIndicatorStyles":false,"defaultSwapStyle":"innerHTML"}' />
        <title>{`${props.title} · D2C OPs`}</title>
        <link rel="icon" href="/public/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/public/app.css" />
        <script src="/vendor/htmx.min.js" defer></script>
        <script src="/public/app.js" defer></script>
        <script src="/vendor/alpine.min.js" defer></script>
      </head>
      <body class={props.bodyClass ?? 'h-full bg-slate-50 text-slate-800 antialiased'}>
        {props.children}
        <div id="toasts" class="pointer-events-none fixed bottom-4 right-4 z-50 flex flex-col gap-2" aria-live="polite"></div>
      </body>
    </html>
  );
}
