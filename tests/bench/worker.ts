/**
 * Worker tick benchmark: `node --import tsx tests/bench/worker.ts`
 *
 * Per database (BENCH_DATABASES, default "mysql,sqlite") and per table size (BENCH_WORKER_SIZES,
 * default "10000,100000" unresolved incidents): the demo seed, 50 escalation chains and 50
 * automation rules per process (8 processes), the unresolved incidents opened 1 to 30 days ago
 * (their tiers and thresholds are long past, as in a system that has been running), then:
 *
 * - the first tick on that database (a first start);
 * - idle ticks, a minute apart, with nothing newly due: the fixed cost of a tick;
 * - busy ticks: K fresh incidents (BENCH_WORKER_FRESH, default "10,100,500") just opened, so their
 *   0-minute tiers and matching rules are due: the cost per firing.
 *
 * It times the engine's two tasks (automation, escalations) and the whole worker tick (with the
 * unattended reminders of the incidents module), prints a Markdown report and writes it to
 * BENCH_WORKER_OUT when set. Talks to 127.0.0.1 only; removes its databases on the way out.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql, type Insertable } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { openDatabase, type Db, type DbHandle, type Dialect } from '../../src/db/index.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { workerTick } from '../../src/jobs/worker.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { runAutomation } from '../../src/modules/automation/engine.js';
import { runEscalations } from '../../src/modules/escalations/engine.js';
import { engine } from '../../src/modules/escalations/store.js';
import { seedDemo } from '../../seeds/demo.js';

const DATABASES = (process.env.BENCH_DATABASES || 'mysql,sqlite').split(',').map((s) => s.trim()).filter(Boolean) as Dialect[];
const SIZES = (process.env.BENCH_WORKER_SIZES || '10000,100000').split(',').map(Number);
const FRESH = (process.env.BENCH_WORKER_FRESH || '10,100,500').split(',').map(Number);
const IDLE_TICKS = Number(process.env.BENCH_WORKER_IDLE_TICKS || 5);
const CHAINS_PER_PROCESS = 50;
const RULES_PER_PROCESS = 50;
const MYSQL_ROOT = (process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

for (const d of DATABASES) if (d !== 'mysql' && d !== 'sqlite') throw new Error(`BENCH_DATABASES: unknown database "${d}"`);
for (const n of [...SIZES, ...FRESH]) if (!Number.isInteger(n) || n < 0 || n > 2_000_000) throw new Error(`bad size ${n}`);
const host = new URL(MYSQL_ROOT).hostname;
if (DATABASES.includes('mysql') && host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the benchmark only talks to 127.0.0.1, not ${host}`);

const log = (msg: string) => process.stderr.write(`[bench-worker ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** mulberry32: deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['gateway', 'database', 'login', 'payment', 'sms', 'ussd', 'disk', 'queue', 'dns', 'certificate'];

interface Opened {
  handle: DbHandle;
  drop: () => Promise<void>;
}

async function openFresh(dialect: Dialect, tag: string): Promise<Opened> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(os.tmpdir(), 'd2c-bench-worker-'));
    const handle = openDatabase(`sqlite:${join(dir, 'bench.sqlite')}`);
    return { handle, drop: async () => { await handle.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const name = `d2c_bench_worker_${tag}`;
  const u = new URL(MYSQL_ROOT);
  const admin = await createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) });
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const handle = openDatabase(`${MYSQL_ROOT}/${name}`, { poolSize: 4 });
  return {
    handle,
    drop: async () => {
      await handle.close();
      const a = await createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) });
      await a.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await a.end();
    },
  };
}

async function insertBatches<T extends keyof Database>(db: Db, dialect: Dialect, table: T, rows: Insertable<Database[T]>[], batch = 500): Promise<void> {
  const run = async (exec: Db) => {
    for (let i = 0; i < rows.length; i += batch) await exec.insertInto(table).values(rows.slice(i, i + batch) as never).execute();
  };
  if (dialect === 'sqlite') await db.transaction().execute((trx) => run(trx as unknown as Db));
  else await run(db);
}

/** 50 chains and 50 rules per process (the demo's one chain and two rules count), created a minute before `now`. */
async function seedEngine(db: Db, dialect: Dialect, now: Date): Promise<void> {
  const since = new Date(now.getTime() - MIN);
  const processes = await db.selectFrom('processes').select(['id']).orderBy('id').execute();
  const users = await db.selectFrom('users').select(['id', 'process_id', 'role']).execute();
  for (const p of processes) {
    const staff = (role: string) => users.find((u) => u.process_id === p.id && u.role === role)!.id;
    const chains = Array.from({ length: CHAINS_PER_PROCESS - 1 }, (_, i) => ({
      process_id: p.id, name: `Bench chain ${i + 1}`, trigger_severity: i % 5 === 4 ? null : (i % 4) + 1, is_active: true,
      created_by: staff('manager'), created_at: since, updated_at: since,
    }));
    await insertBatches(db, dialect, 'escalation_chains', chains);
    const ids = (await db.selectFrom('escalation_chains').select('id').where('process_id', '=', p.id).orderBy('id').execute()).map((c) => c.id);
    const tiers = ids.flatMap((chainId, i) => [
      { process_id: p.id, chain_id: chainId, position: 1, delay_minutes: 0, channels: '["email"]', user_id: staff('operator'), webhook_url: null },
      { process_id: p.id, chain_id: chainId, position: 2, delay_minutes: 15 + 5 * (i % 4), channels: '["email"]', user_id: staff('manager'), webhook_url: null },
      { process_id: p.id, chain_id: chainId, position: 3, delay_minutes: 60 + 15 * (i % 5), channels: '["email"]', user_id: null, webhook_url: null },
    ]).filter((t) => !(t.chain_id === ids[0])); // the demo chain keeps its own tiers
    await insertBatches(db, dialect, 'escalation_tiers', tiers);
    const rules = Array.from({ length: RULES_PER_PROCESS - 2 }, (_, i) => {
      const kind = i % 3;
      const base = { process_id: p.id, name: `Bench rule ${i + 1}`, is_active: true, execution_count: 0, last_run_at: null, created_by: staff('manager'), created_at: since, updated_at: since };
      if (kind === 0) {
        return { ...base, trigger_type: 'severity_unresolved', trigger_config: JSON.stringify({ severity: (i % 4) + 1, minutes: [15, 30, 60, 120][i % 4] }),
          action_type: 'escalate_chain', action_config: JSON.stringify({ chain_id: ids[1 + (i % (ids.length - 1))] }) };
      }
      if (kind === 1) {
        return { ...base, trigger_type: 'custom', trigger_config: JSON.stringify({ severity: [(i % 4) + 1], title_contains: WORDS[i % WORDS.length], ...(i % 2 ? { min_age_minutes: 10 } : {}) }),
          action_type: 'email_roles', action_config: JSON.stringify({ roles: ['manager'] }) };
      }
      return { ...base, trigger_type: 'schedule', trigger_config: JSON.stringify({ cron: `${i % 60} 3 * * *` }),
        action_type: 'email_digest', action_config: JSON.stringify({ roles: ['manager', 'admin'] }) };
    });
    await insertBatches(db, dialect, 'automation_rules', rules);
  }
}

/** Unresolved incidents opened 1 to 30 days before `now`, spread over every process. */
async function seedBacklog(db: Db, dialect: Dialect, now: Date, total: number, seed: number): Promise<void> {
  const processes = await db.selectFrom('processes').select(['id']).orderBy('id').execute();
  const rand = prng(seed);
  const rows: Insertable<Database['incidents']>[] = [];
  for (let i = 0; i < total; i++) {
    const opened = new Date(now.getTime() - DAY - Math.floor(rand() * 29 * DAY));
    const status = rand() < 0.5 ? 'open' : 'in_progress';
    rows.push({
      process_id: processes[i % processes.length].id, title: `Backlog ${WORDS[i % WORDS.length]} issue #${i}`, description: null,
      severity: 1 + Math.floor(rand() * 4), status, assigned_to: null, opened_by: null, opened_at: opened,
      acknowledged_at: status === 'in_progress' ? opened : null, resolved_at: null, rca: null,
      reminder_sent_at: new Date(opened.getTime() + 30 * MIN), source: 'manual', updated_at: opened,
    });
  }
  await insertBatches(db, dialect, 'incidents', rows, 1000);
}

async function freshIncidents(db: Db, dialect: Dialect, at: Date, n: number, seed: number): Promise<void> {
  const processes = await db.selectFrom('processes').select(['id']).orderBy('id').execute();
  const rand = prng(seed);
  const rows: Insertable<Database['incidents']>[] = Array.from({ length: n }, (_, i) => ({
    process_id: processes[i % processes.length].id, title: `Fresh ${WORDS[Math.floor(rand() * WORDS.length)]} alarm ${i}`, description: null,
    severity: 1 + Math.floor(rand() * 4), status: 'open', assigned_to: null, opened_by: null, opened_at: at,
    acknowledged_at: null, resolved_at: null, rca: null, reminder_sent_at: null, source: 'manual', updated_at: at,
  }));
  await insertBatches(db, dialect, 'incidents', rows, 500);
}

/** The database's plan for the two window queries the tasks run each tick (two stretches of opened_at). */
async function explainWindows(db: Db, dialect: Dialect, now: Date): Promise<string[]> {
  const ranges = [[now.getTime() - 6 * MIN, now.getTime()], [now.getTime() - 36 * MIN, now.getTime() - 30 * MIN]];
  const out: string[] = [];
  for (const status of ['open', null] as const) {
    const q = db.selectFrom('incidents').select(['id', 'process_id', 'severity', 'status', 'title', 'opened_at'])
      .where((eb) => eb.or(ranges.map(([a, b]) => eb.and([
        ...(status ? [eb('status', '=', status)] : []),
        eb('opened_at', '>=', new Date(a)),
        eb('opened_at', '<=', new Date(b)),
      ]))));
    const c = q.compile();
    const label = status ? 'escalations (open incidents)' : 'automation (any status)';
    if (dialect === 'mysql') {
      const res = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(`EXPLAIN ${c.sql}`, [...c.parameters]));
      out.push(`${label}: ${res.rows.map((r) => `type=${r.type}, key=${r.key}, rows=${r.rows}`).join('; ')}`);
    } else {
      const res = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${c.sql}`, [...c.parameters]));
      out.push(`${label}: ${res.rows.map((r) => String(r.detail)).filter((d) => d.startsWith('SEARCH') || d.startsWith('SCAN')).join('; ')}`);
    }
  }
  return out;
}

interface TickTiming {
  engineMs: number;
  automationMs: number;
  escalationsMs: number;
  fired: number;
  executed: number;
  candidates: number;
}

async function engineTick(db: Db, now: Date): Promise<TickTiming> {
  const e = engine(db);
  const mail = { appUrl: 'http://127.0.0.1:3000' };
  const t0 = performance.now();
  const a = await runAutomation(e, now, { mail, intervalMs: 60_000 });
  const t1 = performance.now();
  const s = await runEscalations(e, now, { mail });
  const t2 = performance.now();
  return { engineMs: t2 - t0, automationMs: t1 - t0, escalationsMs: t2 - t1, fired: s.fired, executed: a.executed, candidates: a.candidates + s.candidates };
}

const plans: string[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;

interface Row {
  dialect: Dialect;
  size: number;
  scenario: string;
  engineMs: number;
  fullMs: number | null;
  fired: number;
  executed: number;
}

async function benchOne(dialect: Dialect, size: number): Promise<Row[]> {
  const rows: Row[] = [];
  const tag = `${size}`;
  const { handle, drop } = await openFresh(dialect, tag);
  try {
    const db = handle.db;
    await migrateToLatest(db);
    // 12:00 in Johannesburg: no scheduled rule is due while the ticks run.
    let now = new Date('2026-05-11T10:00:00.000Z');
    log(`${dialect} ${size}: seeding`);
    await seedDemo(db, new Date(now.getTime() - 2 * DAY));
    await seedEngine(db, dialect, now);
    await seedBacklog(db, dialect, now, size, 20260511);
    if (dialect === 'mysql') await sql`ANALYZE TABLE incidents`.execute(db);
    const unresolved = await db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '!=', 'resolved').executeTakeFirstOrThrow();
    log(`${dialect} ${size}: ${Number(unresolved.n)} unresolved incidents; first tick`);

    plans.push(...(await explainWindows(db, dialect, now)).map((p) => `${dialect === 'mysql' ? 'MariaDB' : 'SQLite'}, ${size.toLocaleString('en-US')} unresolved: ${p}`));
    const first = await engineTick(db, now);
    rows.push({ dialect, size, scenario: 'first start', engineMs: first.engineMs, fullMs: null, fired: first.fired, executed: first.executed });

    const idle: TickTiming[] = [];
    for (let i = 0; i < IDLE_TICKS; i++) {
      now = new Date(now.getTime() + MIN);
      idle.push(await engineTick(db, now));
    }
    rows.push({
      dialect, size, scenario: `idle (median of ${IDLE_TICKS})`, engineMs: median(idle.map((x) => x.engineMs)), fullMs: null,
      fired: idle.reduce((a, x) => a + x.fired, 0), executed: idle.reduce((a, x) => a + x.executed, 0),
    });
    // The whole worker tick as the server runs it (reminders, automation, escalations).
    const deps = { db, config: loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40), APP_URL: 'http://127.0.0.1:3000', DATA_DIR: os.tmpdir() }), log: createLogger('silent') };
    now = new Date(now.getTime() + MIN);
    const w0 = performance.now();
    await workerTick(deps, now);
    rows.push({ dialect, size, scenario: 'idle, whole worker tick', engineMs: NaN, fullMs: performance.now() - w0, fired: 0, executed: 0 });

    for (const k of FRESH) {
      now = new Date(now.getTime() + MIN);
      await freshIncidents(db, dialect, new Date(now.getTime() - 30_000), k, k * 7 + size);
      const busy = await engineTick(db, now);
      rows.push({ dialect, size, scenario: `${k} new incidents`, engineMs: busy.engineMs, fullMs: null, fired: busy.fired, executed: busy.executed });
      log(`${dialect} ${size}: ${k} fresh → ${busy.fired} tiers, ${busy.executed} rules in ${ms(busy.engineMs)}`);
    }
  } finally {
    await drop();
  }
  return rows;
}

function report(rows: Row[]): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const out = [
    `# Worker tick benchmark`,
    '',
    `${os.cpus().length} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. `
      + `8 processes, ${CHAINS_PER_PROCESS} chains (3 tiers each) and ${RULES_PER_PROCESS} rules per process; `
      + 'the unresolved incidents were opened 1 to 30 days before the ticks.',
    '',
    '| database | unresolved incidents | tick | engine time | tiers fired | rules run | per firing |',
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const work = r.fired + r.executed;
    const time = Number.isNaN(r.engineMs) ? `${ms(r.fullMs!)} (whole tick)` : ms(r.engineMs);
    const per = work && !Number.isNaN(r.engineMs) ? ms(r.engineMs / work) : '—';
    out.push(`| ${r.dialect === 'mysql' ? 'MariaDB' : 'SQLite'} | ${r.size.toLocaleString('en-US')} | ${r.scenario} | ${time} | ${r.fired} | ${r.executed} | ${per} |`);
  }
  if (plans.length) out.push('', 'Query plans of the window reads (EXPLAIN):', '', ...plans.map((p) => `- ${p}`));
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const dialect of DATABASES) {
    for (const size of SIZES) rows.push(...await benchOne(dialect, size));
  }
  const md = report(rows);
  process.stdout.write(md);
  if (process.env.BENCH_WORKER_OUT) writeFileSync(process.env.BENCH_WORKER_OUT, md);
}

main().then(() => process.exit(0), (err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
