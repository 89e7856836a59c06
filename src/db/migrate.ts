import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import * as m001 from '../../migrations/001_initial_schema.js';
import * as m002 from '../../migrations/002_audit_guard.js';
import * as m003 from '../../migrations/003_registration_payload.js';
import * as m005 from '../../migrations/005_escalation_engine.js';
import * as m006 from '../../migrations/006_webhooks.js';
import * as m007 from '../../migrations/007_list_indexes.js';
import * as m008 from '../../migrations/008_revoked_tokens.js';
import * as m009 from '../../migrations/009_downtime_by_incident.js';
import type { Db } from './index.js';

/** Migrations are imported statically: works the same under tsx, vitest and a bundle. */
const migrations: Record<string, Migration> = {
  '001_initial_schema': m001,
  '002_audit_guard': m002,
  '003_registration_payload': m003,
  '005_escalation_engine': m005,
  '006_webhooks': m006,
  '007_list_indexes': m007,
  '008_revoked_tokens': m008,
  '009_downtime_by_incident': m009,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
