import { MysqlAdapter, sql, type CreateTableBuilder, type Kysely } from 'kysely';

/**
 * The whole schema of every module. Instants are DATETIME(3) holding UTC on MySQL and ISO text on
 * SQLite; booleans are small integers; JSON is text parsed by the application (MariaDB's JSON is
 * LONGTEXT anyway).
 */

const INSTANT = sql`datetime(3)`;

function isMysql(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}

function table(db: Kysely<any>, name: string): CreateTableBuilder<string, 'id'> {
  let t = db.schema.createTable(name).ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  if (isMysql(db)) t = t.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`);
  return t;
}

function tenant(db: Kysely<any>, name: string): CreateTableBuilder<string, 'id' | 'process_id'> {
  return table(db, name).addColumn('process_id', 'integer', (c) => c.notNull().references('processes.id'));
}

async function index(db: Kysely<any>, tableName: string, columns: string[], unique = false): Promise<void> {
  const name = `ix_${tableName}_${columns.join('_')}`.slice(0, 64);
  // No IF NOT EXISTS: MySQL 8 lacks it, and the migrator runs each migration once.
  let b = db.schema.createIndex(name).on(tableName).columns(columns);
  if (unique) b = b.unique();
  await b.execute();
}

export async function up(db: Kysely<any>): Promise<void> {
  await table(db, 'processes')
    .addColumn('slug', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(120)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('timezone', 'varchar(64)', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .execute();

  await tenant(db, 'users')
    .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(120)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(100)')
    .addColumn('role', 'varchar(20)', (c) => c.notNull())
    .addColumn('is_active', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('phone', 'varchar(40)')
    .addColumn('must_change_password', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('tokens_valid_after', INSTANT, (c) => c.notNull())
    .addColumn('ical_token', 'varchar(64)', (c) => c.unique())
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .addColumn('updated_at', INSTANT, (c) => c.notNull())
    .addColumn('last_login_at', INSTANT)
    .execute();
  await index(db, 'users', ['process_id', 'role']);

  await tenant(db, 'integrations')
    .addColumn('name', 'varchar(120)', (c) => c.notNull())
    .addColumn('kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('key', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('default_severity', 'smallint', (c) => c.notNull().defaultTo(3))
    .addColumn('severity_map', 'text')
    .addColumn('is_active', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .execute();

  await tenant(db, 'incidents')
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('severity', 'smallint', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull().defaultTo('open'))
    .addColumn('assigned_to', 'integer', (c) => c.references('users.id'))
    .addColumn('opened_by', 'integer', (c) => c.references('users.id'))
    .addColumn('opened_at', INSTANT, (c) => c.notNull())
    .addColumn('acknowledged_at', INSTANT)
    .addColumn('resolved_at', INSTANT)
    .addColumn('rca', 'text')
    .addColumn('reminder_sent_at', INSTANT)
    .addColumn('source', 'varchar(20)', (c) => c.notNull().defaultTo('manual'))
    .addColumn('dedup_key', 'varchar(191)')
    .addColumn('integration_id', 'integer', (c) => c.references('integrations.id'))
    .addColumn('updated_at', INSTANT, (c) => c.notNull())
    .execute();
  // Keyset pagination per process, newest first; filters by status; the worker's scans of open ones.
  await index(db, 'incidents', ['process_id', 'opened_at', 'id']);
  await index(db, 'incidents', ['process_id', 'status', 'opened_at']);
  await index(db, 'incidents', ['status', 'opened_at']);
  await index(db, 'incidents', ['opened_at', 'id']);
  await index(db, 'incidents', ['assigned_to']);
  await index(db, 'incidents', ['process_id', 'dedup_key']);

  await tenant(db, 'incident_events')
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('kind', 'varchar(40)', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('data', 'text')
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'incident_events', ['incident_id', 'id']);

  await tenant(db, 'downtime_events')
    .addColumn('incident_id', 'integer', (c) => c.references('incidents.id'))
    .addColumn('started_at', INSTANT, (c) => c.notNull())
    .addColumn('ended_at', INSTANT)
    .addColumn('services_affected', 'text', (c) => c.notNull())
    .addColumn('impact_level', 'varchar(10)', (c) => c.notNull())
    .addColumn('notes', 'text')
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'downtime_events', ['process_id', 'started_at', 'id']);
  await index(db, 'downtime_events', ['started_at', 'id']);

  await tenant(db, 'tickets')
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('type', 'varchar(20)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull().defaultTo('open'))
    .addColumn('assigned_to', 'integer', (c) => c.references('users.id'))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('incident_id', 'integer', (c) => c.references('incidents.id'))
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .addColumn('updated_at', INSTANT, (c) => c.notNull())
    .addColumn('closed_at', INSTANT)
    .execute();
  await index(db, 'tickets', ['process_id', 'status', 'created_at']);
  await index(db, 'tickets', ['process_id', 'created_at', 'id']);

  await tenant(db, 'approvals')
    .addColumn('type', 'varchar(20)', (c) => c.notNull())
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('details', 'text')
    .addColumn('submitted_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('reviewed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('status', 'varchar(20)', (c) => c.notNull().defaultTo('pending'))
    .addColumn('note', 'text')
    .addColumn('subject_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('submitted_at', INSTANT, (c) => c.notNull())
    .addColumn('reviewed_at', INSTANT)
    .execute();
  await index(db, 'approvals', ['process_id', 'status', 'submitted_at']);

  await tenant(db, 'handovers')
    .addColumn('submitted_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('recipient_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('shift', 'varchar(40)', (c) => c.notNull())
    .addColumn('handover_time', INSTANT, (c) => c.notNull())
    .addColumn('open_incidents', 'text')
    .addColumn('actions_taken', 'text')
    .addColumn('notes', 'text')
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .addColumn('acknowledged_at', INSTANT)
    .execute();
  await index(db, 'handovers', ['process_id', 'handover_time']);

  await tenant(db, 'escalation_chains')
    .addColumn('name', 'varchar(120)', (c) => c.notNull())
    .addColumn('trigger_severity', 'smallint')
    .addColumn('is_active', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .addColumn('updated_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'escalation_chains', ['process_id']);

  await tenant(db, 'escalation_tiers')
    .addColumn('chain_id', 'integer', (c) => c.notNull().references('escalation_chains.id').onDelete('cascade'))
    .addColumn('position', 'smallint', (c) => c.notNull())
    .addColumn('delay_minutes', 'integer', (c) => c.notNull())
    .addColumn('channels', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('webhook_url', 'varchar(500)')
    .execute();
  await index(db, 'escalation_tiers', ['chain_id', 'position']);

  await tenant(db, 'escalation_executions')
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('chain_id', 'integer', (c) => c.notNull())
    .addColumn('tier_id', 'integer', (c) => c.notNull())
    .addColumn('target_user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('fired_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'escalation_executions', ['incident_id', 'tier_id'], true);
  await index(db, 'escalation_executions', ['chain_id', 'fired_at']);

  await tenant(db, 'automation_rules')
    .addColumn('name', 'varchar(120)', (c) => c.notNull())
    .addColumn('trigger_type', 'varchar(40)', (c) => c.notNull())
    .addColumn('trigger_config', 'text', (c) => c.notNull())
    .addColumn('action_type', 'varchar(40)', (c) => c.notNull())
    .addColumn('action_config', 'text', (c) => c.notNull())
    .addColumn('is_active', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('execution_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_run_at', INSTANT)
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .addColumn('updated_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'automation_rules', ['process_id', 'is_active']);

  await tenant(db, 'automation_executions')
    .addColumn('rule_id', 'integer', (c) => c.notNull().references('automation_rules.id').onDelete('cascade'))
    .addColumn('incident_id', 'integer', (c) => c.references('incidents.id'))
    .addColumn('occurrence_key', 'varchar(120)', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('executed_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'automation_executions', ['rule_id', 'occurrence_key'], true);

  await tenant(db, 'oncall_rotations')
    .addColumn('name', 'varchar(120)', (c) => c.notNull())
    .addColumn('role', 'varchar(20)', (c) => c.notNull())
    .addColumn('member_ids', 'text', (c) => c.notNull())
    .addColumn('start_date', 'varchar(10)', (c) => c.notNull())
    .addColumn('handoff_time', 'varchar(5)', (c) => c.notNull())
    .addColumn('shift_days', 'smallint', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .execute();

  await tenant(db, 'oncall_schedules')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('date', 'varchar(10)', (c) => c.notNull())
    .addColumn('role', 'varchar(20)', (c) => c.notNull())
    .addColumn('primary_date', 'varchar(10)')
    .addColumn('rotation_id', 'integer', (c) => c.references('oncall_rotations.id').onDelete('set null'))
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'oncall_schedules', ['process_id', 'primary_date'], true);
  await index(db, 'oncall_schedules', ['process_id', 'date']);
  await index(db, 'oncall_schedules', ['user_id', 'date']);

  await tenant(db, 'notifications')
    .addColumn('direction', 'varchar(20)', (c) => c.notNull())
    .addColumn('subject', 'varchar(200)', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('sent_by', 'integer', (c) => c.references('users.id'))
    .addColumn('recipients', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bounces', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sent_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'notifications', ['process_id', 'sent_at']);

  let reads = db.schema.createTable('notification_reads').ifNotExists()
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('notification_id', 'integer', (c) => c.notNull().references('notifications.id'))
    .addColumn('read_at', INSTANT, (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_notification_reads', ['user_id', 'notification_id']);
  if (isMysql(db)) reads = reads.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`);
  await reads.execute();

  await table(db, 'audit_log')
    .addColumn('process_id', 'integer', (c) => c.references('processes.id'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('action', 'varchar(80)', (c) => c.notNull())
    .addColumn('entity_type', 'varchar(40)', (c) => c.notNull())
    .addColumn('entity_id', 'integer')
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(300)')
    .addColumn('changes', 'text')
    .addColumn('prev_hash', 'varchar(64)')
    .addColumn('hash', 'varchar(64)')
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'audit_log', ['process_id', 'created_at']);
  await index(db, 'audit_log', ['process_id', 'action']);
  await index(db, 'audit_log', ['created_at']);
  await index(db, 'audit_log', ['entity_type', 'entity_id']);

  await table(db, 'activity_log')
    .addColumn('process_id', 'integer', (c) => c.references('processes.id'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('entity_type', 'varchar(40)', (c) => c.notNull())
    .addColumn('entity_id', 'integer')
    .addColumn('action', 'varchar(40)', (c) => c.notNull())
    .addColumn('summary', 'varchar(300)')
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'activity_log', ['process_id', 'id']);
  await index(db, 'activity_log', ['process_id', 'entity_type', 'id']);

  await table(db, 'verification_codes')
    .addColumn('email', 'varchar(254)', (c) => c.notNull())
    .addColumn('purpose', 'varchar(20)', (c) => c.notNull())
    .addColumn('code_hash', 'varchar(100)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', INSTANT, (c) => c.notNull())
    .addColumn('used_at', INSTANT)
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'verification_codes', ['email', 'purpose']);

  await table(db, 'password_tokens')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('purpose', 'varchar(20)', (c) => c.notNull())
    .addColumn('expires_at', INSTANT, (c) => c.notNull())
    .addColumn('used_at', INSTANT)
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .execute();

  await table(db, 'email_outbox')
    .addColumn('process_id', 'integer', (c) => c.references('processes.id'))
    .addColumn('channel', 'varchar(20)', (c) => c.notNull().defaultTo('email'))
    .addColumn('to_address', 'varchar(500)', (c) => c.notNull())
    .addColumn('subject', 'varchar(300)', (c) => c.notNull())
    .addColumn('html', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('template', 'varchar(60)', (c) => c.notNull())
    .addColumn('entity_type', 'varchar(40)')
    .addColumn('entity_id', 'integer')
    .addColumn('notification_id', 'integer', (c) => c.references('notifications.id'))
    .addColumn('status', 'varchar(20)', (c) => c.notNull().defaultTo('queued'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', INSTANT, (c) => c.notNull())
    .addColumn('claimed_until', INSTANT)
    .addColumn('claimed_by', 'varchar(64)')
    .addColumn('last_error', 'text')
    .addColumn('message_id', 'varchar(200)')
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .addColumn('sent_at', INSTANT)
    .execute();
  await index(db, 'email_outbox', ['status', 'next_attempt_at']);
  await index(db, 'email_outbox', ['process_id', 'created_at']);
  await index(db, 'email_outbox', ['entity_type', 'entity_id']);

  let limits = db.schema.createTable('rate_limits').ifNotExists()
    .addColumn('key', 'varchar(191)', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('window_start', INSTANT, (c) => c.notNull());
  if (isMysql(db)) limits = limits.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`);
  await limits.execute();

  await tenant(db, 'ai_insights')
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
    .addColumn('source', 'varchar(20)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('incident_updated_at', INSTANT, (c) => c.notNull())
    .addColumn('created_at', INSTANT, (c) => c.notNull())
    .execute();
  await index(db, 'ai_insights', ['incident_id'], true);
}

export async function down(db: Kysely<any>): Promise<void> {
  const tables = [
    'ai_insights', 'rate_limits', 'email_outbox', 'password_tokens', 'verification_codes', 'activity_log',
    'audit_log', 'notification_reads', 'notifications', 'oncall_schedules', 'oncall_rotations',
    'automation_executions', 'automation_rules', 'escalation_executions', 'escalation_tiers',
    'escalation_chains', 'handovers', 'approvals', 'tickets', 'downtime_events', 'incident_events',
    'incidents', 'integrations', 'users', 'processes',
  ];
  for (const t of tables) await db.schema.dropTable(t).ifExists().execute();
}
