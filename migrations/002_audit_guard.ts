import { MysqlAdapter, sql, type Kysely } from 'kysely';
import { auditHash, chainKey, type AuditContent } from '../src/audit.js';

/**
 * The audit log becomes append-only and tamper-evident:
 * - `audit_chain_heads`: the last id and hash of each process's hash chain (chain 0: entries without
 *   a process); writers lock their chain's row (see src/audit.ts);
 * - entries written before this migration are sealed: their hashes are computed in id order;
 * - triggers refuse every UPDATE and DELETE of `audit_log`, on MySQL/MariaDB and on SQLite;
 * - indexes: each chain in id order (verification, chain heads), and the activity feed by time.
 *
 * MySQL with binary logging refuses CREATE TRIGGER to accounts without SUPER unless
 * `log_bin_trust_function_creators=1` (managed databases often). Then the migration goes on without
 * the guard and says so; the application itself never updates or deletes audit entries, and the
 * hash chain still shows any change. Run the two CREATE TRIGGER statements below by hand to add it.
 */

const INSTANT = sql`datetime(3)`;
const BATCH = 2000;

const NO_UPDATE = 'audit_log is append-only: entries cannot be changed';
const NO_DELETE = 'audit_log is append-only: entries cannot be deleted';

function isMysql(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}

/** Error numbers of MySQL/MariaDB for "not allowed to create triggers". */
const NOT_PERMITTED = new Set([1419, 1142, 1227, 1044]);

async function createTriggers(db: Kysely<any>): Promise<void> {
  if (!isMysql(db)) {
    await sql.raw(`CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, '${NO_UPDATE}'); END`).execute(db);
    await sql.raw(`CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, '${NO_DELETE}'); END`).execute(db);
    return;
  }
  try {
    await sql.raw('DROP TRIGGER IF EXISTS audit_log_no_update').execute(db);
    await sql.raw('DROP TRIGGER IF EXISTS audit_log_no_delete').execute(db);
    await sql.raw(`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${NO_UPDATE}'`).execute(db);
    await sql.raw(`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${NO_DELETE}'`).execute(db);
  } catch (e) {
    const errno = (e as { errno?: number }).errno;
    if (errno === undefined || !NOT_PERMITTED.has(errno)) throw e;
    process.stderr.write(`WARNING: the database account may not create triggers (${(e as Error).message}); `
      + 'the audit log is append-only by the application alone. See migrations/002_audit_guard.ts.\n');
  }
}

/** Computes the hash chain of entries that have none yet (written before this migration). */
async function sealExisting(db: Kysely<any>, now: Date): Promise<void> {
  const chains = await db.selectFrom('audit_log').select('process_id').distinct().execute();
  for (const { process_id: processId } of chains as { process_id: number | null }[]) {
    let prev: string | null = null;
    let lastId = 0;
    for (;;) {
      const rows = await db.selectFrom('audit_log').selectAll()
        .where('process_id', processId === null ? 'is' : '=', processId)
        .where('id', '>', lastId)
        .orderBy('id').limit(BATCH).execute();
      if (rows.length === 0) break;
      for (const r of rows) {
        const content: AuditContent = {
          process_id: r.process_id, user_id: r.user_id, action: r.action, entity_type: r.entity_type, entity_id: r.entity_id,
          ip: r.ip, user_agent: r.user_agent, changes: r.changes,
          created_at: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
        };
        const hash: string = r.hash ?? auditHash(prev, content);
        if (r.hash === null) {
          await db.updateTable('audit_log').set({ prev_hash: prev, hash }).where('id', '=', r.id).execute();
        }
        prev = hash;
        lastId = Number(r.id);
      }
    }
    if (lastId > 0) {
      await db.insertInto('audit_chain_heads').values({ chain_key: chainKey(processId), last_id: lastId, last_hash: prev, updated_at: now }).execute();
    }
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  let heads = db.schema.createTable('audit_chain_heads').ifNotExists()
    .addColumn('chain_key', 'integer', (c) => c.primaryKey())
    .addColumn('last_id', 'integer')
    .addColumn('last_hash', 'varchar(64)')
    .addColumn('updated_at', INSTANT, (c) => c.notNull());
  if (isMysql(db)) heads = heads.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`);
  await heads.execute();

  await db.schema.createIndex('ix_audit_log_process_id_id').on('audit_log').columns(['process_id', 'id']).execute();
  await db.schema.createIndex('ix_activity_log_process_id_created_at').on('activity_log').columns(['process_id', 'created_at']).execute();
  await db.schema.createIndex('ix_activity_log_created_at').on('activity_log').columns(['created_at']).execute();

  await sealExisting(db, new Date());
  await createTriggers(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('DROP TRIGGER IF EXISTS audit_log_no_update').execute(db);
  await sql.raw('DROP TRIGGER IF EXISTS audit_log_no_delete').execute(db);
  for (const [name, table] of [
    ['ix_activity_log_created_at', 'activity_log'],
    ['ix_activity_log_process_id_created_at', 'activity_log'],
    ['ix_audit_log_process_id_id', 'audit_log'],
  ]) {
    let drop = db.schema.dropIndex(name);
    if (isMysql(db)) drop = drop.on(table);
    await drop.execute();
  }
  await db.schema.dropTable('audit_chain_heads').ifExists().execute();
}
