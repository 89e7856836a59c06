import http from 'node:http';
import net from 'node:net';
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

/**
 * One keep-alive connection that sends a prepared GET and reads the answer with the least work: the
 * status line, Content-Length, then body bytes counted, not kept. Node's http client spent a third of
 * a core on 20 connections here, CPU the server under test then lacked on a 2-core machine; this
 * spends a fraction of it. Answers without a Content-Length (chunked) count as errors.
 */
class RawConnection {
  private socket: net.Socket;
  private head: Buffer | null = null;
  private remaining = -1;
  private status = 0;
  private bodyBytes = 0;
  private waiting: ((r: { err: string | null; bytes: number }) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly port: number, private readonly request: Buffer, private readonly timeoutMs: number) {
    this.socket = this.open();
  }

  private open(): net.Socket {
    const socket = net.connect({ host: '127.0.0.1', port: this.port, noDelay: true });
    // Events of a socket already given up (after a timeout) must not settle the next request.
    const current = () => socket === this.socket;
    socket.on('data', (chunk: Buffer) => current() && this.onData(chunk));
    socket.on('error', (e) => current() && this.finish(e.message));
    socket.on('close', () => current() && this.finish('connection closed'));
    return socket;
  }

  send(): Promise<{ err: string | null; bytes: number }> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.head = null;
      this.remaining = -1;
      this.bodyBytes = 0;
      this.timer = setTimeout(() => this.finish(`timeout after ${this.timeoutMs} ms`), this.timeoutMs);
      if (this.socket.destroyed) this.socket = this.open();
      this.socket.write(this.request);
    });
  }

  private onData(chunk: Buffer): void {
    if (this.remaining < 0) {
      this.head = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers = this.head.toString('latin1', 0, end);
      this.status = Number(headers.slice(9, 12));
      const length = /\r\ncontent-length: *(\d+)/i.exec(headers);
      if (!length) {
        this.socket.destroy();
        this.finish(`HTTP ${this.status} without Content-Length`);
        return;
      }
      this.remaining = Number(length[1]);
      chunk = this.head.subarray(end + 4);
      this.head = null;
    }
    this.remaining -= chunk.length;
    this.bodyBytes += chunk.length;
    if (this.remaining <= 0) this.finish(this.status >= 200 && this.status < 300 ? null : `HTTP ${this.status}`);
  }

  private finish(err: string | null): void {
    if (!this.waiting) return;
    if (this.timer) clearTimeout(this.timer);
    const done = this.waiting;
    this.waiting = null;
    if (err !== null && !this.socket.destroyed) this.socket.destroy();
    done({ err, bytes: this.bodyBytes });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** GET `target` from `concurrency` keep-alive connections; non-2xx answers count as errors. */
export async function httpLoad(target: HttpTarget, opts: { concurrency: number; seconds: number; warmupSeconds: number; timeoutMs?: number }): Promise<LoopResult> {
  const lines = [`GET ${target.path} HTTP/1.1`, `Host: 127.0.0.1:${target.port}`, 'Connection: keep-alive'];
  for (const [k, v] of Object.entries(target.headers)) lines.push(`${k}: ${v}`);
  const request = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  const idle = Array.from({ length: opts.concurrency }, () => new RawConnection(target.port, request, opts.timeoutMs ?? 10_000));
  const all = [...idle];
  let bytes = 0;
  let responses = 0;
  // As many connections as workers: each worker takes one for its request and gives it back.
  const op = async (): Promise<string | null> => {
    const conn = idle.pop()!;
    try {
      const r = await conn.send();
      bytes += r.bytes;
      responses++;
      return r.err;
    } finally {
      idle.push(conn);
    }
  };
  try {
    const result = await closedLoop(op, opts);
    result.bytes = responses ? bytes / responses : 0;
    return result;
  } finally {
    for (const c of all) c.close();
  }
}
