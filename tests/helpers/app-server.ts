import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';

/**
 * The application as it is deployed: the compiled build (`npm run build` -> dist/src/main.js) in a
 * process of its own, with production settings, jobs off and no demo seed, listening on 127.0.0.1.
 * The benchmarks measure this process, not a TypeScript loader; the build test starts it too.
 */

export interface AppServer {
  proc: ChildProcess;
  pid: number;
  port: number;
  stderr(): string;
  /** The last 64 kB of its stdout (the JSON log lines), with captureStdout. */
  stdout(): string;
  /** SIGTERM (the server drains and closes), SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string | null>;
}

export interface AppServerOptions {
  root: string;
  databaseUrl: string;
  dataDir: string;
  jwtSecret: string;
  logLevel?: string;
  /** Extra node flags, e.g. --cpu-prof (diagnostics). */
  nodeArgs?: string[];
  /** What node runs, relative to root: the build's main by default (checked to be current). */
  entry?: string[];
  /** More settings, or other values for the ones above (SEED_DEMO, WEB_CONCURRENCY ...). */
  env?: Record<string, string>;
  /** Keep its stdout (the log) for stdout(); otherwise it goes nowhere, as in the benchmarks. */
  captureStdout?: boolean;
}

/** Compiles the TypeScript to dist/ as `npm run build` does (the stylesheet aside). */
export function buildDist(root: string): void {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
}

/** Fails early with a clear message when the build is missing or older than the sources. */
export function requireBuild(root: string): string {
  const main = join(root, 'dist', 'src', 'main.js');
  if (!existsSync(main)) throw new Error('dist/src/main.js is missing: run `npm run build` first (npm run bench does)');
  const built = statSync(main).mtimeMs;
  if (statSync(join(root, 'src', 'main.ts')).mtimeMs > built) throw new Error('the build is older than src/: run `npm run build`');
  return main;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.setTimeout(1_000, () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export async function startAppServer(o: AppServerOptions): Promise<AppServer> {
  const entry = o.entry ?? [requireBuild(o.root)];
  const port = await freePort();
  const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), ...entry], {
    cwd: o.root,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: o.databaseUrl,
      DATA_DIR: o.dataDir,
      JWT_SECRET: o.jwtSecret,
      APP_URL: `http://127.0.0.1:${port}`,
      JOBS: 'off',
      SEED_DEMO: 'off',
      LOG_LEVEL: o.logLevel ?? 'info',
      ...o.env,
    },
    stdio: ['ignore', o.captureStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let err = '';
  let out = '';
  proc.stderr!.on('data', (c: Buffer) => { err = (err + c.toString('utf8')).slice(-8000); });
  proc.stdout?.on('data', (c: Buffer) => { out = (out + c.toString('utf8')).slice(-65_536); });
  const exited = new Promise<number | string | null>((r) => proc.once('exit', (code, signal) => r(code ?? signal)));
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  const stop = async () => {
    if (gone()) return;
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 8_000);
    await exited;
    clearTimeout(killer);
  };
  const deadline = Date.now() + 60_000;
  while (!(await healthy(port))) {
    if (gone()) throw new Error(`the server exited (${proc.exitCode ?? proc.signalCode}) before it was ready\n${err}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server did not answer /healthz within 60 s\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, pid: proc.pid!, port, stderr: () => err, stdout: () => out, stop, exited };
}

/** A gauge from the server's /metrics (e.g. nodejs_heap_used_bytes); NaN when absent. */
export function metric(port: number, name: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
        resolve(m ? Number(m[1]) : NaN);
      });
    });
    req.on('error', () => resolve(NaN));
  });
}
