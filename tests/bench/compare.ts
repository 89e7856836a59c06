import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src/db/index.js';
import { seedDemo } from '../../seeds/demo.js';
import { requireBuild, startAppServer } from '../helpers/app-server.js';
import { httpLoad, type LoopResult } from './lib/load.js';
import { seedIncidents } from './lib/seed.js';

/**
 * `BENCH_BASE=/path/to/other/checkout npm run bench:compare`: this build against another checkout of
 * the project (with its node_modules), on copies of one seeded SQLite database, in interleaved rounds
 * (base, this, base, this ...) so that a noisy machine weighs on both alike. The other checkout runs
 * from dist/ when it has a build, else through tsx as earlier versions did. The database is created
 * with the base's migrations (this build adds its newer ones to its copy at start). 127.0.0.1 only; every
 * run is bounded in time. Report: tests/bench/results/compare.md.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const BASE = process.env.BENCH_BASE ? resolve(process.env.BENCH_BASE) : '';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 50_000);
const PATHS = (process.env.BENCH_PATHS ?? '/incidents,/api/v1/incidents?limit=50').split(',').map((p) => p.trim()).filter(Boolean);

if (!BASE || !existsSync(join(BASE, 'src', 'main.ts'))) {
  console.error('BENCH_BASE must name another checkout of the project (with node_modules installed)');
  process.exit(2);
}
if (![ROUNDS, SECONDS, INCIDENTS].every((n) => Number.isInteger(n) && n > 0 && n <= 1_000_000)) {
  console.error('BENCH_ROUNDS, BENCH_SECONDS and BENCH_INCIDENTS must be whole numbers above 0');
  process.exit(2);
}

interface Subject {
  name: string;
  cwd: string;
  args: string[];
}

const subjects: Subject[] = [
  { name: `base (${BASE})`, cwd: BASE, args: existsSync(join(BASE, 'dist', 'src', 'main.js')) ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'] },
  { name: 'this build', cwd: ROOT, args: [requireBuild(ROOT)] },
];

const work = mkdtempSync(join(os.tmpdir(), 'd2c-compare-'));
process.once('exit', () => rmSync(work, { recursive: true, force: true }));
const seedFile = join(work, 'seed.sqlite');

/**
 * The schema of the base checkout (its own migrations), so both can open the copies: this build
 * applies its newer migrations to its copy at start, while the base would refuse a database that
 * has migrations it does not know.
 */
function migrateAsBase(): void {
  const args = existsSync(join(BASE, 'dist', 'src', 'cli', 'migrate.js')) ? ['dist/src/cli/migrate.js'] : ['--import', 'tsx', 'src/cli/migrate.ts'];
  const run = spawnSync(process.execPath, args, { cwd: BASE, env: { ...process.env, DATABASE_URL: `sqlite:${seedFile}` }, encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`migrating with the base checkout failed: ${run.stderr || run.error}`);
}

async function seed(): Promise<void> {
  migrateAsBase();
  const h = openDatabase(`sqlite:${seedFile}`);
  await seedDemo(h.db, new Date());
  await seedIncidents(h.db, 'sqlite', new Date(), INCIDENTS);
  await h.close();
}

async function measure(s: Subject, path: string): Promise<LoopResult> {
  const dir = mkdtempSync(join(work, 'run-'));
  copyFileSync(seedFile, join(dir, 'db.sqlite'));
  const server = await startAppServer({
    root: s.cwd, entry: s.args, databaseUrl: `sqlite:${join(dir, 'db.sqlite')}`, dataDir: dir, jwtSecret: 'compare-'.repeat(6),
  });
  try {
    const login = await fetch(`http://127.0.0.1:${server.port}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ops.momo@d2ctelcare.com', password: 'Operator@123' }),
    });
    const token = ((await login.json()) as { token: string }).token;
    const headers: Record<string, string> = path.startsWith('/api/') ? { authorization: `Bearer ${token}` } : { cookie: `__Host-d2c_session=${token}` };
    return await httpLoad({ port: server.port, path, headers }, { concurrency: 20, seconds: SECONDS, warmupSeconds: 2 });
  } finally {
    await server.stop();
  }
}

await seed();
const rows: string[] = [];
for (const path of PATHS) {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of subjects) {
      const r = await measure(s, path);
      const line = `| \`${path}\` | ${round} | ${s.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${((r.bytes ?? 0) / 1024).toFixed(1)} |`;
      console.log(line);
      rows.push(line);
    }
  }
}
const report = [
  '# This build against another checkout, interleaved',
  '',
  `- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores; load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')}`,
  `- Node ${process.version}; SQLite, ${INCIDENTS.toLocaleString('en-US')} bulk incidents plus the demo seed; 20 clients, ${SECONDS} s after 2 s warm-up; NODE_ENV=production, one process each; actor: the Momo operator`,
  '',
  '| path | round | server | req/s | p50 ms | p99 ms | errors | kB/response |',
  '|---|--:|---|--:|--:|--:|--:|--:|',
  ...rows,
  '',
].join('\n');
mkdirSync(join(HERE, 'results'), { recursive: true });
writeFileSync(join(HERE, 'results', 'compare.md'), report);
console.log(`written to ${join(HERE, 'results', 'compare.md')}`);
