import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, type AppServer } from '../helpers/app-server.js';
import { productionDemoToken, ROOT, startServerOnTestDb, type ServerOnTestDb } from '../helpers/compiled-server.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * The production build: TypeScript compiled to dist/ and run by plain node, as the Dockerfile and
 * `npm start` do. Everything that reads files relative to the code (vendor scripts, PDF fonts) must
 * find them from dist/ too, and SIGTERM must drain and exit cleanly.
 */

beforeAll(() => buildDist(ROOT), 120_000);

async function get(server: AppServer, path: string, headers: Record<string, string> = {}) {
  return fetch(`http://127.0.0.1:${server.port}${path}`, { headers, redirect: 'manual' });
}

describe.each(DIALECTS)('the compiled server (%s)', (dialect) => {
  let running: ServerOnTestDb;
  let server: AppServer;

  beforeAll(async () => {
    running = await startServerOnTestDb(dialect, { migrate: false, env: { SEED_DEMO: 'on' } });
    server = running.server;
  }, 120_000);

  afterAll(async () => running?.close());

  it('migrates, seeds and answers health checks', async () => {
    expect(await (await get(server, '/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await get(server, '/readyz')).json()).toMatchObject({ status: 'ready', database: dialect });
  });

  it('serves the sign-in page with its stylesheet and the vendored scripts from node_modules', async () => {
    const page = await get(server, '/login');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('href="/public/app.css"');
    const htmx = await get(server, '/vendor/htmx.min.js');
    expect(htmx.status).toBe(200);
    expect(htmx.headers.get('content-type')).toContain('javascript');
    expect((await htmx.text()).length).toBeGreaterThan(10_000);
    expect((await get(server, '/public/app.css')).status).toBe(200);
  });

  it('renders a signed-in page and a PDF report with the bundled fonts', async () => {
    const token = await productionDemoToken(server.port, 'mgr.momo@d2ctelcare.com', 'Operator@123');
    const auth = { authorization: `Bearer ${token}` };
    const list = await get(server, '/api/v1/incidents?limit=5', auth);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const pdf = await get(server, '/api/v1/reports/incidents.pdf?from=2020-01-01&to=2030-01-01&tz=UTC', auth);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('stops on SIGTERM with exit code 0', async () => {
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
