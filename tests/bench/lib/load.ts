import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * A small closed-loop load generator: a fixed number of workers, each sending its next request as
 * soon as the previous one is answered, for a fixed time. Bounded in time (deadline) and per request
 * (timeout); only ever talks to 127.0.0.1.
 */

export interface LoopResult {
  /** Completed operations in the measured window (errors included). */
  count: number;
  errors: number;
  /** First few error descriptions, for the log. */
  errorSamples: string[];
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** Mean response body size (HTTP loops only). */
  bytes?: number;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** Statistics over recorded latencies (ms). */
export function summarise(latencies: number[], errors: number, errorSamples: string[], seconds: number, bytes?: number): LoopResult {
  const sorted = Float64Array.from(latencies).sort();
  return {
    count: latencies.length,
    errors,
    errorSamples,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    bytes,
  };
}

/**
 * Runs `op` from `concurrency` workers: first `warmupSeconds` unrecorded, then `seconds` recorded.
 * `op` resolves to an error text, or null on success. Bounded by time and by `maxOps`.
 */
export async function closedLoop(
  op: () => Promise<string | null>,
  opts: { concurrency: number; seconds: number; warmupSeconds: number; maxOps?: number },
): Promise<LoopResult> {
  const maxOps = opts.maxOps ?? 10_000_000;
  const phase = async (seconds: number, record: boolean) => {
    const latencies: number[] = [];
    const errorSamples: string[] = [];
    let errors = 0;
    let started = 0;
    const begin = performance.now();
    const deadline = begin + seconds * 1000;
    const worker = async () => {
      while (performance.now() < deadline && started < maxOps) {
        started++;
        const t0 = performance.now();
        let err: string | null;
        try {
          err = await op();
        } catch (e) {
          err = (e as Error).message ?? String(e);
        }
        latencies.push(performance.now() - t0);
        if (err !== null) {
          errors++;
          if (errorSamples.length < 5) errorSamples.push(err);
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const elapsed = (performance.now() - begin) / 1000;
    return record ? summarise(latencies, errors, errorSamples, elapsed) : null;
  };
  if (opts.warmupSeconds > 0) await phase(opts.warmupSeconds, false);
  return (await phase(opts.seconds, true))!;
}

/** A synchronous loop (better-sqlite3): one call at a time, as the server's event loop runs them. */
export function syncLoop(op: () => void, opts: { seconds: number; warmupSeconds: number; maxOps?: number }): LoopResult {
  const maxOps = opts.maxOps ?? 10_000_000;
  const phase = (seconds: number) => {
    const latencies: number[] = [];
    const errorSamples: string[] = [];
    let errors = 0;
    const begin = performance.now();
    const deadline = begin + seconds * 1000;
    while (performance.now() < deadline && latencies.length < maxOps) {
      const t0 = performance.now();
      try {
        op();
      } catch (e) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push((e as Error).message);
      }
      latencies.push(performance.now() - t0);
    }
    return summarise(latencies, errors, errorSamples, (performance.now() - begin) / 1000);
  };
  if (opts.warmupSeconds > 0) phase(opts.warmupSeconds);
  return phase(opts.seconds);
}

export interface HttpTarget {
  port: number;
  path: string;
  headers: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to 127.0.0.1 with a timeout; reads the whole body. */
export function request(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent ?? false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout after ${opts.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** GET `target` from `concurrency` keep-alive connections; non-2xx answers count as errors. */
export async function httpLoad(target: HttpTarget, opts: { concurrency: number; seconds: number; warmupSeconds: number; timeoutMs?: number }): Promise<LoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency, maxFreeSockets: opts.concurrency });
  let bytes = 0;
  let responses = 0;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const op = () => new Promise<string | null>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: target.port, path: target.path, headers: target.headers, agent }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => { n += c.length; });
      res.on('end', () => {
        bytes += n;
        responses++;
        const s = res.statusCode ?? 0;
        resolve(s >= 200 && s < 300 ? null : `HTTP ${s}`);
      });
      res.on('error', (e) => resolve(e.message));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (e) => resolve(e.message));
    req.end();
  });
  try {
    const result = await closedLoop(op, opts);
    result.bytes = responses ? bytes / responses : 0;
    return result;
  } finally {
    agent.destroy();
  }
}
