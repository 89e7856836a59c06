import type { Generated, Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * The table and columns added by migrations/006_webhooks.ts, typed for the modules that use them
 * (alerts, integrations, webhooks). `withWebhookTables(db)` is the same connection (or the same
 * transaction) seen with these types; nothing else changes.
 */
export type WebhookSecretsTable = {
  id: Generated<number>;
  process_id: number | null;
  secret: string;
  created_at: Date;
  rotated_at: Date | null;
};

export type WebhookTables = {
  webhook_secrets: WebhookSecretsTable;
  email_outbox: { response_code: number | null };
  integrations: { last_alert_at: Date | null; alert_count: Generated<number> };
};

export type WebhookDatabase = Database & WebhookTables;
export type WDb = Kysely<WebhookDatabase>;
export type WTrx = Transaction<WebhookDatabase>;

export function withWebhookTables(db: Transaction<Database>): WTrx;
export function withWebhookTables(db: Kysely<Database>): WDb;
export function withWebhookTables(db: Kysely<Database> | Transaction<Database>): WDb | WTrx {
  return db.withTables<WebhookTables>() as WDb | WTrx;
}
