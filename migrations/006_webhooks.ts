import { MysqlAdapter, sql, type Kysely } from 'kysely';

/**
 * Alert ingestion and outbound webhooks:
 * - `webhook_secrets`: the per-process HMAC signing secret of outbound webhooks (rotatable);
 * - `email_outbox.response_code`: the HTTP status a webhook receiver answered (delivery log);
 * - `integrations.last_alert_at`, `integrations.alert_count`: when the last alert arrived and how
 *   many were accepted (shown on the Integrations page; the update also serialises alerts per
 *   integration, see src/modules/alerts/service.ts).
 */

const INSTANT = sql`datetime(3)`;

function isMysql(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  let secrets = db.schema.createTable('webhook_secrets').ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('process_id', 'integer', (c) => c.references('processes.id'))
    .addColumn('secret', 'varchar(100)', (c) => c.notNull())
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .addColumn('rotated_at', INSTANT);
  if (isMysql(db)) secrets = secrets.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`);
  await secrets.execute();
  await db.schema.createIndex('ix_webhook_secrets_process_id').on('webhook_secrets').column('process_id').unique().execute();

  await db.schema.alterTable('email_outbox').addColumn('response_code', 'integer').execute();
  // The delivery log lists one channel of one process, newest first.
  await db.schema.createIndex('ix_email_outbox_channel_process_id_created_at').on('email_outbox')
    .columns(['channel', 'process_id', 'created_at']).execute();

  await db.schema.alterTable('integrations').addColumn('last_alert_at', INSTANT).execute();
  await db.schema.alterTable('integrations').addColumn('alert_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('integrations').dropColumn('alert_count').execute();
  await db.schema.alterTable('integrations').dropColumn('last_alert_at').execute();
  let drop = db.schema.dropIndex('ix_email_outbox_channel_process_id_created_at');
  if (isMysql(db)) drop = drop.on('email_outbox');
  await drop.execute();
  await db.schema.alterTable('email_outbox').dropColumn('response_code').execute();
  await db.schema.dropTable('webhook_secrets').ifExists().execute();
}
