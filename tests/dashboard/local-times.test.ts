import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

/** A stand-in for the few DOM calls public/app.js makes, to run its localise() outside a browser. */
function runAppJs(elements: Record<string, { attrs: Record<string, string>; title?: string; textContent?: string; dataset?: Record<string, string> }[]>) {
  let ready: (() => void) | undefined;
  const root = {
    querySelectorAll: (sel: string) => (elements[sel] ?? []).map((e) => Object.assign(e, { getAttribute: (n: string) => e.attrs[n] ?? null, dataset: e.dataset ?? {} })),
    querySelector: () => null,
    addEventListener: (type: string, fn: () => void) => { if (type === 'DOMContentLoaded') ready = fn; },
  };
  new Function('document', 'window', 'setInterval', readFileSync('public/app.js', 'utf8'))(root, {}, () => 0);
  ready!();
}

/** The dashboard's "Opened …" tooltip names the instant in the viewer's zone, like every other time. */
describe.each(DIALECTS)('dashboard times on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('marks the opened-at tooltip for the browser to rewrite in the viewer zone', async () => {
    const html = await (await t.page(momo.viewer, '/')).text();
    const cell = /<td[^>]*title="Opened [^"]*"[^>]*>/.exec(html)?.[0] ?? '';
    expect(cell).toMatch(/data-local-title="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"/);
    expect(cell).toContain('data-title-prefix="Opened "');
  });

  it('app.js rewrites such a tooltip in the browser zone', () => {
    const at = '2026-05-09T06:26:00.000Z';
    const cell = { attrs: { 'data-local-title': at, 'data-title-prefix': 'Opened ' }, title: 'Opened 9 May 2026, 08:26' };
    runAppJs({ '[data-local-title]': [cell] });
    const expected = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(at));
    expect(cell.title).toBe(`Opened ${expected}`);
  });
});
