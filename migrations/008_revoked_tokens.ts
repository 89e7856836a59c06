import { MysqlAdapter, sql, type Kysely } from 'kysely';

/**
 * `revoked_tokens`: sessions ended by signing out. A token is named by its user and its issue time
 * in milliseconds (both signed into it), read with the user on every request. A row is needed only
 * until the token would have expired anyway (`expires_at`); signing out deletes the rows past it.
 */

export async function up(db: Kysely<any>): Promise<void> {
  let table = db.schema.createTable('revoked_tokens').ifNotExists()
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('issued_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', sql`datetime(3)`, (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_revoked_tokens', ['user_id', 'issued_at_ms']);
  if (db.getExecutor().adapter instanceof MysqlAdapter) {
    table = table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`);
  }
  await table.execute();
  await db.schema.createIndex('ix_revoked_tokens_expires_at').on('revoked_tokens').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('revoked_tokens').ifExists().execute();
}
