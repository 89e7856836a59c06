import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery, DummyDriver, Kysely, MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler, SqliteAdapter, SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { createPool, type Pool } from 'mysql2/promise';
import { mysqlPoolOptions, type Dialect } from '../../../src/db/index.js';
import type { Database } from '../../../src/db/schema.js';
import { closedLoop, syncLoop, type LoopResult } from './load.js';

/**
 * The SQL the application really sends: the application's own query function runs against a
 * compile-only Kysely of the dialect (no connection) and the compiled statement is captured.
 */
export async function captureSql(dialect: Dialect, run: (db: Kysely<Database>) => Promise<unknown>): Promise<CompiledQuery> {
  const captured: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect: dialect === 'mysql'
      ? {
          createAdapter: () => new MysqlAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (k) => new MysqlIntrospector(k),
          createQueryCompiler: () => new MysqlQueryCompiler(),
        }
      : {
          createAdapter: () => new SqliteAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (k) => new SqliteIntrospector(k),
          createQueryCompiler: () => new SqliteQueryCompiler(),
        },
    log: (event) => {
      if (event.level === 'query') captured.push(event.query);
    },
  });
  try {
    await run(db);
  } finally {
    await db.destroy();
  }
  if (captured.length !== 1) throw new Error(`expected one statement, captured ${captured.length}`);
  return captured[0];
}

/** Parameters as the application binds them on SQLite (src/db/values.ts): ISO text and 0/1. */
export function sqliteParams(params: readonly unknown[]): unknown[] {
  return params.map((v) => (v instanceof Date ? v.toISOString() : typeof v === 'boolean' ? (v ? 1 : 0) : v));
}

/** A mysql2 pool configured as the application's (src/db/index.ts): same options, same pool size. */
export function mysqlPool(url: string, connectionLimit = 10): Pool {
  const pool = createPool(mysqlPoolOptions(url, connectionLimit));
  pool.pool.on('connection', (conn) => {
    conn.query("SET time_zone = '+00:00'");
  });
  return pool;
}

export interface PlanCheck {
  /** The index the incidents table is read through, or null. */
  index: string | null;
  /** True when the plan sorts (filesort / temp b-tree) instead of reading the index in order. */
  sorts: boolean;
  /** Access type on MariaDB (ref, range, ...), or the SQLite SEARCH/SCAN line. */
  access: string;
  /** True when the index seek itself starts at the cursor (opened_at in the range), not only at the process. */
  seeksCursor: boolean;
  /** The plan, one line a step, for the report. */
  lines: string[];
}

export async function explainMysql(pool: Pool, q: CompiledQuery): Promise<PlanCheck> {
  const [rows] = await pool.query(`EXPLAIN ${q.sql}`, q.parameters as unknown[]);
  const list = rows as Record<string, unknown>[];
  const lines = list.map((r) => `${r.table} type=${r.type} key=${r.key ?? '-'} key_len=${r.key_len ?? '-'} rows=${r.rows} ${r.Extra ?? ''}`.trim());
  const inc = list.find((r) => r.table === 'incidents');
  return {
    index: (inc?.key as string | null) ?? null,
    sorts: list.some((r) => /filesort|temporary/i.test(String(r.Extra ?? ''))),
    access: String(inc?.type ?? '?'),
    // key_len 4 is process_id alone; a longer key means the range also bounds opened_at.
    seeksCursor: inc?.type === 'range' && Number(String(inc?.key_len ?? '0').split(',')[0]) > 4,
    lines,
  };
}

export function explainSqlite(db: SqliteDatabase.Database, q: CompiledQuery): PlanCheck {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...sqliteParams(q.parameters)) as { detail: string }[];
  const lines = rows.map((r) => r.detail);
  const inc = lines.find((l) => /^(SEARCH|SCAN) incidents\b/.test(l)) ?? '';
  const m = /USING (?:COVERING )?INDEX (\w+)/.exec(inc);
  return {
    index: m ? m[1] : null,
    sorts: lines.some((l) => /TEMP B-TREE/.test(l)),
    access: inc,
    seeksCursor: /\(process_id=\? AND opened_at[<>=]/.test(inc),
    lines,
  };
}

/** One statement of a request, with the row count the bare loop checks it returns (when given). */
export interface Statement {
  query: CompiledQuery;
  rows?: number;
}

/**
 * Every statement one request sends, in its order: steps one after another, the statements of a step
 * at the same time (as the route runs them with Promise.all).
 */
export type RequestSql = Statement[][];

function rowCheck(s: Statement, n: number): string | null {
  return s.rows === undefined || n === s.rows ? null : `expected ${s.rows} rows, got ${n}`;
}

/**
 * One request's statements through a mysql2 pool: the steps one after another, the statements of a
 * step at the same time. Null, or what was wrong with the rows.
 */
export async function runRequestMysql(pool: Pool, steps: RequestSql): Promise<string | null> {
  for (const step of steps) {
    const results = await Promise.all(step.map((s) => pool.query(s.query.sql, s.query.parameters as unknown[])));
    for (let i = 0; i < step.length; i++) {
      const err = rowCheck(step[i], (results[i][0] as unknown[]).length);
      if (err) return err;
    }
  }
  return null;
}

/** The request's statements prepared once on better-sqlite3; each call runs them all, one after another. */
export function prepareRequestSqlite(db: SqliteDatabase.Database, steps: RequestSql): () => string | null {
  const prepared = steps.flat().map((s) => ({ s, stmt: db.prepare(s.query.sql), params: sqliteParams(s.query.parameters) }));
  return () => {
    for (const p of prepared) {
      const err = rowCheck(p.s, p.stmt.all(...p.params).length);
      if (err) return err;
    }
    return null;
  };
}

/** The request's statements from `concurrency` callers through a pool sized like the application's. */
export async function bareMysqlLoop(pool: Pool, steps: RequestSql, opts: { concurrency: number; seconds: number; warmupSeconds: number }): Promise<LoopResult> {
  return closedLoop(() => runRequestMysql(pool, steps), opts);
}

/** The request's statements through better-sqlite3, one call after another (the driver is synchronous). */
export function bareSqliteLoop(file: string, steps: RequestSql, opts: { seconds: number; warmupSeconds: number }): LoopResult {
  const db = new SqliteDatabase(file, { readonly: true });
  try {
    const run = prepareRequestSqlite(db, steps);
    return syncLoop(() => {
      const err = run();
      if (err) throw new Error(err);
    }, opts);
  } finally {
    db.close();
  }
}

/** A request's statements as JSON for another process (instants kept as instants). */
export function encodeRequestSql(steps: RequestSql): string {
  return JSON.stringify(steps.map((step) => step.map((s) => ({
    sql: s.query.sql,
    parameters: s.query.parameters.map((v) => (v instanceof Date ? { $date: v.toISOString() } : v)),
    rows: s.rows,
  }))));
}

export function decodeRequestSql(json: string): RequestSql {
  const steps = JSON.parse(json) as { sql: string; parameters: unknown[]; rows?: number }[][];
  return steps.map((step) => step.map((s) => ({
    query: CompiledQuery.raw(s.sql, s.parameters.map((v) => (v && typeof v === 'object' && '$date' in v ? new Date((v as { $date: string }).$date) : v))),
    rows: s.rows,
  })));
}
