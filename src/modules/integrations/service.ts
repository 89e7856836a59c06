import { randomBytes } from 'node:crypto';
import { recordAction } from '../../audit.js';
import { affected, insertedId, type Db } from '../../db/index.js';
import { forbidden, notFound } from '../../errors.js';
import { can } from '../../roles.js';
import { owningProcess, scoped, type Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';
import { LostRace, retryLostRace, whereAsRead } from '../../races.js';
import { findIntegration, INTEGRATION_KINDS, type IntegrationRow } from './queries.js';
import { DEFAULT_SEVERITY_MAP, parseSeverityMap, type SeverityMap } from './severity.js';

/**
 * Inbound integrations (admin+): each has a secret URL key that monitoring posts alerts to
 * (`POST /api/v1/alerts/<key>`), a default severity and a label-to-severity mapping. Every change
 * is one transaction with its audit entry; the key itself never enters the audit log.
 */

export const NAME_MAX = 120;

/** A fresh URL key: 192 random bits, URL-safe. */
export function newIntegrationKey(): string {
  return randomBytes(24).toString('base64url');
}

export function alertUrl(appUrl: string, key: string): string {
  return `${appUrl}/api/v1/alerts/${key}`;
}

function readMap(f: Fields, input: Record<string, unknown>): SeverityMap | null {
  const parsed = parseSeverityMap(input.severity_map === '' ? null : input.severity_map);
  if (parsed.error !== undefined) {
    f.fail('severity_map', parsed.error);
    return null;
  }
  return parsed.map;
}

/** is_active from JSON (true/false) or a form ("true", "false", "on", "1", "0"). */
function readFlag(f: Fields, input: Record<string, unknown>, name: string, label: string): boolean | null {
  const raw = input[name];
  if (raw === undefined) return null;
  if (typeof raw === 'boolean') return raw;
  if (raw === 1 || raw === 'true' || raw === 'on' || raw === '1') return true;
  if (raw === 0 || raw === 'false' || raw === 'off' || raw === '0') return false;
  f.fail(name, `${label} must be true or false.`);
  return null;
}

function requireManage(actor: Actor): void {
  if (!can(actor.role, 'integrations.manage')) throw forbidden();
}

export async function createIntegration(db: Db, actor: Actor, input: Record<string, unknown>, now: Date): Promise<IntegrationRow> {
  requireManage(actor);
  const f = new Fields(input);
  const name = f.text('name', { required: true, max: NAME_MAX, label: 'Name' });
  const kind = f.oneOf('kind', INTEGRATION_KINDS, { required: true, label: 'Kind' });
  const defaultSeverity = f.int('default_severity', { min: 1, max: 4, label: 'Default severity' }) ?? 3;
  const map = f.has('severity_map') ? readMap(f, input) : DEFAULT_SEVERITY_MAP;
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process this integration belongs to.');
    f.check();
  }
  const id = await db.transaction().execute(async (trx) => {
    // Every problem at once: the process is looked up even when other fields are wrong.
    await f.ref('process_id', processId,
      (pid) => trx.selectFrom('processes').select('id').where('id', '=', pid).executeTakeFirst(), 'Unknown process.');
    f.check();
    const integrationId = insertedId(await trx.insertInto('integrations').values({
      process_id: processId!, name: name!, kind: kind!, key: newIntegrationKey(), default_severity: defaultSeverity,
      severity_map: map ? JSON.stringify(map) : null, is_active: true, created_by: actor.userId, created_at: now,
    }).executeTakeFirstOrThrow());
    await recordAction(trx, actor, now, {
      action: 'integration.create', entityType: 'integration', entityId: integrationId, processId: processId!,
      changes: { name, kind, default_severity: defaultSeverity, severity_map: map }, summary: name!,
    });
    return integrationId;
  });
  return (await findIntegration(db, actor, id))!;
}

/** Changes any of name, default_severity, severity_map and is_active (pause / resume). */
export async function updateIntegration(db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date): Promise<IntegrationRow> {
  requireManage(actor);
  const f = new Fields(input);
  const set: Record<string, unknown> = {};
  if (f.has('name')) {
    const name = f.text('name', { required: true, max: NAME_MAX, label: 'Name' });
    if (name !== null) set.name = name;
  }
  if (f.has('default_severity')) {
    const s = f.int('default_severity', { required: true, min: 1, max: 4, label: 'Default severity' });
    if (s !== null) set.default_severity = s;
  }
  if (f.has('severity_map')) {
    const map = readMap(f, input);
    set.severity_map = map ? JSON.stringify(map) : null;
  }
  const active = readFlag(f, input, 'is_active', 'Active');
  if (active !== null) set.is_active = active;
  if (f.has('kind')) f.fail('kind', 'The kind of an integration cannot change: create another one.');
  f.check();
  // Lost to a change at the same moment: tried again on what won (pausing a paused integration is
  // then the no-op it is on its own, not a second audit entry).
  await retryLostRace('The integration changed meanwhile. Reload and try again.', () => applyIntegrationUpdate(db, actor, id, set, active, now));
  return (await findIntegration(db, actor, id))!;
}

async function applyIntegrationUpdate(db: Db, actor: Actor, id: number, set: Record<string, unknown>, active: boolean | null, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await findIntegration(trx, actor, id);
    if (!current) throw notFound('Integration');
    const changes: Record<string, [unknown, unknown]> = {};
    for (const [k, v] of Object.entries(set)) {
      const before = (current as Record<string, unknown>)[k];
      if (before !== v) changes[k] = [before, v];
    }
    if (Object.keys(changes).length === 0) return;
    // Conditional on the changed fields as read, so two racing changes cannot both apply.
    const res = await whereAsRead(trx.updateTable('integrations').set(set).where('id', '=', id), current, Object.keys(changes)).executeTakeFirst();
    if (affected(res) === 0) throw new LostRace();
    const action = Object.keys(changes).length === 1 && 'is_active' in changes ? (active ? 'integration.resume' : 'integration.pause') : 'integration.update';
    await recordAction(trx, actor, now, {
      action, entityType: 'integration', entityId: id, processId: current.process_id, changes, summary: current.name,
    });
  });
}

/** A new URL key; the old one stops working at once (404). */
export async function rotateIntegrationKey(db: Db, actor: Actor, id: number, now: Date): Promise<IntegrationRow> {
  requireManage(actor);
  await db.transaction().execute(async (trx) => {
    const res = await scoped(trx.updateTable('integrations').set({ key: newIntegrationKey() }).where('integrations.id', '=', id), actor, 'integrations.process_id')
      .executeTakeFirst();
    if (!affected(res)) throw notFound('Integration');
    const row = await trx.selectFrom('integrations').select(['process_id', 'name']).where('id', '=', id).executeTakeFirstOrThrow();
    await recordAction(trx, actor, now, {
      action: 'integration.rotate_key', entityType: 'integration', entityId: id, processId: row.process_id, summary: row.name,
    });
  });
  return (await findIntegration(db, actor, id))!;
}

/** Deletes an integration; its incidents stay (no longer linked to it). */
export async function deleteIntegration(db: Db, actor: Actor, id: number, now: Date): Promise<void> {
  requireManage(actor);
  await db.transaction().execute(async (trx) => {
    const current = await scoped(trx.selectFrom('integrations').select(['id', 'process_id', 'name']).where('integrations.id', '=', id), actor, 'integrations.process_id')
      .executeTakeFirst();
    if (!current) throw notFound('Integration');
    await trx.updateTable('incidents').set({ integration_id: null })
      .where('process_id', '=', current.process_id).where('integration_id', '=', id).execute();
    // Deleted by a request at the same moment (MySQL runs them side by side): 404, one audit entry.
    if (affected(await trx.deleteFrom('integrations').where('id', '=', id).executeTakeFirst()) === 0) throw notFound('Integration');
    await recordAction(trx, actor, now, {
      action: 'integration.delete', entityType: 'integration', entityId: id, processId: current.process_id, summary: current.name,
    });
  });
}
