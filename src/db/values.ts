import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The one boundary where database values become application values, so that no route or service
 * cares which dialect it runs on: instants are Dates, flags are booleans.
 */

const INSTANT_KEY = /(_at|_until|_after|^handover_time|^window_start)$/;
const FLAG_KEY = /^(is_|must_)/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

type Kind = 'instant' | 'flag' | 'other';
/** Column name -> kind: the names are few and fixed, the rows many. */
const kinds = new Map<string, Kind>();

function kindOf(key: string): Kind {
  let kind = kinds.get(key);
  if (kind === undefined) {
    kind = INSTANT_KEY.test(key) ? 'instant' : FLAG_KEY.test(key) ? 'flag' : 'other';
    if (kinds.size < 10_000) kinds.set(key, kind);
  }
  return kind;
}

/**
 * The columns of a result that may need converting: the rows of one result share their keys, so the
 * key names are classified once per result, not once per value.
 */
function convertibleKeys(row: UnknownRow): { instants: string[]; flags: string[] } {
  const instants: string[] = [];
  const flags: string[] = [];
  for (const key in row) {
    const kind = kindOf(key);
    if (kind === 'instant') instants.push(key);
    else if (kind === 'flag') flags.push(key);
  }
  return { instants, flags };
}

function normaliseRows(rows: UnknownRow[]): void {
  if (rows.length === 0) return;
  const { instants, flags } = convertibleKeys(rows[0]);
  if (instants.length === 0 && flags.length === 0) return;
  for (const row of rows) {
    for (const key of instants) {
      const v = row[key];
      if (typeof v === 'string' && ISO_INSTANT.test(v)) row[key] = new Date(v);
    }
    for (const key of flags) {
      const v = row[key];
      if (typeof v === 'number') row[key] = v !== 0;
    }
  }
}

export class ValuesPlugin implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    normaliseRows(args.result.rows);
    return args.result;
  }
}

/** SQLite stores instants as fixed-width ISO text (sorts and compares like time) and flags as 0/1. */
function toSqliteParam(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

type Statement = BetterSqlite3.Statement<unknown[]>;

const STATEMENT_CACHE_SIZE = 500;

/**
 * Wraps better-sqlite3 so every statement Kysely prepares binds Dates and booleans. Prepared
 * statements are kept (least recently used out) since Kysely prepares on every query.
 */
export function withSqliteBindings(db: BetterSqlite3.Database): BetterSqlite3.Database {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Statement>();
  const prepared = (source: string): Statement => {
    let stmt = cache.get(source);
    // A statement still iterating a stream cannot run again: give this query its own.
    if (stmt?.busy) return prepare(source) as Statement;
    if (stmt) {
      cache.delete(source);
    } else {
      stmt = prepare(source) as Statement;
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    }
    cache.set(source, stmt);
    return stmt;
  };
  const wrapped = Object.create(db) as BetterSqlite3.Database;
  wrapped.prepare = ((source: string) => {
    const stmt = prepared(source);
    const map = (params: unknown[]) => (Array.isArray(params) ? params.map(toSqliteParam) : params);
    return {
      get reader() {
        return stmt.reader;
      },
      all: (params: unknown[]) => stmt.all(...(map(params) as unknown[])),
      run: (params: unknown[]) => stmt.run(...(map(params) as unknown[])),
      iterate: (params: unknown[]) => stmt.iterate(...(map(params) as unknown[])),
    };
  }) as unknown as BetterSqlite3.Database['prepare'];
  wrapped.close = () => db.close();
  return wrapped;
}
