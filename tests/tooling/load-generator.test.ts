// The benchmarks' load generator (tests/bench/lib/load.ts) against a plain local HTTP server: it
// must count what a client would see, or the figures in the README mean nothing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpLoad } from '../bench/lib/load.js';

const BODY = 'x'.repeat(10_000) + 'é'.repeat(100);

describe('benchmark load generator', () => {
  let server: http.Server;
  let port: number;
  const seen: { path: string; cookie?: string }[] = [];
  let connections = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ path: req.url ?? '', cookie: req.headers.cookie });
      if (req.url === '/ok') res.end(BODY);
      else if (req.url === '/missing') res.writeHead(404, { 'content-length': '9' }).end('not found');
      else if (req.url === '/chunked') {
        res.write('part one');
        res.end('part two');
      } else if (req.url === '/hang') {
        // Never answers.
      } else res.writeHead(500).end();
    });
    server.on('connection', () => connections++);
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('counts answered requests and their body bytes, over kept-alive connections, with the given headers', async () => {
    seen.length = 0;
    connections = 0;
    const r = await httpLoad({ port, path: '/ok', headers: { cookie: 'a=1' } }, { concurrency: 4, seconds: 0.5, warmupSeconds: 0 });
    expect(r.errors).toBe(0);
    expect(r.count).toBeGreaterThan(20);
    expect(r.count).toBeLessThanOrEqual(seen.length);
    expect(r.bytes).toBe(Buffer.byteLength(BODY));
    expect(seen.every((s) => s.path === '/ok' && s.cookie === 'a=1')).toBe(true);
    expect(connections).toBe(4);
    expect(r.p50).toBeGreaterThan(0);
    expect(r.p99).toBeGreaterThanOrEqual(r.p50);
  });

  it('counts answers other than 2xx as errors', async () => {
    const r = await httpLoad({ port, path: '/missing', headers: {} }, { concurrency: 2, seconds: 0.3, warmupSeconds: 0 });
    expect(r.count).toBeGreaterThan(0);
    expect(r.errors).toBe(r.count);
    expect(r.errorSamples[0]).toBe('HTTP 404');
  });

  it('refuses answers without a length (chunked) as errors, and goes on on a new connection', async () => {
    const r = await httpLoad({ port, path: '/chunked', headers: {} }, { concurrency: 2, seconds: 0.3, warmupSeconds: 0 });
    expect(r.count).toBeGreaterThan(1);
    expect(r.errors).toBe(r.count);
    expect(r.errorSamples[0]).toBe('HTTP 200 without Content-Length');
  });

  it('gives up on a request after its timeout', async () => {
    const r = await httpLoad({ port, path: '/hang', headers: {} }, { concurrency: 2, seconds: 0.3, warmupSeconds: 0, timeoutMs: 100 });
    expect(r.count).toBeGreaterThanOrEqual(2);
    expect(r.errors).toBe(r.count);
    expect(r.errorSamples[0]).toBe('timeout after 100 ms');
    expect(r.max).toBeGreaterThanOrEqual(99);
    expect(r.max).toBeLessThan(1_000);
  });
});
