import type { Db } from '../../db/index.js';
import type { Cursor } from '../../pagination.js';
import { scoped, type Actor } from '../../tenancy.js';
import { withWebhookTables } from '../../webhooks/schema.js';
import { olderThan } from '../../db/keyset.js';

export const INTEGRATION_KINDS = ['alertmanager', 'grafana', 'generic'] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];

export const KIND_LABELS: Record<IntegrationKind, string> = {
  alertmanager: 'Prometheus Alertmanager',
  grafana: 'Grafana alerting',
  generic: 'Generic JSON',
};

const COLUMNS = [
  'integrations.id', 'integrations.process_id', 'integrations.name', 'integrations.kind', 'integrations.key',
  'integrations.default_severity', 'integrations.severity_map', 'integrations.is_active', 'integrations.created_by',
  'integrations.created_at', 'integrations.last_alert_at', 'integrations.alert_count',
  'processes.name as process_name', 'processes.slug as process_slug', 'processes.timezone as process_timezone',
] as const;

function listBase(db: Db, actor: Actor) {
  return scoped(
    withWebhookTables(db).selectFrom('integrations')
      .innerJoin('processes', 'processes.id', 'integrations.process_id')
      .select(COLUMNS),
    actor,
    'integrations.process_id',
  );
}

export type IntegrationRow = Awaited<ReturnType<ReturnType<typeof listBase>['executeTakeFirstOrThrow']>>;

/** Integrations within the actor's reach, newest first (keyset on created_at, id). */
export async function listIntegrations(db: Db, actor: Actor, cursor: Cursor | null, limit: number): Promise<IntegrationRow[]> {
  let q = listBase(db, actor);
  if (cursor) {
    q = q.where(olderThan(cursor, 'integrations.created_at', 'integrations.id'));
  }
  return q.orderBy('integrations.created_at', 'desc').orderBy('integrations.id', 'desc').limit(limit + 1).execute();
}

/** The integration if the actor may see it, else undefined (the caller answers 404). */
export async function findIntegration(db: Db, actor: Actor, id: number): Promise<IntegrationRow | undefined> {
  return listBase(db, actor).where('integrations.id', '=', id).executeTakeFirst();
}

/** The integration a webhook key belongs to (alert ingestion: the key is the credential). */
export async function findIntegrationByKey(db: Db, key: string) {
  return withWebhookTables(db).selectFrom('integrations')
    .select(['id', 'process_id', 'name', 'kind', 'default_severity', 'severity_map', 'is_active'])
    .where('key', '=', key)
    .executeTakeFirst();
}

export type IntegrationForAlerts = NonNullable<Awaited<ReturnType<typeof findIntegrationByKey>>>;
