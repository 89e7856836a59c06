import cluster, { type Worker } from 'node:cluster';
import { serveClusterMetrics } from './cluster-metrics.js';
import type { Config } from './config.js';
import { startCore, stopInOrder, type Running, type StartOptions } from './server.js';

/**
 * WEB_CONCURRENCY > 1: one primary process and N HTTP workers sharing the port (Node's cluster
 * module hands connections round-robin). The primary migrates and seeds before any worker starts,
 * runs the background jobs (once, not N times) and restarts a worker that dies; the workers only
 * serve requests. Nothing a request needs lives in one process's memory: sessions, rate limits and
 * every claim are in the database. /metrics adds up every process's figures (cluster-metrics.ts).
 */

const RESTART_DELAY_MS = 1_000;
const STOP_GRACE_MS = 10_000;

export async function startCluster(config: Config, opts: StartOptions = {}): Promise<Running> {
  const { deps, handle, jobs } = await startCore(config, opts);
  const { log } = deps;
  const stopCore = stopInOrder(jobs.stop, handle.close);
  let stopping = false;
  serveClusterMetrics();

  const fork = (): Promise<{ worker: Worker; port: number }> => new Promise((resolve, reject) => {
    const worker = cluster.fork({ D2C_HTTP_WORKER: '1' });
    const onExit = (code: number | null) => reject(new Error(`HTTP worker ${worker.process.pid} exited (${code}) before listening`));
    worker.once('exit', onExit);
    worker.once('listening', (address) => {
      worker.off('exit', onExit);
      resolve({ worker, port: address.port });
    });
  });

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error('HTTP worker exited; starting another', { pid: worker.process.pid, code, signal });
    setTimeout(() => {
      if (!stopping) fork().catch((e: Error) => log.error('HTTP worker failed to start', { error: e.message }));
    }, RESTART_DELAY_MS).unref();
  });

  let started: { worker: Worker; port: number }[];
  try {
    started = await Promise.all(Array.from({ length: config.webConcurrency }, fork));
  } catch (e) {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    await stopCore();
    throw e;
  }
  log.info('HTTP workers listening', { workers: started.map((s) => s.worker.process.pid), port: started[0].port });

  const stopWorkers = async () => {
    stopping = true;
    await Promise.all(Object.values(cluster.workers ?? {}).map((w) => (w ? stopWorker(w) : undefined)));
  };
  return { url: `http://localhost:${started[0].port}`, deps, stop: stopInOrder(stopWorkers, stopCore) };
}

/** SIGTERM (the worker drains its requests and exits), SIGKILL after a grace period. */
function stopWorker(worker: Worker): Promise<void> {
  if (worker.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS);
    worker.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    worker.process.kill('SIGTERM');
  });
}

/** True in a process that cluster forked to serve HTTP. */
export const isHttpWorker = (): boolean => cluster.isWorker && process.env.D2C_HTTP_WORKER === '1';
