import { Document } from '../layout/Document.js';

/** A plain page for 403/404 when no shell can be drawn (or inside one, via ErrorPanel). */
export function ErrorPanel(props: { status: number; message: string }) {
  const title = props.status === 404 ? 'Not found' : props.status === 403 ? 'No access' : 'Something went wrong';
  return (
    <div class="mx-auto mt-16 max-w-md rounded-xl border border-slate-200 bg-white p-8 text-center shadow-sm" role="alert">
      <div class="text-4xl font-bold text-navy">{props.status}</div>
      <h2 class="mt-2 text-lg font-semibold text-navy">{title}</h2>
      <p class="mt-2 text-sm text-slate-600">{props.message}</p>
      <a href="/" class="mt-6 inline-block rounded-md bg-teal px-4 py-2 text-sm font-semibold text-white hover:bg-teal/90">Back to the dashboard</a>
    </div>
  );
}

export function ErrorPage(props: { status: number; message: string }) {
  return (
    <Document title={String(props.status)}>
      <main class="p-4"><ErrorPanel {...props} /></main>
    </Document>
  );
}
