import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database, Role } from '../../db/schema.js';
import { can, type Permission } from '../../roles.js';
import { scoped, type Actor } from '../../tenancy.js';
import { clientSees } from '../notifications/queries.js';

/**
 * Who sees which activity: an event is shown to a role only if that role may see the record it is
 * about. This map (entity_type -> the permission that shows such records) is the one place that
 * decides it; a module that records a new entity type adds it here. Types missing from the map are
 * shown to admins and above only (they see the whole audit log anyway).
 */
export const ENTITY_PERMISSIONS: Record<string, Permission> = {
  incident: 'incidents.view',
  downtime: 'downtime.view',
  ticket: 'tickets.view',
  approval: 'approvals.view',
  handover: 'handovers.view',
  escalation_chain: 'escalations.view',
  escalation: 'escalations.view',
  automation_rule: 'automation.view',
  automation: 'automation.view',
  notification: 'notifications.view',
  oncall: 'oncall.view',
  oncall_schedule: 'oncall.view',
  oncall_rotation: 'oncall.view',
  ai_insight: 'ai.view',
  user: 'users.view',
  email: 'email_log.view',
  integration: 'integrations.manage',
  webhook: 'integrations.manage',
  process: 'processes.all',
};

/** Roles that see every type, known or not. */
const SEES_ALL: Permission = 'audit.view';

/** The entity types a role may see events of, or 'all'. */
export function visibleTypes(role: Role): string[] | 'all' {
  if (can(role, SEES_ALL)) return 'all';
  return Object.entries(ENTITY_PERMISSIONS).filter(([, p]) => can(role, p)).map(([t]) => t);
}

export function canSeeType(role: Role, type: string): boolean {
  const v = visibleTypes(role);
  return v === 'all' || v.includes(type);
}

/**
 * Narrows a query on `activity_log` to the events the actor may see: their process (scoped), the
 * entity types of their role, and the records within a type they may see (an operator sees the
 * events of their own approval requests only; a client the notifications the Notifications page
 * shows them). `type` narrows to one entity type (the feed's filter).
 *
 * For the planners: a type filter replaces the role's list of types (one `=` instead of `IN (...)`
 * and `=` on the same column), and the record rules look up each event's record by its primary key
 * (a scalar subquery: true, false, or null when there is no such record, exactly as `IN` decides)
 * instead of listing every record the actor may see: `IN (SELECT ...)`, and MariaDB's rewrite of
 * EXISTS into it, materialised every team message of every process for each page of a client's
 * feed, and every approval an operator ever filed for each page of theirs.
 */
export function visibleActivity<O>(qb: SelectQueryBuilder<Database, 'activity_log', O>, actor: Actor, type?: string): SelectQueryBuilder<Database, 'activity_log', O> {
  let q = scoped(qb, actor, 'activity_log.process_id');
  const types = visibleTypes(actor.role);
  if (type) {
    q = types === 'all' || types.includes(type)
      ? q.where('activity_log.entity_type', '=', type)
      : q.where(sql<boolean>`1 = 0`);
  } else if (types !== 'all') {
    // Written so that no index can serve it (entity_type is never null): SQLite otherwise reads each
    // visible type's range of (process, type, id) and sorts them all for a page deep in the feed,
    // instead of walking (process, id) in order and stopping at the page's end.
    q = q.where((eb) => eb(eb.fn.coalesce('activity_log.entity_type', sql.lit('')), 'in', types));
  }
  if (can(actor.role, 'approvals.view') && !can(actor.role, 'approvals.view_all') && (!type || type === 'approval')) {
    q = q.where((eb) => eb.or([
      eb('activity_log.entity_type', '!=', 'approval'),
      eb(eb.selectFrom('approvals')
        .select((s) => s('approvals.submitted_by', '=', actor.userId).as('mine'))
        .whereRef('approvals.id', '=', 'activity_log.entity_id'), '=', true),
    ]));
  }
  if (actor.role === 'client' && (!type || type === 'incident')) {
    // Notes are the team's working log (see incidents/notes.ts): not even that one was written.
    q = q.where((eb) => eb.or([eb('activity_log.entity_type', '!=', 'incident'), eb('activity_log.action', '!=', 'note')]));
  }
  if (actor.role === 'client' && (!type || type === 'notification')) {
    // As on the Notifications page: never another stakeholder's message to the team.
    q = q.where((eb) => eb.or([
      eb('activity_log.entity_type', '!=', 'notification'),
      eb(eb.selectFrom('notifications')
        .select((s) => clientSees(actor)(s).as('seen'))
        .whereRef('notifications.id', '=', 'activity_log.entity_id'), '=', true),
    ]));
  }
  return q;
}
