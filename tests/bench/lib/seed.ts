import type { Insertable } from 'kysely';
import type { Db, Dialect } from '../../../src/db/index.js';
import type { Database, IncidentStatus } from '../../../src/db/schema.js';

/**
 * Bulk incidents for the benchmark: spread over every process and over the two years before `now`,
 * with mixed severities and statuses, inserted with multi-row INSERTs of `batch` rows (SQLite: all in
 * one transaction; MariaDB: one statement a batch). Deterministic (seeded PRNG).
 */

const DAY = 86_400_000;
const TWO_YEARS = 730 * DAY;

const TITLES = [
  'API gateway timeouts on checkout', 'Database replication lag above 30 s', 'SMS delivery delays via aggregator',
  'Payment callbacks failing with 502', 'Login latency above 2 s', 'Disk usage above 90 % on app-03',
  'USSD session drops during peak', 'Certificate expiry warning', 'Queue backlog on notifications worker',
  'Mobile money reversal failures', 'Report export stuck in pending', 'Intermittent DNS resolution errors',
];

const DESCRIPTION = 'Monitoring raised an alert and the on-call operator confirmed customer impact. '
  + 'Symptoms, affected services and the first actions taken are recorded in the timeline below.';
const RCA = 'Root cause: a configuration change rolled out without a canary exhausted the connection pool. '
  + 'Rolled back; a canary step was added to the release checklist.';

/** mulberry32: small, fast, deterministic. */
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

export interface SeedResult {
  rows: number;
  seconds: number;
  perProcess: Map<number, number>;
}

export async function seedIncidents(db: Db, dialect: Dialect, now: Date, total: number, batch = 1000): Promise<SeedResult> {
  const started = performance.now();
  const processes = await db.selectFrom('processes').select(['id']).orderBy('id').execute();
  const staff = await db.selectFrom('users').select(['id', 'process_id', 'role'])
    .where('role', 'in', ['operator', 'manager', 'admin']).orderBy('id').execute();
  const staffOf = new Map<number, number[]>();
  for (const p of processes) staffOf.set(p.id, staff.filter((u) => u.process_id === p.id).map((u) => u.id));
  const perProcess = new Map<number, number>(processes.map((p) => [p.id, 0]));
  const rand = prng(20260509);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

  const makeRow = (): Insertable<Database['incidents']> => {
    const p = processes[Math.floor(rand() * processes.length)].id;
    perProcess.set(p, perProcess.get(p)! + 1);
    const people = staffOf.get(p)!;
    // Whole milliseconds, 1 min to 2 years ago; a few share an instant so the id tie-break matters.
    const openedAt = new Date(now.getTime() - 60_000 - Math.floor(rand() * TWO_YEARS / 1000) * 1000 - Math.floor(rand() * 4) * 250);
    const ageDays = (now.getTime() - openedAt.getTime()) / DAY;
    const r = rand();
    // Old incidents are nearly all resolved; the last fortnight has open and in-progress ones.
    const status: IncidentStatus = ageDays > 14 ? (r < 0.985 ? 'resolved' : r < 0.995 ? 'in_progress' : 'open')
      : (r < 0.6 ? 'resolved' : r < 0.8 ? 'in_progress' : 'open');
    const severity = (() => {
      const s = rand();
      return s < 0.05 ? 1 : s < 0.25 ? 2 : s < 0.7 ? 3 : 4;
    })();
    const assigned = status === 'open' && rand() < 0.5 ? null : people.length ? pick(people) : null;
    const ackAt = status !== 'open' ? new Date(openedAt.getTime() + Math.floor(rand() * 30 * 60_000) + 60_000) : null;
    const resolvedAt = status === 'resolved' ? new Date(ackAt!.getTime() + Math.floor(rand() * 6 * 3_600_000) + 60_000) : null;
    return {
      process_id: p,
      title: `${pick(TITLES)} #${Math.floor(rand() * 100_000)}`,
      description: DESCRIPTION,
      severity,
      status,
      assigned_to: assigned,
      opened_by: people.length ? pick(people) : null,
      opened_at: openedAt,
      acknowledged_at: ackAt,
      resolved_at: resolvedAt,
      rca: resolvedAt && severity <= 2 ? RCA : null,
      reminder_sent_at: null,
      source: rand() < 0.3 ? 'integration' : 'manual',
      updated_at: resolvedAt ?? ackAt ?? openedAt,
    };
  };

  const insertAll = async (exec: Db) => {
    for (let done = 0; done < total; done += batch) {
      const n = Math.min(batch, total - done);
      const rows = Array.from({ length: n }, makeRow);
      await exec.insertInto('incidents').values(rows).execute();
    }
  };
  if (dialect === 'sqlite') await db.transaction().execute((trx) => insertAll(trx as unknown as Db));
  else await insertAll(db);
  return { rows: total, seconds: (performance.now() - started) / 1000, perProcess };
}
