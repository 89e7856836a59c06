import { MysqlAdapter, sql, type Kysely } from 'kysely';

/**
 * The escalation and automation engine:
 * - `incident_escalations`: a chain applied to an incident by an automation rule ("Escalate via
 *   chain"), one row per incident and chain. Chains with a trigger severity apply by themselves and
 *   need no row.
 * - `job_watermarks`: how far in time a worker task has processed its due work ("everything that
 *   became due up to `processed_until` has been handled"), so each tick reads only what became due
 *   since the previous one, and a restart after downtime catches up exactly once.
 * - `engine_checks`: incidents a worker task must look at again whatever their age, because a change
 *   (a new severity, a reopen, a chain attached by a rule) may have made tiers or rules apply whose
 *   time has already come. Written in the transaction of that change; `seq` lets the worker remove
 *   only the request it handled, not a newer one.
 */

const INSTANT = sql`datetime(3)`;

function isMysql(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  let attached = db.schema.createTable('incident_escalations').ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('process_id', 'integer', (c) => c.notNull().references('processes.id'))
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('chain_id', 'integer', (c) => c.notNull().references('escalation_chains.id').onDelete('cascade'))
    .addColumn('rule_id', 'integer', (c) => c.references('automation_rules.id').onDelete('set null'))
    .addColumn('attached_at', INSTANT, (c) => c.notNull());
  if (isMysql(db)) attached = attached.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`);
  await attached.execute();
  await db.schema.createIndex('ix_incident_escalations_incident_id_chain_id').on('incident_escalations')
    .columns(['incident_id', 'chain_id']).unique().execute();
  await db.schema.createIndex('ix_incident_escalations_chain_id').on('incident_escalations').column('chain_id').execute();

  let marks = db.schema.createTable('job_watermarks').ifNotExists()
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('processed_until', INSTANT, (c) => c.notNull())
    .addColumn('updated_at', INSTANT, (c) => c.notNull());
  if (isMysql(db)) marks = marks.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`);
  await marks.execute();

  let checks = db.schema.createTable('engine_checks').ifNotExists()
    .addColumn('task', 'varchar(20)', (c) => c.notNull())
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('process_id', 'integer', (c) => c.notNull().references('processes.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('requested_at', INSTANT, (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_engine_checks', ['task', 'incident_id']);
  if (isMysql(db)) checks = checks.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`);
  await checks.execute();

  // The worker's unattended-reminder scan (open, unassigned, not reminded, opened before a cutoff)
  // reads only the incidents that are due instead of every open one: a tick costs what is due.
  await db.schema.createIndex('ix_incidents_unattended').on('incidents')
    .columns(['status', 'assigned_to', 'reminder_sent_at', 'opened_at']).execute();

  // The execution log of a rule, newest first.
  await db.schema.createIndex('ix_automation_executions_rule_id_executed_at').on('automation_executions')
    .columns(['rule_id', 'executed_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  let dropUnattended = db.schema.dropIndex('ix_incidents_unattended');
  if (isMysql(db)) dropUnattended = dropUnattended.on('incidents');
  await dropUnattended.execute();
  let drop = db.schema.dropIndex('ix_automation_executions_rule_id_executed_at');
  if (isMysql(db)) drop = drop.on('automation_executions');
  await drop.execute();
  await db.schema.dropTable('engine_checks').ifExists().execute();
  await db.schema.dropTable('job_watermarks').ifExists().execute();
  await db.schema.dropTable('incident_escalations').ifExists().execute();
}
