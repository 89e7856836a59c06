import { sql } from 'kysely';
import { recordAction } from '../../audit.js';
import { affected, type Db } from '../../db/index.js';
import { notFound } from '../../errors.js';
import { withWebhookTables } from '../../webhooks/schema.js';
import { addIncidentEvent } from '../incidents/timeline.js';
import { createIncidentFromAlert, resolveIncidentFromAlert, type MailContext } from '../incidents/service.js';
import type { IntegrationForAlerts } from '../integrations/queries.js';
import { severityFor, storedSeverityMap } from '../integrations/severity.js';
import type { NormalizedAlert } from './parse.js';

/**
 * Applies a payload's alerts in ONE transaction:
 * - firing, no unresolved incident with its key (in this integration): opens one (source "alert");
 * - firing again while one is unresolved: a timeline entry on it, nothing new;
 * - resolved: resolves the unresolved one (timeline, Resolved emails), or is noted if there is none.
 * Every alert leaves an audit entry. Alerts of one integration are applied one payload at a time:
 * the first statement updates the integration's row, which holds its lock until commit (MariaDB);
 * SQLite runs one write transaction at a time anyway.
 */

export interface IngestResult {
  /** Every incident the payload touched, in order (API.md). */
  incidents: number[];
  opened: number[];
  updated: number[];
  resolved: number[];
  /** Alerts that changed nothing (a resolve with nothing open, a state that means nothing). */
  ignored: number;
}

export async function ingestAlerts(
  db: Db,
  integration: IntegrationForAlerts,
  alerts: NormalizedAlert[],
  now: Date,
  mail: MailContext,
  meta: { ip: string | null },
): Promise<IngestResult> {
  const map = storedSeverityMap(integration.severity_map);
  const processId = integration.process_id;
  return db.transaction().execute(async (trx) => {
    const claimed = await withWebhookTables(trx).updateTable('integrations')
      .set({ last_alert_at: now, alert_count: sql`alert_count + ${alerts.length}` })
      .where('id', '=', integration.id)
      .where('is_active', '=', true)
      .executeTakeFirst();
    if (!affected(claimed)) throw notFound('Integration');

    const result: IngestResult = { incidents: [], opened: [], updated: [], resolved: [], ignored: 0 };
    const touch = (list: number[], id: number) => {
      list.push(id);
      if (!result.incidents.includes(id)) result.incidents.push(id);
    };
    for (const alert of alerts) {
      const audit = { alert_status: alert.status, integration: integration.name, ip: meta.ip };
      if (alert.status === 'ignored') {
        await recordAction(trx, null, now, {
          action: 'integration.alert', entityType: 'integration', entityId: integration.id, processId,
          changes: { ...audit, dedup_key: alert.dedupKey, outcome: alert.note ?? 'ignored' }, summary: `${alert.title}: ${alert.note ?? 'ignored'}`,
        });
        result.ignored += 1;
        continue;
      }
      const open = await trx.selectFrom('incidents')
        .select(['id', 'process_id', 'title', 'status', 'acknowledged_at'])
        .where('process_id', '=', processId)
        .where('dedup_key', '=', alert.dedupKey)
        .where('integration_id', '=', integration.id)
        .where('status', '!=', 'resolved')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (alert.status === 'firing') {
        if (!open) {
          const severity = alert.severity ?? severityFor(alert.labels, map, integration.default_severity);
          const id = await createIncidentFromAlert(trx, {
            processId, integrationId: integration.id, integrationName: integration.name, title: alert.title,
            description: alert.description, severity, dedupKey: alert.dedupKey, audit,
          }, now, mail);
          touch(result.opened, id);
        } else {
          await addIncidentEvent(trx, open, null, 'alert', `Alert fired again in ${integration.name}: ${alert.title}`, now);
          await recordAction(trx, null, now, {
            action: 'incident.alert', entityType: 'incident', entityId: open.id, processId,
            changes: { ...audit, dedup_key: alert.dedupKey }, summary: open.title,
          });
          touch(result.updated, open.id);
        }
        continue;
      }
      if (open && await resolveIncidentFromAlert(trx, open, `Alert resolved in ${integration.name}: ${alert.title}`, now, mail, audit)) {
        touch(result.resolved, open.id);
        continue;
      }
      await recordAction(trx, null, now, {
        action: 'integration.alert', entityType: 'integration', entityId: integration.id, processId,
        changes: { ...audit, dedup_key: alert.dedupKey, outcome: 'no unresolved incident' },
        summary: `Resolved alert matched no unresolved incident: ${alert.title}`,
      });
      result.ignored += 1;
    }
    return result;
  });
}
