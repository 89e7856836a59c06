import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import SqliteDatabase from 'better-sqlite3';
import { Hono } from 'hono';
import { decodeRequestSql, mysqlPool, prepareRequestSqlite, runRequestMysql } from './lib/sql.js';

/**
 * The stack's own ceiling for one scenario, in a process of its own: Hono on its Node adapter (as the
 * application serves), answering each request after running the request's SQL through the driver
 * exactly as the bare loop does, with a body fixed in advance (the application's own answer for the
 * scenario). No session check, rendering, JSON, logging or metrics: nothing built on this stack can
 * answer this request faster. Started by run.ts (it needs an IPC channel); reports {type:'ready', port}.
 */

if (!process.send) {
  console.error('tests/bench/ceiling.ts is started by tests/bench/run.ts (it needs an IPC channel)');
  process.exit(2);
}
process.on('disconnect', () => process.exit(1));

interface CeilingInput {
  databaseUrl: string;
  /** The SQLite file, or null on MariaDB. */
  sqliteFile: string | null;
  /** encodeRequestSql of the scenario's statements. */
  steps: string;
  body: string;
  contentType: string;
}

const input = JSON.parse(readFileSync(process.env.BENCH_CEILING_FILE!, 'utf8')) as CeilingInput;
const steps = decodeRequestSql(input.steps);
const pool = input.sqliteFile ? null : mysqlPool(input.databaseUrl, 10);
const sqlite = input.sqliteFile ? new SqliteDatabase(input.sqliteFile, { readonly: true }) : null;
const runSql: () => Promise<string | null> | string | null = pool ? () => runRequestMysql(pool, steps) : prepareRequestSqlite(sqlite!, steps);

const app = new Hono();
app.get('*', async (c) => {
  // The same credentials arrive as for the application; only their presence is checked.
  if (!c.req.header('cookie') && !c.req.header('authorization')) return c.text('sign in first', 401);
  const err = await runSql();
  if (err) return c.text(err, 500);
  return c.body(input.body, 200, { 'content-type': input.contentType });
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.send!({ type: 'ready', port: info.port });
});
process.on('message', (m: { type?: string }) => {
  if (m.type !== 'stop') return;
  server.close(() => {
    sqlite?.close();
    void (pool ? pool.end() : Promise.resolve()).finally(() => process.exit(0));
  });
});
