import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
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
