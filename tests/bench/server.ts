import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/index.js';
import type { Deps } from '../../src/deps.js';
import { createLogger } from '../../src/log.js';

/**
 * The application server for the benchmark, in a process of its own (started by run.ts with an IPC
 * channel): production settings, jobs off, no seeding (run.ts has seeded the database), listening
 * on 127.0.0.1 only. The same app and database handle as src/server.ts's startServer, which binds
 * 0.0.0.0. Sends {type:'ready', port} once listening; stops on {type:'stop'} or when the parent goes.
 */

if (!process.send) {
  console.error('tests/bench/server.ts is started by tests/bench/run.ts (it needs an IPC channel)');
  process.exit(2);
}

const config = loadConfig({
  NODE_ENV: 'production',
  PORT: '0',
  DATABASE_URL: process.env.BENCH_DATABASE_URL,
  DATA_DIR: process.env.BENCH_DATA_DIR,
  JWT_SECRET: process.env.BENCH_JWT_SECRET,
  APP_URL: 'http://127.0.0.1',
  JOBS: 'off',
  SEED_DEMO: 'off',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
});
const log = createLogger(config.logLevel);
const handle = openDatabase(config.databaseUrl);
const deps: Deps = { config, db: handle.db, dialect: handle.dialect, clock: () => new Date(), log };
const app = createApp(deps);
const server: ServerType = await new Promise((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    const timer = setTimeout(() => process.exit(code), 5_000);
    timer.unref();
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await handle.close();
  }
  process.exit(code);
}

process.on('message', (m: { type?: string }) => {
  if (m?.type === 'stop') void stop(0);
  if (m?.type === 'rss') process.send!({ type: 'rss', rss: process.memoryUsage().rss });
  if (m?.type === 'mem') process.send!({ type: 'mem', ...process.memoryUsage() });
});
process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.send({ type: 'ready', port, pid: process.pid });
