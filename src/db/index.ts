import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, MysqlDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type SqliteDialectConfig } from 'kysely';
import type * as Mysql2 from 'mysql2';
import type { Database } from './schema.js';
import { ValuesPlugin, withSqliteBindings } from './values.js';

export type Dialect = 'mysql' | 'sqlite';
export type Db = Kysely<Database>;

export interface DbHandle {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

/**
 * Transactions take the write lock when they begin (BEGIN IMMEDIATE). With a deferred BEGIN, a
 * transaction that read first and writes second fails at once with SQLITE_BUSY when another
 * process (an HTTP worker of a cluster, a second instance) wrote in between; an immediate one waits
 * its turn under busy_timeout instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver() {
    return new ImmediateSqliteDriver(this.settings);
  }
}

let statements = 0;

/** SQL statements this process has run through any of its databases (for /metrics). */
export function statementsExecuted(): number {
  return statements;
}

/** Counts each statement once it has run (its result passes through the plugins). */
class StatementCounter implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs) {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs) {
    statements++;
    return args.result;
  }
}

// Each driver is loaded when a database of its kind is opened: a server holds only the one it uses.
const require = createRequire(import.meta.url);

function openSqlite(path: string): DbHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const Sqlite = require('better-sqlite3') as typeof SqliteDatabase;
  const raw = new Sqlite(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('synchronous = NORMAL');
  // 8 MB of page cache (better-sqlite3 sets 16 MB): list pages touch a few pages, and a long export
  // should not grow the process by the whole cache; the OS page cache serves the rest from memory.
  raw.pragma('cache_size = -8000');
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withSqliteBindings(raw) }),
    plugins: [new ValuesPlugin(), new StatementCounter()],
  });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/**
 * mysql2 pool settings from a DATABASE_URL. `?socket=/run/mysqld/mysqld.sock` connects through the
 * server's Unix socket instead of TCP: on the same machine, each query then costs one cheap write
 * instead of a trip through the TCP stack (a fifth of a list page's CPU here).
 */
export function mysqlPoolOptions(url: string, poolSize: number): Mysql2.PoolOptions {
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  const socketPath = u.searchParams.get('socket') || undefined;
  return {
    ...(socketPath ? { socketPath } : { host: u.hostname, port: u.port ? Number(u.port) : 3306 }),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    timezone: 'Z',
    charset: 'utf8mb4',
    connectionLimit: poolSize,
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
  };
}

function openMysql(url: string, poolSize: number): DbHandle {
  const { createPool } = require('mysql2') as typeof Mysql2;
  const pool = createPool(mysqlPoolOptions(url, poolSize));
  const db = new Kysely<Database>({
    dialect: new MysqlDialect({
      pool,
      // Instants are UTC in the application; keep the session zone UTC so NOW()-free SQL agrees.
      onCreateConnection: async (conn) => {
        await conn.executeQuery(CompiledQuery.raw("SET time_zone = '+00:00'"));
      },
    }),
    plugins: [new ValuesPlugin(), new StatementCounter()],
  });
  return { db, dialect: 'mysql', close: () => db.destroy() };
}

export function openDatabase(url: string, opts: { poolSize?: number } = {}): DbHandle {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  return openMysql(url, opts.poolSize ?? 10);
}

/** The affected-row count of an UPDATE/DELETE, the same way on both dialects. */
export function affected(result: { numUpdatedRows?: bigint; numDeletedRows?: bigint } | { numAffectedRows?: bigint }): number {
  const r = result as { numUpdatedRows?: bigint; numDeletedRows?: bigint; numAffectedRows?: bigint };
  return Number(r.numUpdatedRows ?? r.numDeletedRows ?? r.numAffectedRows ?? 0n);
}

/**
 * A unique-key violation on either dialect (someone else inserted the same key first). MariaDB:
 * ER_DUP_ENTRY / 1062; better-sqlite3: the extended UNIQUE / PRIMARY KEY codes.
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string } | null;
  if (!e) return false;
  if (e.code === 'ER_DUP_ENTRY' || e.errno === 1062) return true;
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  return typeof e.message === 'string' && /UNIQUE constraint failed|Duplicate entry/i.test(e.message);
}

/** The id of a row just inserted: MariaDB gives no RETURNING ids through Kysely, so use insertId. */
export function insertedId(result: { insertId?: bigint }): number {
  if (result.insertId === undefined) throw new Error('insert returned no id');
  return Number(result.insertId);
}
