import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditRows, type AuditContent } from '../../src/audit.js';
import type { Db } from '../../src/db/index.js';
import { seedDemo } from '../../seeds/demo.js';
import { buildDist, type AppServer } from '../helpers/app-server.js';
import { ROOT, startServerOnTestDb, type ServerOnTestDb } from '../helpers/compiled-server.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * A long CSV export streams while the same server keeps answering everyone else. (On SQLite the rows
 * come synchronously and a fast reader's socket never pushes back: without a pause between batches
 * the export was one unbroken run and a health check waited for its end.) Over a real socket, on the
 * compiled server, with a reader that takes the bytes as fast as they come.
 */

const ROWS = 120_000;

beforeAll(() => buildDist(ROOT), 120_000);

async function seedAudit(db: Db, now: Date): Promise<void> {
  await seedDemo(db, now);
  const momo = await db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow();
  const start = now.getTime() - 200 * 86_400_000;
  for (let done = 0; done < ROWS; done += 10_000) {
    const rows: AuditContent[] = [];
    for (let i = done; i < done + 10_000; i++) {
      rows.push({
        process_id: momo.id, user_id: null, action: 'incident.update', entity_type: 'incident', entity_id: i, ip: '10.0.0.1',
        user_agent: 'test', changes: JSON.stringify({ note: `change ${i}` }), created_at: new Date(start + i * 60_000),
      });
    }
    await db.transaction().execute((trx) => appendAuditRows(trx as unknown as Db, rows, now, 1000));
  }
}

function get(port: number, path: string, headers: Record<string, string>, onData?: (n: number) => void): Promise<number> {
  return new Promise((done, fail) => {
    http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.on('data', (c: Buffer) => onData?.(c.length));
      res.on('end', () => done(res.statusCode ?? 0));
    }).on('error', fail);
  });
}

describe.each(DIALECTS)('a long export (%s)', (dialect) => {
  let running: ServerOnTestDb;
  let server: AppServer;

  beforeAll(async () => {
    running = await startServerOnTestDb(dialect, { prepare: (db) => seedAudit(db.db, new Date()) });
    server = running.server;
  }, 180_000);

  afterAll(async () => running?.close());

  it('leaves the server answering other requests while it streams', async () => {
    const login = await fetch(`http://127.0.0.1:${server.port}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin.momo@d2ctelcare.com', password: 'Admin@123' }),
    });
    const { token } = await login.json() as { token: string };
    let streaming = true;
    let bytes = 0;
    const exported = get(server.port, '/api/v1/reports/audit.csv?from=2020-01-01&to=2035-01-01&tz=UTC', { authorization: `Bearer ${token}` }, (n) => { bytes += n; })
      .finally(() => { streaming = false; });
    // Health checks one after another until the export ends; count those answered while it ran.
    let answeredDuring = 0;
    while (streaming) {
      const status = await get(server.port, '/healthz', {});
      expect(status).toBe(200);
      if (streaming) answeredDuring += 1;
    }
    expect(await exported).toBe(200);
    expect(bytes).toBeGreaterThan(ROWS * 50);
    expect(answeredDuring).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
