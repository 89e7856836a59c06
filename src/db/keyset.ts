import { MysqlAdapter, sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Cursor } from '../pagination.js';

/**
 * The rows after a keyset cursor in a list ordered by (instant desc, id desc). Written out, not as a
 * row comparison, so MariaDB reads the index as a range (see STACK-NOTES); the redundant upper bound
 * `at <= cursor` gives SQLite a range to seek to instead of walking every newer row.
 */
export function olderThan(cursor: Cursor, atColumn: string, idColumn: string) {
  return (eb: ExpressionBuilder<any, any>): Expression<SqlBool> => eb.and([
    eb(atColumn, '<=', cursor.at),
    eb.or([
      eb(atColumn, '<', cursor.at),
      eb.and([eb(atColumn, '=', cursor.at), eb(idColumn, '<', cursor.id)]),
    ]),
  ]);
}

/**
 * A list of every process (a super_admin on "All processes": no `process_id = ?`) read in the order
 * of its own (instant, id) index. Left to itself, MariaDB starts such a list's inner join at
 * `processes` (a handful of rows, the smallest table) and then gathers and sorts every row of the
 * list's table for one page; STRAIGHT_JOIN keeps the tables in the order written, the list's table
 * first, read backwards through its index and stopped at the limit. Use with `processesFor`. SQLite
 * plans this well by itself, and a list of one process is read first anyway: both are left as they are.
 */
export function listTableFirst<QB extends SelectQueryBuilder<any, any, any>>(db: HasExecutor, qb: QB, acrossProcesses: boolean): QB {
  if (!acrossProcesses || !isMysql(db)) return qb;
  return qb.modifyFront(sql`straight_join`) as QB;
}

/**
 * `processes` for a list's join, in the list's own process scope. Across processes on MariaDB it is
 * read by primary key only (FORCE INDEX): a table of a few rows is otherwise read whole into a join
 * buffer, and a join buffer after the list's table makes MariaDB sort the list again even with
 * STRAIGHT_JOIN (`listTableFirst`). The raw table keeps its own name: column references stay as written.
 */
export function processesFor(db: HasExecutor, acrossProcesses: boolean): 'processes' {
  if (!acrossProcesses || !isMysql(db)) return 'processes';
  return sql.raw('`processes` FORCE INDEX (PRIMARY)') as unknown as 'processes';
}

interface HasExecutor {
  getExecutor(): { adapter: unknown };
}

function isMysql(db: HasExecutor): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}
