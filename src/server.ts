import { serve, type ServerType } from '@hono/node-server';
import { createApp, type AppOptions } from './app.js';
import { clusterMetricsCollector } from './cluster-metrics.js';
import { Metrics } from './http/metrics.js';
import type { Config } from './config.js';
import { openDatabase, type DbHandle } from './db/index.js';
import { migrateToLatest } from './db/migrate.js';
import type { Deps } from './deps.js';
import { outboxJob, startJobs, webhookJob, type RunningJobs } from './jobs/scheduler.js';
import { getMailer } from './mail/transport.js';
import { workerJob } from './jobs/worker.js';
import { createLogger, type Logger } from './log.js';
import { seedDemo } from '../seeds/demo.js';

export interface Running {
  url: string;
  deps: Deps;
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  clock?: () => Date;
}

/** What the app needs, around an open database; the logger and clock default to the real ones. */
function depsFor(config: Config, handle: DbHandle, opts: StartOptions): Deps {
  const log = opts.log ?? createLogger(config.logLevel);
  const clock = opts.clock ?? (() => new Date());
  return { config, db: handle.db, dialect: handle.dialect, clock, log };
}

/** Migrates the database and seeds the demo on first start. */
async function prepareDatabase({ config, db, log, clock }: Deps): Promise<void> {
  const applied = await migrateToLatest(db);
  if (applied.length) log.info('migrations applied', { migrations: applied });
  if (config.seedDemo) {
    const seeded = await seedDemo(db, clock(), { mustChangePassword: config.env === 'production' });
    if (seeded) log.info('demo data seeded');
  }
}

/** A stop() that runs its steps one after another, once, however often it is called. */
export function stopInOrder(...steps: (() => Promise<void>)[]): () => Promise<void> {
  let stopping: Promise<void> | null = null;
  return () => (stopping ??= (async () => {
    for (const step of steps) await step();
  })());
}

/** The background jobs (unattended reminder, escalations, automation, email and webhook outboxes). */
export function startBackgroundJobs(deps: Deps): { stop(): Promise<void> } {
  const { config, log } = deps;
  const mailer = config.smtp ? getMailer(config.smtp) : null;
  const jobs: RunningJobs | null = config.jobs ? startJobs(deps, [workerJob(deps), outboxJob(deps, mailer ?? undefined), webhookJob(deps)]) : null;
  if (config.jobs && !config.smtp) log.info('SMTP is not configured: emails stay in the outbox (see the Email Log page)');
  return {
    async stop() {
      await jobs?.stop();
      mailer?.close();
    },
  };
}

/** Serves the app over HTTP on HOST:PORT; resolves once listening. */
export async function listen(deps: Deps, appOptions: AppOptions = {}): Promise<{ port: number; close(): Promise<void> }> {
  const app = createApp(deps, appOptions);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: deps.config.port, hostname: deps.config.host }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : deps.config.port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** What the process that owns the database runs: migrated database, deps, background jobs. */
export async function startCore(config: Config, opts: StartOptions = {}): Promise<{ deps: Deps; handle: DbHandle; jobs: { stop(): Promise<void> } }> {
  const handle = openDatabase(config.databaseUrl);
  const deps = depsFor(config, handle, opts);
  await prepareDatabase(deps);
  return { deps, handle, jobs: startBackgroundJobs(deps) };
}

/** One process: database, background jobs and HTTP; stop() drains requests, then jobs, then closes. */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<Running> {
  const { deps, handle, jobs } = await startCore(config, opts);
  const http = await listen(deps);
  return { url: `http://localhost:${http.port}`, deps, stop: stopInOrder(http.close, jobs.stop, handle.close) };
}

/**
 * An HTTP worker of a cluster (WEB_CONCURRENCY > 1): serves requests only. The primary has migrated
 * and seeded the database and runs the background jobs.
 */
export async function startHttpWorker(config: Config, opts: StartOptions = {}): Promise<Running> {
  const handle = openDatabase(config.databaseUrl);
  const deps = depsFor(config, handle, opts);
  const metrics = new Metrics();
  const http = await listen(deps, { metrics, collectMetrics: clusterMetricsCollector(metrics) });
  return { url: `http://localhost:${http.port}`, deps, stop: stopInOrder(http.close, handle.close) };
}
