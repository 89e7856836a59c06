import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startServer, type Running } from '../../src/server.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

describe.each(DIALECTS)('operability on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect, { seed: false });
  });
  afterAll(async () => t?.close());

  it('answers /healthz and /readyz with the database', async () => {
    expect(await (await t.request('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await t.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: dialect });
  });

  it('exposes Prometheus metrics', async () => {
    await t.request('/healthz');
    const res = await t.request('/metrics');
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/d2c_http_requests_total\{method="GET",status="200"\} \d+/);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('counts the SQL statements it runs', async () => {
    const statements = async () => Number(/^d2c_db_statements_total (\d+)$/m.exec(await (await t.request('/metrics')).text())?.[1]);
    const before = await statements();
    await t.request('/readyz');
    await t.request('/readyz');
    expect(await statements()).toBeGreaterThanOrEqual(before + 2);
  });

  it('sets security headers on pages', async () => {
    const res = await t.request('/login');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('keeps credentials carried in a path (alert keys, calendar feed tokens) out of the request log', async () => {
    const lines: string[] = [];
    const before = t.deps.log;
    t.deps.log = createLogger('info', (l) => lines.push(l));
    try {
      const key = 'AlertKeySecret0123456789abcdef';
      const feed = 'FeedTokenSecret0123456789abcdef_';
      await t.request(`/api/v1/alerts/${key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      await t.request(`/oncall/ical/${feed}.ics`);
      await t.request('/healthz');
      const text = lines.join('\n');
      expect(text).not.toContain(key);
      expect(text).not.toContain(feed);
      const paths = lines.map((l) => (JSON.parse(l) as { path?: string }).path);
      expect(paths).toEqual(['/api/v1/alerts/[redacted]', '/oncall/ical/[redacted].ics', '/healthz']);
    } finally {
      t.deps.log = before;
    }
  });

  it('answers /readyz 503 when the database does not, keeping the reason for the log', async () => {
    const lines: string[] = [];
    const [db, log] = [t.deps.db, t.deps.log];
    t.deps.log = createLogger('info', (l) => lines.push(l));
    t.deps.db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: async () => { throw new Error('cannot open /srv/secret/db.sqlite'); } }),
    });
    try {
      const res = await t.request('/readyz');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', database: dialect });
      expect(lines.join('\n')).toContain('cannot open /srv/secret/db.sqlite');
    } finally {
      await t.deps.db.destroy();
      Object.assign(t.deps, { db, log });
    }
    expect((await t.request('/readyz')).status).toBe(200);
  });

  it('serves htmx, Alpine and the stylesheet from its own origin', async () => {
    for (const path of ['/vendor/htmx.min.js', '/vendor/alpine.min.js', '/public/app.js', '/public/app.css']) {
      const res = await t.request(path);
      expect(res.status, path).toBe(200);
      expect((await res.text()).length, path).toBeGreaterThan(100);
    }
    expect((await t.request('/vendor/../package.json')).status).toBe(404);
  });

  it('refuses a body over 1 MB with 413', async () => {
    const res = await t.request('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'x'.repeat(1_100_000) }),
    });
    expect(res.status).toBe(413);
  });
});

describe('the server process', () => {
  let dir: string;
  let running: Running;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd2c-server-'));
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, PORT: '0', JWT_SECRET: 'x'.repeat(40), JOBS: 'off' });
    running = await startServer({ ...config, port: 0, seedDemo: true }, { log: createLogger('silent') });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates and seeds an empty SQLite database on first start, then serves HSTS-free HTTP in development', async () => {
    const res = await fetch(`${running.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@d2ctelcare.com', password: 'Admin@D2C2026' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('finishes in-flight requests and then stops accepting connections', async () => {
    // A request surely under way when the stop begins: its headers and half its body are sent, the
    // rest follows only after stop() was called. (A request merely started may not be accepted yet.)
    const port = Number(new URL(running.url).port);
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'not-the-password' });
    let stopped: Promise<void> | null = null;
    const answered = new Promise<number>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port, method: 'POST', path: '/api/v1/auth/login', agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        stopped = running.stop();
        setTimeout(() => req.end(body.slice(10)), 50);
      }, 200);
    });
    expect(await answered).toBe(401);
    await stopped;
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
