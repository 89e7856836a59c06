import { MysqlAdapter, type Kysely } from 'kysely';

/**
 * An incident's downtime events (its dialog, `GET /api/v1/downtime?incident_id=`), newest first: an
 * index range instead of every event of the process. (MariaDB also keeps the foreign key's own index
 * on `incident_id`; SQLite has none.)
 */

const NAME = 'ix_downtime_events_incident_id_started_at';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex(NAME).on('downtime_events').columns(['incident_id', 'started_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  let drop = db.schema.dropIndex(NAME);
  if (db.getExecutor().adapter instanceof MysqlAdapter) drop = drop.on('downtime_events');
  await drop.execute();
}
