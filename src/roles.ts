import type { Role } from './db/schema.js';

/**
 * Roles and what each may do: the permission matrix of DESIGN.md as data. Pages, the API and the
 * sidebar all ask `can()`; nothing else decides access.
 */

const RANK: Record<Exclude<Role, 'client'>, number> = {
  viewer: 1,
  operator: 2,
  manager: 3,
  admin: 4,
  super_admin: 5,
};

export const ROLE_LABELS: Record<Role, string> = {
  viewer: 'Viewer',
  operator: 'Operator',
  manager: 'Manager',
  admin: 'Admin',
  super_admin: 'Super Admin',
  client: 'Client',
};

/** True when `role` is `min` or above in the hierarchy; clients stand apart and never rank. */
export function atLeast(role: Role, min: Exclude<Role, 'client'>): boolean {
  if (role === 'client') return false;
  return RANK[role] >= RANK[min];
}

type Rule = { min: Exclude<Role, 'client'>; client?: boolean };

/** Each permission: the lowest role that has it, and whether a client has it too. */
export const PERMISSIONS = {
  'dashboard.view': { min: 'viewer', client: true },
  'incidents.view': { min: 'viewer', client: true },
  'incidents.edit': { min: 'operator' },
  'incidents.assign_any': { min: 'manager' },
  'downtime.view': { min: 'viewer', client: true },
  'downtime.edit': { min: 'operator' },
  'tickets.view': { min: 'viewer' },
  'tickets.edit': { min: 'operator' },
  'approvals.view': { min: 'operator' },
  'approvals.submit': { min: 'operator' },
  'approvals.view_all': { min: 'manager' },
  'approvals.decide': { min: 'manager' },
  'handovers.view': { min: 'operator' },
  'handovers.submit': { min: 'operator' },
  'escalations.view': { min: 'manager' },
  'escalations.manage': { min: 'manager' },
  'automation.view': { min: 'manager' },
  'automation.manage': { min: 'manager' },
  'notifications.view': { min: 'viewer', client: true },
  'notifications.send_to_clients': { min: 'operator' },
  'ai.view': { min: 'viewer', client: true },
  'oncall.view': { min: 'viewer', client: true },
  'oncall.manage': { min: 'manager' },
  'reporting.view': { min: 'manager' },
  'reporting.export_audit': { min: 'admin' },
  'audit.view': { min: 'admin' },
  'activity.view': { min: 'viewer', client: true },
  'users.view': { min: 'admin' },
  'users.manage': { min: 'admin' },
  'integrations.manage': { min: 'admin' },
  'email_log.view': { min: 'admin' },
  'processes.all': { min: 'super_admin' },
} as const satisfies Record<string, Rule>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  const rule: Rule = PERMISSIONS[permission];
  if (role === 'client') return rule.client === true;
  return atLeast(role, rule.min);
}

/** Clients may message the ops team; the rest of the notification rules follow the matrix. */
export function canSendClientToOps(role: Role): boolean {
  return role === 'client';
}
