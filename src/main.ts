import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, flushLogs, type Logger } from './log.js';
import { isHttpWorker, startCluster } from './cluster.js';
import { startHttpWorker, startServer, type Running } from './server.js';
import { DEMO_ACCOUNTS } from '../seeds/accounts.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const log = createLogger(config.logLevel);
  const running = await start(config, log);
  if (isHttpWorker()) {
    stopOnSignals(running, log);
    return;
  }
  flushLogs();
  const db = config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl : config.databaseUrl.replace(/\/\/[^@]*@/, '//***@');
  console.log(`\nD2C OPs is running at ${running.url}  (database: ${db})`);
  if (config.seedDemo) {
    console.log('Demo accounts:');
    for (const a of DEMO_ACCOUNTS) console.log(`  ${a.label.padEnd(24)} ${a.email.padEnd(34)} ${a.password}`);
  }
  stopOnSignals(running, log);
}

function start(config: Config, log: Logger): Promise<Running> {
  if (isHttpWorker()) return startHttpWorker(config, { log });
  if (config.webConcurrency > 1) return startCluster(config, { log });
  return startServer(config, { log });
}

/**
 * SIGTERM/SIGINT: drain and exit 0 (1 if that takes over 15 s). An HTTP worker whose primary has
 * gone stops too, so no orphan keeps the port.
 */
function stopOnSignals(running: Running, log: Logger): void {
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    running.stop().then(() => process.exit(0), (err) => {
      log.error('shutdown failed', { error: String(err) });
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (isHttpWorker()) process.on('disconnect', () => shutdown('primary disconnected'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
