import type { LoopResult } from './load.js';
import type { PlanCheck } from './sql.js';

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  mariadb: string | null;
  sqlite: string;
  loadAvg: number[];
}

export interface Params {
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  incidents: number;
  recipients: number;
  logLevel: string;
  webConcurrency: number;
  mysqlTransport: string;
}

/** CPU over a run, % of one core: the server under test, MariaDB's server, the benchmark process. */
export interface CpuUse {
  server: number | null;
  database: number | null;
  client: number;
}

export interface ScenarioResult {
  database: 'MariaDB' | 'SQLite';
  scenario: string;
  http: LoopResult;
  /** Peak resident memory of the server process during the scenario, MB. */
  rssMb: number;
  /** Server CPU during the scenario, % of one core. */
  cpuPct: number | null;
  bare: LoopResult;
  bareLabel: string;
  plan: PlanCheck;
  sql: string;
  /** CPU during the HTTP run (client: the load generator) and during the bare loop (client: the driver's caller). */
  cpu: CpuUse;
  bareCpu: CpuUse;
  /** Statements the bare loop runs per iteration: every statement of one request. */
  bareStatements: number;
  /** Statements the server ran per request during the scenario (its /metrics counters). */
  serverStatements: number;
  /** The scenario reads a deep cursor page. */
  deep: boolean;
  /** The same request, SQL and answer without the application (tests/bench/ceiling.ts), under the same load. */
  ceiling: { http: LoopResult; cpu: CpuUse };
}

export interface SeedInfo {
  database: 'MariaDB' | 'SQLite';
  rows: number;
  seconds: number;
  processRows: number;
  deepOffset: number;
  idleRssMb: number;
}

export interface FanoutResult {
  database: 'MariaDB' | 'SQLite';
  recipients: number;
  enqueueSeconds: number;
  dispatchSeconds: number;
  sent: number;
  failed: number;
  bounced: number;
  retried: number;
  received: number;
  calls: number;
}

export const P99_TARGET_MS = 50;
export const RATIO_TARGET = 0.6;
export const FANOUT_TARGET_S = 10;

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const pct = (n: number) => (Number.isFinite(n) ? `${Math.round(n * 100)} %` : '–');
const ok = (b: boolean) => (b ? 'yes' : '**no**');
/** Server CPU per request, ms, from its CPU % over a run at `rps`. */
const msPer = (c: CpuUse, rps: number) => (c.server === null ? NaN : (c.server / 100 / rps) * 1000);

export function renderReport(m: Machine, p: Params, seeds: SeedInfo[], rows: ScenarioResult[], fanouts: FanoutResult[], notes: string[]): string {
  const out: string[] = [];
  out.push('# D2C OPs benchmark: incident list and outbox fan-out', '');
  out.push(`- Date: ${m.date}`);
  out.push(`- Machine: ${m.cpu}, ${m.cores} cores, ${f1(m.memoryGb)} GB RAM; load average at start ${m.loadAvg.map((x) => x.toFixed(2)).join(' / ')}`);
  out.push(`- Node ${m.node}; ${m.mariadb ? `MariaDB ${m.mariadb} over ${p.mysqlTransport}` : 'MariaDB not run'}; SQLite ${m.sqlite}`);
  out.push(`- Run: ${f0(p.incidents)} bulk incidents across 8 processes (plus the demo seed), ${p.concurrency} concurrent clients, `
    + `${p.seconds} s measured after ${p.warmupSeconds} s warm-up per scenario; server: the compiled build (dist/src/main.js) in a process of its own, started afresh for each scenario (RSS is its peak during the scenario, summed over its HTTP workers), `
    + `WEB_CONCURRENCY=${p.webConcurrency}, NODE_ENV=production, `
    + `LOG_LEVEL=${p.logLevel}; actor: the Momo operator; fan-out of ${f0(p.recipients)} recipients`);
  out.push(`- Targets: p99 under ${P99_TARGET_MS} ms; at least ${pct(RATIO_TARGET)} of the bare driver loop on the same SQL; `
    + `${f0(p.recipients)} mails in under ${FANOUT_TARGET_S} s`, '');

  out.push('## Incident list', '');
  out.push('| Database | Scenario | req/s | p50 ms | p99 ms | errors | server RSS MB | server CPU | SQL per request | bare loop req/s | bare p50 ms | bare p99 ms | ratio | p99 target | ratio target |');
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|:-:|');
  for (const r of rows) {
    const ratio = r.http.rps / r.bare.rps;
    out.push(`| ${r.database} | ${r.scenario} | ${f0(r.http.rps)} | ${f1(r.http.p50)} | ${f1(r.http.p99)} | ${r.http.errors} | ${f0(r.rssMb)} | `
      + `${r.cpuPct === null ? '–' : `${f0(r.cpuPct)} %`} | ${Number.isFinite(r.serverStatements) ? f2(r.serverStatements) : '–'} (bare ${r.bareStatements}) | ${f0(r.bare.rps)} | ${f2(r.bare.p50)} | ${f2(r.bare.p99)} | ${pct(ratio)} | `
      + `${ok(r.http.p99 < P99_TARGET_MS && r.http.errors === 0)} | ${ok(ratio >= RATIO_TARGET)} |`);
  }
  out.push('');
  out.push('Bare loop: every SQL statement the application sends for one request, captured from its own query functions '
    + '(the signed-in user, `findSessionUser`; then the list, `listIncidentSummaries` for the page and `listIncidents` for the API; '
    + 'a full page also reads the assignee filter\'s options, `assignableUsers`, at the same time as the list), run directly through the driver: '
    + 'MariaDB through a mysql2 pool configured as the application\'s (10 connections) '
    + `from ${p.concurrency} concurrent callers; SQLite through better-sqlite3 one call after another (the driver is `
    + 'synchronous, as it is in the server). "SQL per request" is what the server counted during the scenario '
    + '(`d2c_db_statements_total` over its requests, from /metrics) against the statements the bare loop replays: equal, the loop runs '
    + 'exactly the request\'s SQL. The ratio is the HTTP requests/s over the bare loop\'s iterations/s: what the whole request '
    + '(HTTP, session, rendering or JSON, logging) keeps of the database\'s own rate for that SQL.', '');

  out.push('### Where the CPU went', '');
  out.push(`Per run, in % of one core (the machine has ${m.cores * 100} %): the server under test, MariaDB's server process, and the `
    + 'benchmark process (the load generator during the HTTP run, the driver and its caller during the bare loop; on SQLite the '
    + 'bare loop\'s database work is in that process too). "Server CPU ms per request": what one request costs the server process.', '');
  out.push('| Database | Scenario | HTTP: server | server CPU ms per request | HTTP: MariaDB | HTTP: load generator | HTTP: total | bare: MariaDB | bare: client | bare: total |');
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|');
  const cpuPct = (n: number | null) => (n === null ? '–' : `${f0(n)} %`);
  const sum = (...xs: (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);
  for (const r of rows) {
    out.push(`| ${r.database} | ${r.scenario} | ${cpuPct(r.cpu.server)} | ${f2(msPer(r.cpu, r.http.rps))} | ${cpuPct(r.cpu.database)} | ${cpuPct(r.cpu.client)} | `
      + `${cpuPct(sum(r.cpu.server, r.cpu.database, r.cpu.client))} | ${cpuPct(r.bareCpu.database)} | ${cpuPct(r.bareCpu.client)} | `
      + `${cpuPct(sum(r.bareCpu.database, r.bareCpu.client))} |`);
  }
  out.push('');

  out.push('### The stack\'s own ceiling', '');
  out.push('The same request under the same load, answered by Hono on its Node adapter after the same SQL through the same driver '
    + '(run exactly as the bare loop runs it), with the application\'s own answer for the scenario, captured once, as a fixed body: '
    + 'no session check, rendering, JSON, logging or metrics (tests/bench/ceiling.ts). Nothing built on this stack answers this request '
    + 'faster, so "ceiling / bare" is the most of the bare loop any page or API on this stack can reach on this machine, and '
    + '"application / ceiling" is what the application\'s own work leaves of it.', '');
  out.push('| Database | Scenario | bare loop req/s | ceiling req/s | ceiling p99 ms | ceiling / bare | ceiling server CPU ms per request | application req/s | application / bare | application / ceiling | application server CPU ms per request |');
  out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    const c = r.ceiling.http;
    out.push(`| ${r.database} | ${r.scenario} | ${f0(r.bare.rps)} | ${f0(c.rps)} | ${f1(c.p99)} | ${pct(c.rps / r.bare.rps)} | ${f2(msPer(r.ceiling.cpu, c.rps))} | `
      + `${f0(r.http.rps)} | ${pct(r.http.rps / r.bare.rps)} | ${pct(r.http.rps / c.rps)} | ${f2(msPer(r.cpu, r.http.rps))} |`);
  }
  out.push('');
  const outOfReach = rows.filter((r) => r.ceiling.http.rps / r.bare.rps < RATIO_TARGET);
  if (outOfReach.length) {
    out.push(`Out of reach of the ${pct(RATIO_TARGET)} ratio target in this run, whatever the application does: `
      + outOfReach.map((r) => `${r.database} ${r.scenario} (ceiling ${pct(r.ceiling.http.rps / r.bare.rps)} of the bare loop)`).join('; ') + '.', '');
  }

  out.push('## Query plans', '');
  out.push('| Database | Query | index on incidents | access | sorts rows | index seek starts at the cursor |');
  out.push('|---|---|---|---|:-:|:-:|');
  for (const r of rows) {
    const seek = !r.deep ? 'n/a' : r.plan.seeksCursor ? 'yes' : '**no**: reads the process\'s newer rows first';
    out.push(`| ${r.database} | ${r.scenario} | ${r.plan.index ?? '**none**'} | ${r.plan.access.replace(/\|/g, '\\|')} | ${r.plan.sorts ? '**yes**' : 'no'} | ${seek} |`);
  }
  out.push('');
  out.push('"Sorts rows": a filesort or temporary B-tree instead of reading the index in order. A deep page whose '
    + 'index seek does not start at the cursor still returns the right rows, but walks every newer row of the process '
    + 'to get there, so its cost grows with the depth (compare the bare loop of the first and the deep page).', '');
  for (const r of rows) {
    out.push(`<details><summary>${r.database} — ${r.scenario}: plan and SQL</summary>`, '', '```');
    out.push(r.sql, '', ...r.plan.lines);
    out.push('```', '', '</details>', '');
  }

  out.push('## Outbox fan-out', '');
  out.push('| Database | recipients | enqueue s | dispatch s | emails/s | sent | failed/bounced/retried | received by sink | target |');
  out.push('|---|--:|--:|--:|--:|--:|--:|--:|:-:|');
  for (const x of fanouts) {
    const okRun = x.sent === x.recipients && x.received === x.recipients;
    out.push(`| ${x.database} | ${f0(x.recipients)} | ${f2(x.enqueueSeconds)} | ${f2(x.dispatchSeconds)} | ${f0(x.sent / x.dispatchSeconds)} | `
      + `${f0(x.sent)} | ${x.failed}/${x.bounced}/${x.retried} | ${f0(x.received)} | ${ok(okRun && x.dispatchSeconds < FANOUT_TARGET_S * Math.max(1, x.recipients / 1000))} |`);
  }
  out.push('');
  out.push('One incident email (the "created" template) queued to each recipient in one transaction, then '
    + '`dispatchOutbox(batchSize 200, concurrency 5)` called until nothing is due, in a process of its own, over '
    + 'the pooled nodemailer transport to a loopback SMTP sink (tests/helpers/smtp.ts). emails/s = sent / dispatch time.', '');

  out.push('## Data set', '');
  out.push('| Database | bulk rows | seed s | Momo rows | deep cursor at row | server RSS MB idle |');
  out.push('|---|--:|--:|--:|--:|--:|');
  for (const s of seeds) out.push(`| ${s.database} | ${f0(s.rows)} | ${f1(s.seconds)} | ${f0(s.processRows)} | ${f0(s.deepOffset)} | ${f0(s.idleRssMb)} |`);
  out.push('');
  if (notes.length) {
    out.push('## Notes', '');
    for (const n of notes) out.push(`- ${n}`);
    out.push('');
  }
  return out.join('\n');
}
