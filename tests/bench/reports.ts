import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { appendAuditRows, type AuditContent } from '../../src/audit.js';
import { openDatabase, type Db, type Dialect } from '../../src/db/index.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { seedDemo } from '../../seeds/demo.js';
import { metric, startAppServer } from '../helpers/app-server.js';
import { statusMb } from './lib/proc.js';
import { seedIncidents } from './lib/seed.js';

/**
 * Report exports under load of data, run standalone:
 *
 *   node --import tsx tests/bench/reports.ts
 *
 * For each database (MariaDB at 127.0.0.1 and SQLite): seeds the demo, BENCH_PDF_INCIDENTS incidents
 * (10,000) over two years and BENCH_AUDIT_ROWS hash-chained audit entries (1,000,000) in the Momo
 * process over a year; then starts the application server (the compiled build, dist/src/main.js, production
 * settings) once per scenario and measures, over HTTP on 127.0.0.1:
 *   - the incident report PDF of every incident (super admin, all processes): time, size, pages;
 *   - the audit log CSV of all entries (Momo's admin): time to first byte, time, size, rows;
 * with the server's resident memory sampled every 50 ms (and its high-water mark from /proc).
 * Writes tests/bench/results/reports.md. Databases, temp files and child processes are removed on
 * the way out, also on errors and Ctrl-C.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number between ${min} and ${max}, got "${raw}"`);
  return Math.round(n);
}

const PDF_INCIDENTS = envNumber('BENCH_PDF_INCIDENTS', 10_000, 100, 20_000);
const AUDIT_ROWS = envNumber('BENCH_AUDIT_ROWS', 1_000_000, 1_000, 10_000_000);
const DATABASES = (process.env.BENCH_DATABASES || 'mysql,sqlite').split(',').map((s) => s.trim()).filter(Boolean) as Dialect[];
const MYSQL_ROOT = (process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const MYSQL_DB = 'd2c_bench_reports';
const OUT_FILE = join(HERE, 'results', 'reports.md');
const SUPER_ADMIN = { email: 'admin@d2ctelcare.com', password: 'Admin@D2C2026' };
const MOMO_ADMIN = { email: 'admin.momo@d2ctelcare.com', password: 'Admin@123' };
const TARGET_MB = 150;
/** Extra node flags for the server process, e.g. "--max-semi-space-size=2" (a smaller young generation). */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

for (const d of DATABASES) if (d !== 'mysql' && d !== 'sqlite') throw new Error(`BENCH_DATABASES: unknown database "${d}"`);
if (DATABASES.includes('mysql')) {
  const host = new URL(MYSQL_ROOT).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the benchmark only talks to 127.0.0.1, not ${host}`);
}

const log = (msg: string) => process.stderr.write(`[bench:reports ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Clean-up: every resource registers how to release it; released newest first on any exit.

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
async function cleanupAll(): Promise<void> {
  while (cleanups.length) {
    const { name, fn } = cleanups.pop()!;
    try {
      await Promise.race([fn(), new Promise((r) => setTimeout(r, 10_000).unref())]);
    } catch (e) {
      log(`clean-up of ${name} failed: ${(e as Error).message}`);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Databases

async function mysqlAdmin() {
  const u = new URL(MYSQL_ROOT);
  return createConnection({
    host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password),
  });
}

async function createDatabase(dialect: Dialect): Promise<{ url: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'd2c-bench-reports-'));
  onCleanup(`temp dir ${dataDir}`, () => rmSync(dataDir, { recursive: true, force: true }));
  if (dialect === 'sqlite') return { url: `sqlite:${join(dataDir, 'bench.sqlite')}`, dataDir };
  const admin = await mysqlAdmin();
  await admin.query(`DROP DATABASE IF EXISTS \`${MYSQL_DB}\``);
  await admin.query(`CREATE DATABASE \`${MYSQL_DB}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  onCleanup(`database ${MYSQL_DB}`, async () => {
    const a = await mysqlAdmin();
    await a.query(`DROP DATABASE IF EXISTS \`${MYSQL_DB}\``);
    await a.end();
  });
  return { url: `${MYSQL_ROOT}/${MYSQL_DB}`, dataDir };
}

const ACTIONS = ['incident.create', 'incident.update', 'incident.update', 'ticket.create', 'ticket.update', 'approval.create',
  'approval.approved', 'handover.submit', 'downtime.create', 'downtime.end'];
const AGENTS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15', 'd2c-ops-cli/1.0'];

/** Audit entries of one process over the year before `now`, oldest first, hash-chained as the app does. */
async function seedAudit(db: Db, now: Date, total: number): Promise<number> {
  const started = performance.now();
  const momo = await db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow();
  const users = (await db.selectFrom('users').select('id').where('process_id', '=', momo.id).where('role', '!=', 'client').execute()).map((u) => u.id);
  const start = now.getTime() - 365 * 86_400_000;
  const step = (365 * 86_400_000 - 3_600_000) / total;
  const chunk = 10_000;
  for (let done = 0; done < total; done += chunk) {
    const rows: AuditContent[] = [];
    for (let i = done; i < Math.min(total, done + chunk); i++) {
      const action = ACTIONS[i % ACTIONS.length];
      const entity = action.split('.')[0];
      rows.push({
        process_id: momo.id, user_id: users[i % users.length], action, entity_type: entity, entity_id: 1 + (i % 5000),
        ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, user_agent: AGENTS[i % AGENTS.length],
        changes: action.endsWith('update') ? JSON.stringify({ status: ['open', 'in_progress'], note: `Change number ${i}, "quoted", with a comma` }) : JSON.stringify({ title: `Record ${i}` }),
        created_at: new Date(Math.floor(start + i * step)),
      });
    }
    await db.transaction().execute((trx) => appendAuditRows(trx as unknown as Db, rows, now, 1000));
    if ((done / chunk) % 20 === 0) log(`  audit: ${(done + rows.length).toLocaleString('en-US')} rows`);
  }
  return (performance.now() - started) / 1000;
}

// ---------------------------------------------------------------------------------------------
// The server and what it uses

interface Server {
  proc: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

async function startServer(url: string, dataDir: string): Promise<Server> {
  const server = await startAppServer({
    root: ROOT, databaseUrl: url, dataDir, jwtSecret: randomBytes(32).toString('hex'), logLevel: 'warn', nodeArgs: SERVER_NODE_ARGS,
  });
  const release = onCleanup(`server ${server.pid}`, () => server.stop());
  return { proc: server.proc, port: server.port, stop: release };
}

function memory(pid: number): { rss: number; hwm: number } | null {
  const rss = statusMb(pid, 'VmRSS');
  const hwm = statusMb(pid, 'VmHWM');
  return rss === null || hwm === null ? null : { rss, hwm };
}

interface Fetched {
  status: number;
  bytes: number;
  lines: number;
  firstByteMs: number;
  totalMs: number;
  head: string;
  body?: Buffer;
}

/** GET over HTTP, counting bytes and line ends as they stream (the body is kept only when asked). */
function get(port: number, path: string, headers: Record<string, string>, keep: boolean, progress?: { lines: number }): Promise<Fetched> {
  const t0 = performance.now();
  return new Promise((resolveGet, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      let first = -1;
      let bytes = 0;
      let lines = 0;
      let head = '';
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        if (first < 0) first = performance.now() - t0;
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
        if (progress) progress.lines = lines;
        if (head.length < 300) head += chunk.subarray(0, 300).toString('utf8');
        if (keep) parts.push(chunk);
      });
      res.on('end', () => resolveGet({
        status: res.statusCode ?? 0, bytes, lines, firstByteMs: first, totalMs: performance.now() - t0, head, body: keep ? Buffer.concat(parts) : undefined,
      }));
      res.on('error', reject);
    });
    req.setTimeout(600_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

async function login(port: number, who: { email: string; password: string }): Promise<string> {
  const body = JSON.stringify(who);
  return new Promise((resolveLogin, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/api/v1/auth/login', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => (res.statusCode === 200 ? resolveLogin((JSON.parse(text) as { token: string }).token) : reject(new Error(`login ${who.email}: HTTP ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Measured {
  fetched: Fetched;
  baseMb: number;
  peakMb: number;
  hwmMb: number;
  /** The highest RSS seen in each quarter of the rows received: flat memory shows as four similar numbers. */
  quarters: number[];
  /** JS heap in use by the idle server before the request. */
  heapMb: number;
}

/** One scenario on a fresh server: warm it up, then fetch while sampling its memory. */
async function measure(url: string, dataDir: string, who: { email: string; password: string }, path: string, keep: boolean, expectedRows = 0): Promise<Measured> {
  const server = await startServer(url, dataDir);
  try {
    const token = await login(server.port, who);
    const auth = { authorization: `Bearer ${token}` };
    // Warm-up: the same code paths on a tiny range (fonts loaded, queries prepared).
    await get(server.port, path.replace(/from=[^&]+/, 'from=2000-01-01').replace(/to=[^&]+/, 'to=2000-01-02'), auth, false);
    const pid = server.proc.pid!;
    const heap = (await metric(server.port, 'nodejs_heap_used_bytes')) / 1048576;
    const base = memory(pid);
    let peak = base?.rss ?? 0;
    const progress = { lines: 0 };
    const quarters = [0, 0, 0, 0];
    const timer = setInterval(() => {
      const m = memory(pid);
      if (!m) return;
      peak = Math.max(peak, m.rss);
      if (expectedRows) {
        const q = Math.min(3, Math.floor((progress.lines / expectedRows) * 4));
        quarters[q] = Math.max(quarters[q], m.rss);
      }
    }, 50);
    // The JS heap reserved per quarter too: where RSS grows, heap or native memory.
    const heapQuarters = [0, 0, 0, 0];
    const heapTimer = setInterval(() => {
      void metric(server.port, 'nodejs_heap_total_bytes').then((bytes) => {
        const q = expectedRows ? Math.min(3, Math.floor((progress.lines / expectedRows) * 4)) : 0;
        if (Number.isFinite(bytes)) heapQuarters[q] = Math.max(heapQuarters[q], bytes / 1048576);
      });
    }, 500);
    let fetched: Fetched;
    try {
      fetched = await get(server.port, path, auth, keep, progress);
    } finally {
      clearInterval(timer);
      clearInterval(heapTimer);
    }
    if (expectedRows) log(`  JS heap reserved per quarter: ${heapQuarters.map((q) => q.toFixed(0)).join(' / ')} MB; RSS per quarter: ${quarters.map((q) => q.toFixed(0)).join(' / ')} MB`);
    const end = memory(pid);
    if (fetched.status !== 200) throw new Error(`${path}: HTTP ${fetched.status} ${fetched.head}`);
    return { fetched, baseMb: base?.rss ?? NaN, peakMb: Math.max(peak, end?.rss ?? 0), hwmMb: end?.hwm ?? NaN, quarters, heapMb: heap };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------

interface Row {
  database: string;
  scenario: string;
  rows: number;
  size: string;
  firstByte: string;
  time: string;
  rate: string;
  memory: string;
  note: string;
}

const mb = (n: number) => `${n.toFixed(0)} MB`;

async function benchDatabase(dialect: Dialect, rows: Row[], seeds: string[]): Promise<void> {
  const name = dialect === 'mysql' ? 'MariaDB' : 'SQLite';
  const { url, dataDir } = await createDatabase(dialect);
  const now = new Date();
  const from = new Date(now.getTime() - 731 * 86_400_000).toISOString().slice(0, 10);
  const to = now.toISOString().slice(0, 10);
  {
    const handle = openDatabase(url, { poolSize: 4 });
    try {
      await migrateToLatest(handle.db);
      await seedDemo(handle.db, now);
      log(`${name}: seeding ${PDF_INCIDENTS.toLocaleString('en-US')} incidents`);
      const inc = await seedIncidents(handle.db, dialect, now, PDF_INCIDENTS);
      log(`${name}: seeding ${AUDIT_ROWS.toLocaleString('en-US')} audit entries`);
      const auditSeconds = await seedAudit(handle.db, now, AUDIT_ROWS);
      if (dialect === 'mysql') await sql`ANALYZE TABLE incidents, audit_log`.execute(handle.db);
      seeds.push(`${name}: ${PDF_INCIDENTS.toLocaleString('en-US')} incidents in ${inc.seconds.toFixed(1)} s; ${AUDIT_ROWS.toLocaleString('en-US')} chained audit entries in ${auditSeconds.toFixed(1)} s`);
    } finally {
      await handle.close();
    }
  }

  log(`${name}: PDF of every incident`);
  const pdf = await measure(url, dataDir, SUPER_ADMIN, `/api/v1/reports/incidents.pdf?from=${from}&to=${to}&tz=UTC`, true);
  const pdfFile = join(dataDir, 'incidents.pdf');
  writeFileSync(pdfFile, pdf.fetched.body!);
  let pages = '?';
  try {
    pages = /Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdfFile], { encoding: 'utf8' }))?.[1] ?? '?';
  } catch {
    // pdfinfo (poppler-utils) is optional here.
  }
  const pdfRows = Number(/· ([\d,]+) incidents/.exec(execPdfText(pdfFile))?.[1]?.replace(/,/g, '') ?? NaN);
  rows.push({
    database: name, scenario: 'Incident report PDF, all processes (super admin)', rows: pdfRows,
    size: `${(pdf.fetched.bytes / 1048576).toFixed(1)} MB, ${pages} pages`, firstByte: `${(pdf.fetched.firstByteMs / 1000).toFixed(2)} s`,
    time: `${(pdf.fetched.totalMs / 1000).toFixed(2)} s`, rate: `${Math.round(pdfRows / (pdf.fetched.totalMs / 1000)).toLocaleString('en-US')} rows/s`,
    memory: `${mb(pdf.baseMb)} (JS heap ${mb(pdf.heapMb)}) → ${mb(pdf.peakMb)} (+${mb(pdf.peakMb - pdf.baseMb)})`, note: '',
  });
  log(`${name}: PDF ${pdf.fetched.bytes} bytes in ${(pdf.fetched.totalMs / 1000).toFixed(2)} s, RSS ${mb(pdf.baseMb)} -> ${mb(pdf.peakMb)}`);

  log(`${name}: CSV of every audit entry`);
  const csv = await measure(url, dataDir, MOMO_ADMIN, `/api/v1/reports/audit.csv?from=${from}&to=${to}&tz=UTC`, false, AUDIT_ROWS);
  const csvRows = csv.fetched.lines - 1;
  if (csvRows < AUDIT_ROWS) throw new Error(`the audit CSV has ${csvRows} rows, expected at least ${AUDIT_ROWS}`);
  const withinTarget = csv.peakMb <= TARGET_MB;
  rows.push({
    database: name, scenario: 'Audit log CSV, one process (admin)', rows: csvRows,
    size: `${(csv.fetched.bytes / 1048576).toFixed(0)} MB`, firstByte: `${(csv.fetched.firstByteMs).toFixed(0)} ms`,
    time: `${(csv.fetched.totalMs / 1000).toFixed(1)} s`, rate: `${Math.round(csvRows / (csv.fetched.totalMs / 1000)).toLocaleString('en-US')} rows/s`,
    memory: `${mb(csv.baseMb)} (JS heap ${mb(csv.heapMb)}) → ${mb(csv.peakMb)} (+${mb(csv.peakMb - csv.baseMb)})`,
    note: `${withinTarget ? `under ${TARGET_MB} MB` : `over ${TARGET_MB} MB`}; peak per quarter of the rows: ${csv.quarters.map((q) => q.toFixed(0)).join(' / ')} MB`,
  });
  log(`${name}: CSV ${csvRows} rows, ${csv.fetched.bytes} bytes in ${(csv.fetched.totalMs / 1000).toFixed(1)} s, first byte ${csv.fetched.firstByteMs.toFixed(0)} ms, RSS ${mb(csv.baseMb)} -> ${mb(csv.peakMb)}`);
}

function execPdfText(file: string): string {
  try {
    return execFileSync('pdftotext', ['-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

const LOAD_AT_START = os.loadavg().map((n) => n.toFixed(2)).join(' / ');

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ${(os.totalmem() / 1073741824).toFixed(0)} GB RAM, Node ${process.version}, ${os.type()} ${os.release()}; load average at start ${LOAD_AT_START}, at end ${os.loadavg().map((n) => n.toFixed(2)).join(' / ')}`;
}

function render(rows: Row[], seeds: string[]): string {
  const lines = [
    '# Report exports',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`node --import tsx tests/bench/reports.ts\` on ${machine()}.`,
    '',
    ...seeds.map((s) => `- ${s}`),
    '',
    'Each scenario runs on a fresh server process (the compiled build with production settings) after one small',
    'warm-up export; memory is that process\'s resident set, sampled every 50 ms, before → peak. Requests go',
    `over HTTP on 127.0.0.1 and are read as fast as they arrive. Target for the CSV: flat memory, under ${TARGET_MB} MB.`,
    `Server node flags: ${SERVER_NODE_ARGS.length ? SERVER_NODE_ARGS.join(' ') : 'none (Node defaults)'}.`,
    '',
    '| database | scenario | rows | size | first byte | time | rate | server memory (RSS) | |',
    '|---|---|---:|---|---:|---:|---:|---|---|',
    ...rows.map((r) => `| ${r.database} | ${r.scenario} | ${r.rows.toLocaleString('en-US')} | ${r.size} | ${r.firstByte} | ${r.time} | ${r.rate} | ${r.memory} | ${r.note} |`),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const seeds: string[] = [];
  for (const d of DATABASES) {
    await benchDatabase(d, rows, seeds);
    await cleanupAll();
  }
  const text = render(rows, seeds);
  mkdirSync(dirname(OUT_FILE), { recursive: true });
  writeFileSync(OUT_FILE, text);
  process.stdout.write(text);
  log(`wrote ${OUT_FILE}`);
}

main().then(
  async () => {
    await cleanupAll();
    process.exit(0);
  },
  async (e) => {
    log(`failed: ${(e as Error).stack ?? e}`);
    await cleanupAll();
    process.exit(1);
  },
);
