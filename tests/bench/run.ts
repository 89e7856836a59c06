import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { sql, type CompiledQuery } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { openDatabase, type Dialect } from '../../src/db/index.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { findSessionUser } from '../../src/auth/session.js';
import { assignableUsers, listIncidentSummaries, listIncidents } from '../../src/modules/incidents/queries.js';
import { encodeCursor, type Cursor } from '../../src/pagination.js';
import type { Actor } from '../../src/tenancy.js';
import { seedDemo } from '../../seeds/demo.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { metric, startAppServer } from '../helpers/app-server.js';
import { httpLoad, request, type HttpResponse, type LoopResult } from './lib/load.js';
import { renderReport, type CpuUse, type FanoutResult, type Machine, type ScenarioResult, type SeedInfo } from './lib/report.js';
import { cpuMeter, findProcess, rssMb, topMappings } from './lib/proc.js';
import { seedIncidents } from './lib/seed.js';
import {
  bareMysqlLoop, bareSqliteLoop, captureSql, encodeRequestSql, explainMysql, explainSqlite, mysqlPool, type PlanCheck, type RequestSql, type Statement,
} from './lib/sql.js';

/**
 * `npm run bench`: seeds BENCH_INCIDENTS incidents on MariaDB and on SQLite, loads the incident list
 * page and API (first and deep cursor page) from BENCH_CONCURRENCY clients for BENCH_SECONDS each,
 * runs the same SQL through the bare driver for the ratio, fans one email out to BENCH_RECIPIENTS
 * recipients through the outbox, and writes tests/bench/results/latest.md. Everything talks to
 * 127.0.0.1 only; every loop is bounded by time; databases, temp files and child processes are
 * removed on the way out, also on errors and Ctrl-C.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number between ${min} and ${max}, got "${raw}"`);
  return n;
}

const SECONDS = envNumber('BENCH_SECONDS', 15, 1, 600);
const WARMUP = envNumber('BENCH_WARMUP_SECONDS', Math.min(2, SECONDS), 0, 60);
const INCIDENTS = Math.round(envNumber('BENCH_INCIDENTS', 200_000, 1_000, 5_000_000));
const CONCURRENCY = Math.round(envNumber('BENCH_CONCURRENCY', 20, 1, 500));
const RECIPIENTS = Math.round(envNumber('BENCH_RECIPIENTS', 1000, 1, 100_000));
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'info';
const DATABASES = (process.env.BENCH_DATABASES || 'mysql,sqlite').split(',').map((s) => s.trim()).filter(Boolean) as Dialect[];
const MYSQL_ROOT = (process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const MYSQL_DB = 'd2c_bench';
/**
 * How the application (and the bare loop, configured alike) reaches MariaDB: its Unix socket when
 * the server has one here (BENCH_MYSQL_SOCKET=path, or =off for TCP to TEST_MYSQL_URL's host).
 */
const MYSQL_SOCKET = ((): string | null => {
  const raw = process.env.BENCH_MYSQL_SOCKET ?? '';
  if (raw === 'off') return null;
  if (raw) return raw;
  return existsSync('/run/mysqld/mysqld.sock') ? '/run/mysqld/mysqld.sock' : null;
})();
/** Extra node flags for the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (diagnostics). */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
/** HTTP processes of the server under test (its WEB_CONCURRENCY); 1 = the main process serves. */
const WEB_CONCURRENCY = Math.round(envNumber('BENCH_WEB_CONCURRENCY', 1, 1, 16));
const OUT_FILE = join(HERE, 'results', WEB_CONCURRENCY > 1 ? `latest-web${WEB_CONCURRENCY}.md` : 'latest.md');
const DEMO_USER = { email: 'ops.momo@d2ctelcare.com', password: 'Operator@123' };
/** Where the deep page starts: this far down the Momo process's list. */
const DEEP_FRACTION = 0.9;

for (const d of DATABASES) if (d !== 'mysql' && d !== 'sqlite') throw new Error(`BENCH_DATABASES: unknown database "${d}"`);
for (const u of [MYSQL_ROOT]) {
  const host = new URL(u).hostname;
  if (DATABASES.includes('mysql') && host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the benchmark only talks to 127.0.0.1, not ${host}`);
}

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Clean-up: every resource registers how to release it; released in reverse order on any exit.

const cleanups: { name: string; fn: () => Promise<void> | void }[] = [];
function onCleanup(name: string, fn: () => Promise<void> | void): () => Promise<void> {
  const entry = { name, fn };
  cleanups.push(entry);
  return async () => {
    const i = cleanups.indexOf(entry);
    if (i < 0) return;
    cleanups.splice(i, 1);
    await fn();
  };
}
/** Releases everything registered after `mark` (all of it by default), newest first. */
async function cleanupTo(mark = 0): Promise<void> {
  while (cleanups.length > mark) {
    const { name, fn } = cleanups.pop()!;
    try {
      await Promise.race([fn(), new Promise((r) => setTimeout(r, 10_000).unref())]);
    } catch (e) {
      log(`clean-up of ${name} failed: ${(e as Error).message}`);
    }
  }
}
let cleaningUp: Promise<void> | null = null;
const cleanupAll = (): Promise<void> => (cleaningUp ??= cleanupTo(0));
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  proc: ChildProcess;
  stderr: () => string;
  /** Waits for the first message of `type` (or rejects when the child exits first). */
  next<T>(type: string, timeoutMs: number): Promise<T>;
  /** Asks the child to stop; kills it after a grace period. */
  stop(): Promise<void>;
}

function startChild(file: string, env: Record<string, string>, nodeArgs: string[] = []): Child {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(HERE, file)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => { err = (err + c.toString('utf8')).slice(-8000); });
  const messages: { type: string }[] = [];
  const waiters: (() => void)[] = [];
  proc.on('message', (m: { type: string }) => {
    messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.once('exit', () => { for (const w of waiters.splice(0)) w(); });
  const child: Child = {
    proc,
    stderr: () => err,
    next<T>(type: string, timeoutMs: number) {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${file}: no "${type}" message within ${timeoutMs} ms\n${err}`)), timeoutMs);
        const check = () => {
          const i = messages.findIndex((m) => m.type === type || m.type === 'error');
          if (i >= 0) {
            clearTimeout(timer);
            const m = messages.splice(i, 1)[0] as { type: string; message?: string };
            if (m.type === 'error') reject(new Error(`${file}: ${m.message}`));
            else resolve(m as T);
            return;
          }
          if (proc.exitCode !== null || proc.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`${file} exited (${proc.exitCode ?? proc.signalCode}) before "${type}"\n${err}`));
            return;
          }
          waiters.push(check);
        };
        check();
      });
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      if (proc.connected) proc.send({ type: 'stop' });
      const killer = setTimeout(() => proc.kill('SIGKILL'), 8_000);
      const terminator = setTimeout(() => proc.kill('SIGTERM'), 5_000);
      await exited;
      clearTimeout(killer);
      clearTimeout(terminator);
    },
  };
  return child;
}

/** Samples the server's RSS while `fn` runs; the peak, in MB. */
async function withRssSampling<T>(pid: number, fn: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = 0;
  const sample = () => {
    const mb = rssMb(pid);
    if (mb !== null) peak = Math.max(peak, mb);
  };
  sample();
  const timer = setInterval(sample, 250);
  try {
    const value = await fn();
    sample();
    return { value, peakMb: peak };
  } finally {
    clearInterval(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// One database

interface Scenario {
  key: string;
  label: string;
  kind: 'page' | 'api';
  deep: boolean;
  limit: number;
}

const ALL_SCENARIOS: Scenario[] = [
  { key: 'page-first', label: 'page /incidents, first page (25)', kind: 'page', deep: false, limit: 25 },
  { key: 'page-deep', label: 'page /incidents, deep cursor (25)', kind: 'page', deep: true, limit: 25 },
  { key: 'api-first', label: 'GET /api/v1/incidents?limit=50, first page', kind: 'api', deep: false, limit: 50 },
  { key: 'api-deep', label: 'GET /api/v1/incidents?limit=50, deep cursor', kind: 'api', deep: true, limit: 50 },
];
/** BENCH_SCENARIOS=page-first,api-first runs only those (all by default). */
const SCENARIOS = ((): Scenario[] => {
  const wanted = (process.env.BENCH_SCENARIOS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!wanted.length) return ALL_SCENARIOS;
  for (const w of wanted) if (!ALL_SCENARIOS.some((s) => s.key === w)) throw new Error(`BENCH_SCENARIOS: unknown scenario "${w}" (${ALL_SCENARIOS.map((s) => s.key).join(', ')})`);
  return ALL_SCENARIOS.filter((s) => wanted.includes(s.key));
})();

async function mysqlAdmin() {
  const u = new URL(MYSQL_ROOT);
  return createConnection({
    host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password),
  });
}

async function mysqlVersion(): Promise<string> {
  const admin = await mysqlAdmin();
  try {
    const [rows] = await admin.query('select version() as v');
    return String((rows as { v: string }[])[0].v);
  } finally {
    await admin.end();
  }
}

/** A fresh empty database: `d2c_bench` on MariaDB (dropped afterwards), a temp file on SQLite. */
async function createDatabase(dialect: Dialect): Promise<{ url: string; sqliteFile: string | null; dataDir: string }> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'd2c-bench-'));
  onCleanup(`temp dir ${dataDir}`, () => rmSync(dataDir, { recursive: true, force: true }));
  if (dialect === 'sqlite') {
    const file = join(dataDir, 'bench.sqlite');
    return { url: `sqlite:${file}`, sqliteFile: file, dataDir };
  }
  const admin = await mysqlAdmin();
  await admin.query(`DROP DATABASE IF EXISTS \`${MYSQL_DB}\``);
  await admin.query(`CREATE DATABASE \`${MYSQL_DB}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  onCleanup(`database ${MYSQL_DB}`, async () => {
    const a = await mysqlAdmin();
    await a.query(`DROP DATABASE IF EXISTS \`${MYSQL_DB}\``);
    await a.end();
  });
  const socket = MYSQL_SOCKET ? `?socket=${encodeURIComponent(MYSQL_SOCKET)}` : '';
  return { url: `${MYSQL_ROOT}/${MYSQL_DB}${socket}`, sqliteFile: null, dataDir };
}

interface Prepared {
  actor: Actor;
  processRows: number;
  deepOffset: number;
  deep: Cursor;
  /** Ids of the first rows each scenario must show (a sanity check of what the server answers). */
  firstIds: Record<string, number>;
  seed: { rows: number; seconds: number };
}

async function prepare(dialect: Dialect, url: string): Promise<Prepared> {
  const handle = openDatabase(url, { poolSize: 5 });
  try {
    const now = new Date();
    await migrateToLatest(handle.db);
    await seedDemo(handle.db, now);
    log(`${dialect}: seeding ${INCIDENTS.toLocaleString('en-US')} incidents`);
    const seed = await seedIncidents(handle.db, dialect, now, INCIDENTS);
    log(`${dialect}: seeded in ${seed.seconds.toFixed(1)} s`);
    // Fresh InnoDB statistics, as the server has them some minutes after a bulk load.
    if (dialect === 'mysql') await sql`ANALYZE TABLE incidents`.execute(handle.db);
    const user = await handle.db.selectFrom('users').innerJoin('processes', 'processes.id', 'users.process_id')
      .select(['users.id', 'users.name', 'users.email', 'users.role', 'users.process_id', 'processes.slug'])
      .where('users.email', '=', DEMO_USER.email).executeTakeFirstOrThrow();
    const actor: Actor = {
      userId: user.id, processId: user.process_id, role: user.role, name: user.name, email: user.email,
      processSlug: user.slug, viewProcessId: null,
    };
    const count = await handle.db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('process_id', '=', actor.processId).executeTakeFirstOrThrow();
    const processRows = Number(count.n);
    // Deep, but with a full API page (and its look-ahead row) still behind the cursor.
    const deepOffset = Math.max(0, Math.min(Math.floor(processRows * DEEP_FRACTION), processRows - 2 - Math.max(...SCENARIOS.map((s) => s.limit))));
    const at = await handle.db.selectFrom('incidents').select(['id', 'opened_at'])
      .where('process_id', '=', actor.processId)
      .orderBy('opened_at', 'desc').orderBy('id', 'desc').offset(deepOffset).limit(1).executeTakeFirstOrThrow();
    const deep: Cursor = { at: at.opened_at, id: at.id };
    const firstIds: Record<string, number> = {};
    for (const c of [null, deep]) {
      const rows = await listIncidents(handle.db, actor, {}, c, 1);
      firstIds[c ? 'deep' : 'first'] = rows[0].id;
    }
    return { actor, processRows, deepOffset, deep, firstIds, seed };
  } finally {
    await handle.close();
  }
}

async function login(port: number): Promise<{ token: string; cookie: string }> {
  const api = await request(port, '/api/v1/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO_USER),
  });
  if (api.status !== 200) throw new Error(`API login: HTTP ${api.status} ${api.body.slice(0, 200)}`);
  const token = (JSON.parse(api.body) as { token: string }).token;
  const form = await request(port, '/login', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(DEMO_USER).toString(),
  });
  const set = form.headers['set-cookie'];
  const cookie = (Array.isArray(set) ? set : [set ?? '']).map((c) => c.split(';')[0]).find((c) => /d2c_session=/.test(c));
  if (form.status !== 302 || !cookie) throw new Error(`form login: HTTP ${form.status}, no session cookie`);
  return { token, cookie };
}

/** One request of the scenario, checked: the right status, rows and first row. */
async function check(port: number, path: string, headers: Record<string, string>, s: Scenario, firstId: number): Promise<HttpResponse> {
  const res = await request(port, path, { headers });
  if (res.status !== 200) throw new Error(`${s.key}: HTTP ${res.status} for ${path}`);
  if (s.kind === 'api') {
    const body = JSON.parse(res.body) as { items: { id: number }[]; next_cursor: string | null };
    if (body.items.length !== s.limit || !body.next_cursor) throw new Error(`${s.key}: expected ${s.limit} items and a next cursor, got ${body.items.length}`);
    if (body.items[0].id !== firstId) throw new Error(`${s.key}: first item ${body.items[0].id}, expected ${firstId}`);
  } else if (!res.body.includes(`/incidents/${firstId}`)) {
    throw new Error(`${s.key}: the page does not link incident ${firstId}`);
  }
  return res;
}

/**
 * The stack's ceiling for a scenario (tests/bench/ceiling.ts): the same request, SQL and answer
 * without the application, under the same load.
 */
async function measureCeiling(
  dialect: Dialect, db: { url: string; sqliteFile: string | null; dataDir: string }, s: Scenario, steps: RequestSql,
  answer: HttpResponse, path: string, headers: Record<string, string>, databasePid: number | null,
): Promise<{ http: LoopResult; cpu: CpuUse }> {
  const file = join(db.dataDir, `ceiling-${s.key}.json`);
  writeFileSync(file, JSON.stringify({
    databaseUrl: db.url, sqliteFile: db.sqliteFile, steps: encodeRequestSql(steps), body: answer.body,
    contentType: String(answer.headers['content-type'] ?? 'text/html; charset=UTF-8'),
  }));
  const child = startChild('ceiling.ts', { BENCH_CEILING_FILE: file });
  const stop = onCleanup(`${dialect} ceiling`, () => child.stop());
  try {
    const { port } = await child.next<{ port: number }>('ready', 30_000);
    const res = await request(port, path, { headers });
    if (res.status !== 200 || res.body !== answer.body) throw new Error(`${s.key} ceiling: HTTP ${res.status}, not the application's answer`);
    const meter = cpuMeter({ server: child.proc.pid, database: databasePid });
    const http = await httpLoad({ port, path, headers }, { concurrency: CONCURRENCY, seconds: SECONDS, warmupSeconds: WARMUP });
    const cpu = meter();
    log(`${dialect}: ceiling ${s.key} ${http.rps.toFixed(0)} req/s p99 ${http.p99.toFixed(1)} ms errors ${http.errors}; server CPU ${cpu.server?.toFixed(0) ?? '?'} %`);
    return { http, cpu };
  } finally {
    await stop();
  }
}

/** SQL statements and requests the server has counted (/metrics: with several HTTP workers, all of them). */
async function serverCounts(port: number): Promise<[number, number]> {
  return [await metric(port, 'd2c_db_statements_total'), await metric(port, 'd2c_http_request_duration_seconds_count')];
}

async function benchDatabase(dialect: Dialect, sink: SmtpSink, seeds: SeedInfo[], results: ScenarioResult[], fanouts: FanoutResult[]): Promise<void> {
  const name = dialect === 'mysql' ? 'MariaDB' : 'SQLite';
  const { url, sqliteFile, dataDir } = await createDatabase(dialect);
  const prep = await prepare(dialect, url);
  const deepCursor = encodeCursor(prep.deep.at, prep.deep.id);

  // The SQL of each scenario, exactly as the route compiles it (the page its summary columns, the API
  // every column), and its plan. The bare loop replays every statement of the request: the signed-in
  // user first, then the list (and, for a full page, the assignee filter's options at the same time).
  const queries = new Map<string, CompiledQuery>();
  const requestSql = new Map<string, RequestSql>();
  const userQuery = await captureSql(dialect, (db) => findSessionUser(db, prep.actor.userId, Date.now()));
  const assigneesQuery = await captureSql(dialect, (db) => assignableUsers(db, prep.actor.processId));
  for (const s of SCENARIOS) {
    const list = s.kind === 'page' ? listIncidentSummaries : listIncidents;
    const q = await captureSql(dialect, (db) => list(db, prep.actor, {}, s.deep ? prep.deep : null, s.limit));
    queries.set(s.key, q);
    const listStep: Statement[] = [{ query: q, rows: s.limit + 1 }];
    if (s.kind === 'page') listStep.push({ query: assigneesQuery });
    requestSql.set(s.key, [[{ query: userQuery, rows: 1 }], listStep]);
  }
  const plans = new Map<string, PlanCheck>();
  const pool = dialect === 'mysql' ? mysqlPool(url, 10) : null;
  const closePool = pool ? onCleanup('mysql2 pool', () => pool.end()) : async () => undefined;
  if (pool) {
    for (const s of SCENARIOS) plans.set(s.key, await explainMysql(pool, queries.get(s.key)!));
  } else {
    const raw = new SqliteDatabase(sqliteFile!, { readonly: true });
    for (const s of SCENARIOS) plans.set(s.key, explainSqlite(raw, queries.get(s.key)!));
    raw.close();
  }
  for (const s of SCENARIOS) {
    const p = plans.get(s.key)!;
    log(`${dialect} plan ${s.key}: index=${p.index} access=${p.access} sorts=${p.sorts}`);
  }

  // The server, in a process of its own, started afresh for each scenario so that its memory and
  // warm-up do not carry over from one scenario to the next. One JWT secret for the database: the
  // token and the session cookie from the first start stay valid.
  const secret = randomBytes(48).toString('base64url');
  let auth: { token: string; cookie: string } | null = null;
  const httpResults = new Map<string, { http: LoopResult; rssMb: number; statementsPerRequest: number; cpu: CpuUse; ceiling: { http: LoopResult; cpu: CpuUse } }>();
  // MariaDB's own server process, for the CPU budget; SQLite runs inside the process measured.
  const databasePid = dialect === 'mysql' ? findProcess(['mariadbd', 'mysqld']) : null;
  for (const s of SCENARIOS) {
    const server = await startAppServer({
      root: ROOT, databaseUrl: url, dataDir, jwtSecret: secret, logLevel: LOG_LEVEL, nodeArgs: SERVER_NODE_ARGS,
      env: { WEB_CONCURRENCY: String(WEB_CONCURRENCY) },
    });
    const stopServer = onCleanup(`${dialect} server`, () => server.stop());
    const { port } = server;
    if (!auth) {
      auth = await login(port);
      seeds.push({
        database: name, rows: prep.seed.rows, seconds: prep.seed.seconds, processRows: prep.processRows, deepOffset: prep.deepOffset,
        idleRssMb: rssMb(server.pid) ?? NaN,
      });
    }
    const path = s.kind === 'page'
      ? (s.deep ? `/incidents?cursor=${deepCursor}` : '/incidents')
      : `/api/v1/incidents?limit=${s.limit}${s.deep ? `&cursor=${deepCursor}` : ''}`;
    const headers: Record<string, string> = s.kind === 'page' ? { cookie: auth.cookie } : { authorization: `Bearer ${auth.token}` };
    const answer = await check(port, path, headers, s, prep.firstIds[s.deep ? 'deep' : 'first']);
    log(`${dialect}: ${s.key} — ${CONCURRENCY} clients, ${WARMUP} s warm-up + ${SECONDS} s`);
    const [statements0, requests0] = await serverCounts(port);
    const meter = cpuMeter({ server: server.pid, database: databasePid });
    const { value, peakMb } = await withRssSampling(server.pid, () => httpLoad({ port, path, headers }, { concurrency: CONCURRENCY, seconds: SECONDS, warmupSeconds: WARMUP }));
    const cpu = meter();
    const [statements1, requests1] = await serverCounts(port);
    const statementsPerRequest = (statements1 - statements0) / (requests1 - requests0);
    const clientPct = cpu.client;
    log(`${dialect}: ${s.key} ${value.rps.toFixed(0)} req/s p50 ${value.p50.toFixed(1)} ms p99 ${value.p99.toFixed(1)} ms errors ${value.errors}`
      + `${value.errorSamples.length ? ` (${value.errorSamples.join('; ')})` : ''}; server CPU ${cpu.server?.toFixed(0) ?? '?'} %, load generator CPU ${clientPct.toFixed(0)} %, ${value.bytes?.toFixed(0)} bytes/response, ${statementsPerRequest.toFixed(2)} SQL statements/request`);
    const heapMb = (await metric(port, 'nodejs_heap_used_bytes')) / 1048576;
    log(`${dialect}: server memory after ${s.key}: rss ${rssMb(server.pid)?.toFixed(0)} MB, heap in use ${heapMb.toFixed(0)} MB`);
    if (process.env.BENCH_DEBUG) log(topMappings(server.pid));
    await stopServer();
    const ceiling = await measureCeiling(dialect, { url, sqliteFile, dataDir }, s, requestSql.get(s.key)!, answer, path, headers, databasePid);
    httpResults.set(s.key, { http: value, rssMb: peakMb, statementsPerRequest, cpu, ceiling });
  }

  // The same SQL through the bare driver, with the server stopped.
  for (const s of SCENARIOS) {
    const q = queries.get(s.key)!;
    const steps = requestSql.get(s.key)!;
    const meter = cpuMeter({ database: databasePid });
    const bare = pool
      ? await bareMysqlLoop(pool, steps, { concurrency: CONCURRENCY, seconds: SECONDS, warmupSeconds: WARMUP })
      : bareSqliteLoop(sqliteFile!, steps, { seconds: SECONDS, warmupSeconds: WARMUP });
    const bareCpu = meter();
    log(`${dialect}: bare ${s.key} ${bare.rps.toFixed(0)} q/s p50 ${bare.p50.toFixed(2)} ms p99 ${bare.p99.toFixed(2)} ms errors ${bare.errors}`);
    const h = httpResults.get(s.key)!;
    results.push({
      database: name, scenario: s.label, http: h.http, rssMb: h.rssMb, cpuPct: h.cpu.server, bare,
      bareLabel: pool ? 'mysql2' : 'better-sqlite3', plan: plans.get(s.key)!, sql: q.sql, deep: s.deep,
      bareStatements: steps.flat().length, serverStatements: h.statementsPerRequest, cpu: h.cpu, bareCpu, ceiling: h.ceiling,
    });
  }
  await closePool();

  // Outbox fan-out, in a process of its own, to the loopback sink.
  log(`${dialect}: fan-out of ${RECIPIENTS} emails`);
  sink.clear();
  const fan = startChild('fanout.ts', { BENCH_DATABASE_URL: url, BENCH_SMTP_PORT: String(sink.port), BENCH_RECIPIENTS: String(RECIPIENTS) });
  const stopFan = onCleanup(`${dialect} fan-out`, () => fan.stop());
  const r = await fan.next<{ enqueueSeconds: number; dispatchSeconds: number; sent: number; failed: number; bounced: number; retried: number; calls: number }>('result', 180_000);
  await stopFan();
  const received = sink.messages.filter((m) => m.envelopeTo.some((t) => /^bench-\d+@bench\.test$/.test(t))).length;
  sink.clear();
  log(`${dialect}: fan-out sent ${r.sent} in ${r.dispatchSeconds.toFixed(2)} s (${(r.sent / r.dispatchSeconds).toFixed(0)}/s), sink received ${received}`);
  fanouts.push({ database: name, recipients: RECIPIENTS, received, ...r });
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const budgetSeconds = 600 + DATABASES.length * (SCENARIOS.length * 3 * (SECONDS + WARMUP + 5) + INCIDENTS / 500 + 200);
  const watchdog = setTimeout(() => {
    log(`watchdog: still running after ${budgetSeconds} s, giving up`);
    void cleanupAll().finally(() => process.exit(1));
  }, budgetSeconds * 1000);
  watchdog.unref();

  const sqliteVersion = (() => {
    const d = new SqliteDatabase(':memory:');
    try {
      return String((d.prepare('select sqlite_version() as v').get() as { v: string }).v);
    } finally {
      d.close();
    }
  })();
  const machine: Machine = {
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    cpu: os.cpus()[0]?.model ?? 'unknown CPU',
    cores: os.cpus().length,
    memoryGb: os.totalmem() / 1024 ** 3,
    node: process.version,
    mariadb: DATABASES.includes('mysql') ? await mysqlVersion() : null,
    sqlite: sqliteVersion,
    loadAvg: os.loadavg(),
  };
  const sink = await startSmtpSink();
  onCleanup('SMTP sink', () => sink.stop());

  const seeds: SeedInfo[] = [];
  const results: ScenarioResult[] = [];
  const fanouts: FanoutResult[] = [];
  for (const dialect of DATABASES) {
    const mark = cleanups.length;
    try {
      await benchDatabase(dialect, sink, seeds, results, fanouts);
    } finally {
      await cleanupTo(mark); // this database, its files and processes, before the next one
    }
  }

  const notes: string[] = [];
  if (machine.loadAvg[0] > machine.cores * 0.5) {
    notes.push(`The machine was busy when the run started (load ${machine.loadAvg[0].toFixed(2)} on ${machine.cores} cores): figures are not representative.`);
  }
  if (INCIDENTS !== 200_000 || SECONDS !== 15 || CONCURRENCY !== 20) {
    notes.push(`Scaled-down run (BENCH_INCIDENTS=${INCIDENTS}, BENCH_SECONDS=${SECONDS}, BENCH_CONCURRENCY=${CONCURRENCY}); the reference run is 200,000 incidents, 15 s, 20 clients.`);
  }
  const report = renderReport(machine, {
    seconds: SECONDS, warmupSeconds: WARMUP, concurrency: CONCURRENCY, incidents: INCIDENTS, recipients: RECIPIENTS, logLevel: LOG_LEVEL,
    webConcurrency: WEB_CONCURRENCY, mysqlTransport: MYSQL_SOCKET ? `Unix socket ${MYSQL_SOCKET}` : `TCP ${new URL(MYSQL_ROOT).host}`,
  }, seeds, results, fanouts, notes);
  mkdirSync(dirname(OUT_FILE), { recursive: true });
  writeFileSync(OUT_FILE, report + '\n');
  process.stdout.write(report + '\n');
  log(`written to ${OUT_FILE}`);
  clearTimeout(watchdog);
}

let code = 0;
try {
  await main();
} catch (e) {
  code = 1;
  log(`failed: ${(e as Error).stack ?? e}`);
} finally {
  await cleanupAll();
}
// Nothing should be left; exit anyway so a stray handle cannot keep the run alive.
process.exit(code);
