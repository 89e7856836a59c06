import { MysqlAdapter, sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';

/**
 * A table named with an index hint on MySQL/MariaDB, the plain table on SQLite, for `selectFrom()`.
 *
 * Why: with `process_id = ? AND created_at >= ? AND created_at < ?` on an index (process_id,
 * created_at), MariaDB 10.11 costs "ref" on the process_id prefix (read the process's entries from
 * their first one, filtering) below "range" (seek to the first instant), even for a range of a few
 * hundred rows out of a million; measured on audit_log (nullable process_id): each batch of an
 * export then reads every earlier row of the process, and a million-row export never finishes in
 * time. Naming the index leaves the optimizer only the range. SQLite plans these well by itself.
 * The raw table expression keeps the table's own name, so every column reference stays as written.
 */
export function hinted<T extends keyof Database>(db: Db | Transaction<Database>, table: T, index: string): T {
  if (!(db.getExecutor().adapter instanceof MysqlAdapter)) return table;
  return sql.raw(`\`${table}\` FORCE INDEX (\`${index}\`)`) as unknown as T;
}
