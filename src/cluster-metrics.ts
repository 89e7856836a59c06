import cluster, { type Worker } from 'node:cluster';
import { mergeSnapshots, processSnapshot, type Metrics, type MetricsCollector, type MetricsSnapshot } from './http/metrics.js';

/**
 * /metrics for a whole cluster: whichever HTTP worker a scrape reaches asks the primary, the primary
 * asks every worker for its figures, adds its own (the background jobs' SQL, its memory) and
 * answers with the sum. A scraper sees one server whatever worker it hits, and counters that only
 * grow (a restarted worker starts again from zero, as any restarted process does).
 */

/** How long the primary waits for each worker; one that is restarting or stuck is left out. */
export const WORKER_ANSWER_MS = 1_000;
/** How long a worker waits for the primary before it shows its own figures only. */
const PRIMARY_ANSWER_MS = 3_000;

type Message =
  | { type: 'd2c:metrics:ask'; id: number }
  | { type: 'd2c:metrics:collect'; id: number }
  | { type: 'd2c:metrics:own'; id: number; snapshot: MetricsSnapshot }
  | { type: 'd2c:metrics:total'; id: number; snapshot: MetricsSnapshot };

const isMessage = (m: unknown): m is Message =>
  typeof m === 'object' && m !== null && typeof (m as Message).type === 'string' && (m as Message).type.startsWith('d2c:metrics:');

/** In the primary: answers the workers' requests for the cluster's figures. */
export function serveClusterMetrics(): void {
  let nextId = 0;
  cluster.on('message', (asker: Worker, msg: unknown) => {
    if (!isMessage(msg) || msg.type !== 'd2c:metrics:ask') return;
    const id = ++nextId;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w?.isConnected()));
    void Promise.all(workers.map((w) => collectFrom(w, id))).then((snapshots) => {
      const total = mergeSnapshots([processSnapshot(), ...snapshots.filter((s): s is MetricsSnapshot => s !== null)]);
      if (asker.isConnected()) asker.send({ type: 'd2c:metrics:total', id: msg.id, snapshot: total } satisfies Message);
    });
  });
}

function collectFrom(worker: Worker, id: number): Promise<MetricsSnapshot | null> {
  return new Promise((resolve) => {
    const done = (s: MetricsSnapshot | null) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(s);
    };
    const onMessage = (m: unknown) => {
      if (isMessage(m) && m.type === 'd2c:metrics:own' && m.id === id) done(m.snapshot);
    };
    const timer = setTimeout(() => done(null), WORKER_ANSWER_MS);
    worker.on('message', onMessage);
    try {
      worker.send({ type: 'd2c:metrics:collect', id } satisfies Message);
    } catch {
      done(null);
    }
  });
}

/** In an HTTP worker: gives the primary this worker's figures, and asks it for the cluster's. */
export function clusterMetricsCollector(metrics: Metrics): MetricsCollector {
  let nextId = 0;
  const waiting = new Map<number, (s: MetricsSnapshot) => void>();
  process.on('message', (msg: unknown) => {
    if (!isMessage(msg)) return;
    if (msg.type === 'd2c:metrics:collect' && process.connected) process.send?.({ type: 'd2c:metrics:own', id: msg.id, snapshot: metrics.snapshot() } satisfies Message);
    if (msg.type === 'd2c:metrics:total') waiting.get(msg.id)?.(msg.snapshot);
  });
  return (own) => new Promise((resolve) => {
    const id = ++nextId;
    const done = (s: MetricsSnapshot) => {
      clearTimeout(timer);
      waiting.delete(id);
      resolve(s);
    };
    const timer = setTimeout(() => done(own.snapshot()), PRIMARY_ANSWER_MS);
    waiting.set(id, done);
    if (process.connected) process.send?.({ type: 'd2c:metrics:ask', id } satisfies Message);
    else done(own.snapshot());
  });
}
