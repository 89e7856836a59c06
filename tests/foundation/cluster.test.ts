import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, type AppServer } from '../helpers/app-server.js';
import { productionDemoToken, ROOT, startServerOnTestDb, type ServerOnTestDb } from '../helpers/compiled-server.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * WEB_CONCURRENCY=2 on the compiled build: a primary that runs the jobs once and two HTTP workers
 * sharing the port, replaced when one dies, all stopped by one SIGTERM. Writes from both workers at
 * once must all succeed, on SQLite too.
 */

beforeAll(() => buildDist(ROOT), 120_000);

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A GET on a connection of its own (a kept-alive one may lead to the worker just killed). */
function status(port: number, path: string): Promise<number> {
  return new Promise((done, fail) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    }).on('error', fail);
  });
}

/** A GET's body, on a connection of its own (so the cluster picks a worker for it). */
function body(port: number, path: string): Promise<string> {
  return new Promise((done, fail) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => done(text));
    }).on('error', fail);
  });
}

/** Requests served, over every status, from a /metrics text. */
const requestsServed = (metrics: string) =>
  [...metrics.matchAll(/^d2c_http_requests_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);

async function until<T>(what: string, probe: () => T | Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(DIALECTS)('WEB_CONCURRENCY=2 (%s)', (dialect) => {
  let running: ServerOnTestDb;
  let server: AppServer;
  let token: string;
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

  beforeAll(async () => {
    running = await startServerOnTestDb(dialect, {
      migrate: false, logLevel: 'info', env: { SEED_DEMO: 'on', JOBS: 'on', WEB_CONCURRENCY: '2' }, captureStdout: true,
    });
    server = running.server;
    token = await productionDemoToken(server.port, 'mgr.momo@d2ctelcare.com', 'Operator@123');
  }, 120_000);

  afterAll(async () => running?.close());

  it('serves from two worker processes and schedules each background job once', async () => {
    expect(childrenOf(server.pid)).toHaveLength(2);
    expect(await status(server.port, '/healthz')).toBe(200);
    const scheduled = server.stdout().split('\n').filter((l) => l.includes('"job scheduled"') && l.includes('"webhook-outbox"'));
    expect(scheduled).toHaveLength(1);
  });

  it('takes writes from both workers at once without an error', async () => {
    const create = (n: number) => fetch(url('/api/v1/incidents'), {
      method: 'POST',
      // A connection per request, so the cluster spreads them over both workers.
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ title: `Parallel write ${n}`, description: 'from the cluster test', severity: 3 }),
    });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, n) => create(n)));
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(201));
    const list = await fetch(url('/api/v1/incidents?limit=100&q=Parallel%20write'), { headers: { authorization: `Bearer ${token}` } });
    const titles = ((await list.json()) as { items: { title: string }[] }).items.map((i) => i.title);
    expect(new Set(titles).size).toBe(30);
  });

  it('adds up /metrics over every process, whichever worker answers', async () => {
    const first = await body(server.port, '/metrics');
    expect(first).toMatch(/^d2c_processes 3$/m); // the primary and two HTTP workers
    for (let i = 0; i < 10; i++) expect(await status(server.port, '/healthz')).toBe(200);
    const second = await body(server.port, '/metrics');
    // Ten health checks spread over both workers, and the first scrape itself (counted once served).
    expect(requestsServed(second) - requestsServed(first)).toBe(11);
    const third = await body(server.port, '/metrics');
    expect(requestsServed(third) - requestsServed(second)).toBe(1);
    expect(Number(/^d2c_db_statements_total (\d+)$/m.exec(third)?.[1])).toBeGreaterThan(0);
  });

  it('replaces a worker that dies, and keeps answering meanwhile', async () => {
    const [victim, survivor] = childrenOf(server.pid);
    process.kill(victim, 'SIGKILL');
    await until('the victim gone', () => childrenOf(server.pid), (pids) => !pids.includes(victim));
    for (let i = 0; i < 5; i++) expect(await status(server.port, '/healthz')).toBe(200);
    const now = await until('a new worker', () => childrenOf(server.pid), (pids) => pids.length === 2 && !pids.includes(victim));
    expect(now).toContain(survivor);
    for (let i = 0; i < 5; i++) expect(await status(server.port, '/healthz')).toBe(200);
  });

  it('stops every process on one SIGTERM, with exit code 0', async () => {
    const workers = childrenOf(server.pid);
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
  });
});
