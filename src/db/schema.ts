import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** An instant, stored as UTC. Read back as a Date on both dialects (see values.ts). */
type Instant = Date;
type NullableInstant = Date | null;
/** Booleans are stored as 0/1 and read back as booleans (see values.ts). */
type Flag = ColumnType<boolean, boolean | number, boolean | number>;
type Id = Generated<number>;

export const ROLES = ['viewer', 'operator', 'manager', 'admin', 'super_admin', 'client'] as const;
export type Role = (typeof ROLES)[number];
export const INCIDENT_STATUSES = ['open', 'in_progress', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const TICKET_TYPES = ['incident', 'change', 'access', 'report'] as const;
export const TICKET_STATUSES = ['open', 'in_progress', 'closed'] as const;
/**
 * Every incident status but resolved, every ticket status but closed: `status IN (...)` instead of
 * `status != ...`, which gives the same rows and, unlike `!=`, lets SQLite seek a (process, status)
 * index instead of reading every incident or ticket of the process.
 */
export const UNRESOLVED_INCIDENT_STATUSES = INCIDENT_STATUSES.filter((s) => s !== 'resolved');
export const OPEN_TICKET_STATUSES = TICKET_STATUSES.filter((s) => s !== 'closed');
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const IMPACT_LEVELS = ['low', 'medium', 'high'] as const;
export const ONCALL_ROLES = ['primary', 'backup', 'escalation'] as const;

export interface ProcessesTable {
  id: Id;
  slug: string;
  name: string;
  description: string | null;
  timezone: string;
  created_at: Instant;
}

export interface UsersTable {
  id: Id;
  process_id: number;
  email: string;
  name: string;
  password_hash: string | null;
  role: Role;
  is_active: Flag;
  phone: string | null;
  must_change_password: Flag;
  /** Tokens issued before this instant are refused (role, password, deactivation changes). */
  tokens_valid_after: Instant;
  ical_token: string | null;
  created_at: Instant;
  updated_at: Instant;
  last_login_at: NullableInstant;
}

export interface IncidentsTable {
  id: Id;
  process_id: number;
  title: string;
  description: string | null;
  severity: number;
  status: IncidentStatus;
  assigned_to: number | null;
  opened_by: number | null;
  opened_at: Instant;
  acknowledged_at: NullableInstant;
  resolved_at: NullableInstant;
  rca: string | null;
  reminder_sent_at: NullableInstant;
  source: string;
  dedup_key: string | null;
  integration_id: number | null;
  updated_at: Instant;
}

export interface IncidentEventsTable {
  id: Id;
  process_id: number;
  incident_id: number;
  user_id: number | null;
  kind: string;
  message: string;
  data: string | null;
  created_at: Instant;
}

export interface DowntimeEventsTable {
  id: Id;
  process_id: number;
  incident_id: number | null;
  started_at: Instant;
  ended_at: NullableInstant;
  /** JSON array of strings, stored as text. */
  services_affected: string;
  impact_level: string;
  notes: string | null;
  created_by: number | null;
  created_at: Instant;
}

export interface TicketsTable {
  id: Id;
  process_id: number;
  title: string;
  description: string | null;
  type: string;
  status: string;
  assigned_to: number | null;
  created_by: number | null;
  incident_id: number | null;
  created_at: Instant;
  updated_at: Instant;
  closed_at: NullableInstant;
}

export interface ApprovalsTable {
  id: Id;
  process_id: number;
  type: string;
  title: string;
  details: string | null;
  submitted_by: number;
  reviewed_by: number | null;
  status: string;
  note: string | null;
  /** For access requests from self-registration: the account that approval activates. */
  subject_user_id: number | null;
  submitted_at: Instant;
  reviewed_at: NullableInstant;
}

export interface HandoversTable {
  id: Id;
  process_id: number;
  submitted_by: number;
  recipient_id: number;
  shift: string;
  handover_time: Instant;
  open_incidents: string | null;
  actions_taken: string | null;
  notes: string | null;
  created_at: Instant;
  acknowledged_at: NullableInstant;
}

export interface EscalationChainsTable {
  id: Id;
  process_id: number;
  name: string;
  trigger_severity: number | null;
  is_active: Flag;
  created_by: number | null;
  created_at: Instant;
  updated_at: Instant;
}

export interface EscalationTiersTable {
  id: Id;
  process_id: number;
  chain_id: number;
  position: number;
  delay_minutes: number;
  /** JSON array of channel names, stored as text. */
  channels: string;
  user_id: number | null;
  webhook_url: string | null;
}

export interface EscalationExecutionsTable {
  id: Id;
  process_id: number;
  incident_id: number;
  chain_id: number;
  tier_id: number;
  target_user_id: number | null;
  fired_at: Instant;
}

export interface AutomationRulesTable {
  id: Id;
  process_id: number;
  name: string;
  trigger_type: string;
  trigger_config: string;
  action_type: string;
  action_config: string;
  is_active: Flag;
  execution_count: number;
  last_run_at: NullableInstant;
  created_by: number | null;
  created_at: Instant;
  updated_at: Instant;
}

export interface AutomationExecutionsTable {
  id: Id;
  process_id: number;
  rule_id: number;
  incident_id: number | null;
  /** Unique per rule: "incident:<id>" or "schedule:<occurrence ISO>" makes each firing happen once. */
  occurrence_key: string;
  result: string | null;
  executed_at: Instant;
}

export interface OncallRotationsTable {
  id: Id;
  process_id: number;
  name: string;
  role: string;
  member_ids: string;
  start_date: string;
  handoff_time: string;
  shift_days: number;
  created_by: number | null;
  created_at: Instant;
}

export interface OncallSchedulesTable {
  id: Id;
  process_id: number;
  user_id: number;
  /** Calendar day in the process's time zone, YYYY-MM-DD. */
  date: string;
  role: string;
  /** Equals `date` for primary rows, NULL otherwise: a unique key gives one primary per process and day. */
  primary_date: string | null;
  rotation_id: number | null;
  created_at: Instant;
}

export interface NotificationsTable {
  id: Id;
  process_id: number;
  direction: string;
  subject: string;
  message: string;
  sent_by: number | null;
  recipients: number;
  bounces: number;
  sent_at: Instant;
}

export interface NotificationReadsTable {
  user_id: number;
  notification_id: number;
  read_at: Instant;
}

export interface AuditLogTable {
  id: Id;
  process_id: number | null;
  user_id: number | null;
  action: string;
  entity_type: string;
  entity_id: number | null;
  ip: string | null;
  user_agent: string | null;
  changes: string | null;
  prev_hash: string | null;
  hash: string | null;
  created_at: Instant;
}

export interface ActivityLogTable {
  id: Id;
  process_id: number | null;
  user_id: number | null;
  entity_type: string;
  entity_id: number | null;
  action: string;
  summary: string | null;
  created_at: Instant;
}

export interface VerificationCodesTable {
  id: Id;
  email: string;
  purpose: string;
  code_hash: string;
  attempts: number;
  expires_at: Instant;
  used_at: NullableInstant;
  created_at: Instant;
}

export interface PasswordTokensTable {
  id: Id;
  user_id: number;
  token_hash: string;
  purpose: string;
  expires_at: Instant;
  used_at: NullableInstant;
  created_at: Instant;
}

export interface EmailOutboxTable {
  id: Id;
  process_id: number | null;
  channel: string;
  to_address: string;
  subject: string;
  html: string | null;
  text: string;
  template: string;
  entity_type: string | null;
  entity_id: number | null;
  notification_id: number | null;
  status: string;
  attempts: number;
  next_attempt_at: Instant;
  claimed_until: NullableInstant;
  claimed_by: string | null;
  last_error: string | null;
  message_id: string | null;
  created_at: Instant;
  sent_at: NullableInstant;
}

export interface RateLimitsTable {
  key: string;
  count: number;
  window_start: Instant;
}

export interface IntegrationsTable {
  id: Id;
  process_id: number;
  name: string;
  kind: string;
  key: string;
  default_severity: number;
  severity_map: string | null;
  is_active: Flag;
  created_by: number | null;
  created_at: Instant;
}

export interface AiInsightsTable {
  id: Id;
  process_id: number;
  incident_id: number;
  source: string;
  payload: string;
  /** The incident's updated_at when this was computed: a change invalidates the cache. */
  incident_updated_at: Instant;
  created_at: Instant;
}

/** A signed-out session: see migrations/008_revoked_tokens.ts. */
export interface RevokedTokensTable {
  user_id: number;
  issued_at_ms: number;
  expires_at: Instant;
}

export interface Database {
  processes: ProcessesTable;
  users: UsersTable;
  incidents: IncidentsTable;
  incident_events: IncidentEventsTable;
  downtime_events: DowntimeEventsTable;
  tickets: TicketsTable;
  approvals: ApprovalsTable;
  handovers: HandoversTable;
  escalation_chains: EscalationChainsTable;
  escalation_tiers: EscalationTiersTable;
  escalation_executions: EscalationExecutionsTable;
  automation_rules: AutomationRulesTable;
  automation_executions: AutomationExecutionsTable;
  oncall_rotations: OncallRotationsTable;
  oncall_schedules: OncallSchedulesTable;
  notifications: NotificationsTable;
  notification_reads: NotificationReadsTable;
  audit_log: AuditLogTable;
  activity_log: ActivityLogTable;
  verification_codes: VerificationCodesTable;
  password_tokens: PasswordTokensTable;
  email_outbox: EmailOutboxTable;
  rate_limits: RateLimitsTable;
  revoked_tokens: RevokedTokensTable;
  integrations: IntegrationsTable;
  ai_insights: AiInsightsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Process = Selectable<ProcessesTable>;
export type Incident = Selectable<IncidentsTable>;
export type NewIncident = Insertable<IncidentsTable>;
export type IncidentUpdate = Updateable<IncidentsTable>;

/** Tables whose rows belong to one process: every read and write goes through tenancy.ts. */
export type TenantTable = {
  [K in keyof Database]: Database[K] extends { process_id: number } ? K : never;
}[keyof Database];
