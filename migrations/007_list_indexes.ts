import { MysqlAdapter, sql, type Kysely } from 'kysely';

/**
 * Indexes for the lists and counts other than the incident list, checked with EXPLAIN on MariaDB and
 * SQLite against 200,000 rows a table (1,000,000 for audit_log and email_outbox) over 8 processes
 * (tests/foundation/list-indexes.test.ts keeps them in use). Each lets a list read an index range
 * in the order it returns (newest first; the id tie-break of the keyset is the primary key, which
 * both engines keep at the end of every index), or a count read only the rows it counts:
 * - "All processes" (super_admin) lists: tickets, approvals, handovers, notifications, users and
 *   the email and webhook logs by time alone; without them every page sorted the whole table;
 * - approvals by process and time (the list had only (process, status, time) and sorted the
 *   process's requests); an operator's own requests (also the activity feed's approval rule);
 * - filters: ongoing downtime (and its count), pending handovers, "waiting for me" (a count on
 *   every handovers page), a notification direction (also the bell), an audit action or entity
 *   type, an outbox status; users by role;
 * - the per-notification delivery summary and recipient list (SQLite read the whole outbox);
 * - open tickets of every process (the dashboard), on-call rows of every process by date.
 */

interface IndexSpec {
  table: string;
  columns: string[];
  /**
   * The first column is a foreign key that had no index of its own but the one MariaDB made for the
   * constraint (named after the column). MariaDB drops that one when an index that starts with the
   * column is created, and refuses to drop the new one while the constraint needs it: `down`
   * restores the constraint's index in the same statement.
   */
  foreignKey?: true;
}

export const INDEXES: IndexSpec[] = [
  { table: 'tickets', columns: ['created_at', 'id'] },
  { table: 'tickets', columns: ['status', 'created_at'] },
  { table: 'downtime_events', columns: ['process_id', 'ended_at', 'started_at'] },
  { table: 'approvals', columns: ['process_id', 'submitted_at', 'id'] },
  { table: 'approvals', columns: ['submitted_by', 'submitted_at'], foreignKey: true },
  { table: 'approvals', columns: ['submitted_at', 'id'] },
  { table: 'handovers', columns: ['handover_time', 'id'] },
  { table: 'handovers', columns: ['process_id', 'acknowledged_at', 'handover_time'] },
  { table: 'handovers', columns: ['recipient_id', 'acknowledged_at'], foreignKey: true },
  { table: 'notifications', columns: ['sent_at', 'id'] },
  { table: 'notifications', columns: ['process_id', 'direction', 'sent_at'] },
  { table: 'audit_log', columns: ['process_id', 'action', 'created_at'] },
  { table: 'audit_log', columns: ['process_id', 'entity_type', 'created_at'] },
  { table: 'audit_log', columns: ['action', 'created_at'] },
  { table: 'audit_log', columns: ['entity_type', 'created_at'] },
  { table: 'activity_log', columns: ['entity_type', 'id'] },
  { table: 'email_outbox', columns: ['channel', 'created_at'] },
  { table: 'email_outbox', columns: ['channel', 'process_id', 'status', 'created_at'] },
  { table: 'email_outbox', columns: ['channel', 'status', 'created_at'] },
  { table: 'email_outbox', columns: ['notification_id', 'status'], foreignKey: true },
  { table: 'users', columns: ['process_id', 'created_at'] },
  { table: 'users', columns: ['process_id', 'role', 'created_at'] },
  { table: 'users', columns: ['created_at'] },
  { table: 'oncall_schedules', columns: ['date'] },
];

export function indexName(spec: IndexSpec): string {
  return `ix_${spec.table}_${spec.columns.join('_')}`.slice(0, 64);
}

function isMysql(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}

/** Whether MariaDB/MySQL has an index of that name on the table (the constraint's may be there again after a down and up). */
async function hasIndex(db: Kysely<any>, table: string, name: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from information_schema.statistics
    where table_schema = database() and table_name = ${table} and index_name = ${name}`.execute(db);
  return Number(rows[0]?.n ?? 0) > 0;
}

export async function up(db: Kysely<any>): Promise<void> {
  // No IF NOT EXISTS: MySQL 8 lacks it, and the migrator runs each migration once.
  for (const spec of INDEXES) {
    await db.schema.createIndex(indexName(spec)).on(spec.table).columns(spec.columns).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const spec of [...INDEXES].reverse()) {
    if (isMysql(db) && spec.foreignKey && !(await hasIndex(db, spec.table, spec.columns[0]))) {
      const column = spec.columns[0];
      await sql`alter table ${sql.table(spec.table)} add index ${sql.id(column)} (${sql.ref(column)}), drop index ${sql.id(indexName(spec))}`.execute(db);
      continue;
    }
    let drop = db.schema.dropIndex(indexName(spec));
    if (isMysql(db)) drop = drop.on(spec.table);
    await drop.execute();
  }
}
