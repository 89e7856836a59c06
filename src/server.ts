import { serve, type ServerType } from '@hono/node-server';
import { createApp } from './app.js';
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

/** Opens the database, migrates, seeds the demo on first start, serves HTTP; stop() drains and closes. */
export async function startServer(config: Config, opts: { log?: Logger; clock?: () => Date } = {}): Promise<Running> {
  const log = opts.log ?? createLogger(config.logLevel);
  const handle: DbHandle = openDatabase(config.databaseUrl);
  const applied = await migrateToLatest(handle.db);
  if (applied.length) log.info('migrations applied', { migrations: applied });
  const clock = opts.clock ?? (() => new Date());
  if (config.seedDemo) {
    const seeded = await seedDemo(handle.db, clock(), { mustChangePassword: config.env === 'production' });
    if (seeded) log.info('demo data seeded');
  }
  const deps: Deps = { config, db: handle.db, dialect: handle.dialect, clock, log };
  const app = createApp(deps);
  const mailer = config.smtp ? getMailer(config.smtp) : null;
  const jobs: RunningJobs | null = config.jobs ? startJobs(deps, [workerJob(deps), outboxJob(deps, mailer ?? undefined), webhookJob(deps)]) : null;
  if (config.jobs && !config.smtp) log.info('SMTP is not configured: emails stay in the outbox (see the Email Log page)');
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: '0.0.0.0' }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await jobs?.stop();
      mailer?.close();
      await handle.close();
    })();
    return stopping;
  };
  return { url, deps, stop };
}
