import { can, type Permission } from './roles.js';
import type { Role } from './db/schema.js';

export interface NavItem {
  path: string;
  label: string;
  permission: Permission;
  icon: string;
}

export interface NavSection {
  title: string;
  items: NavItem[];
}

/** The sidebar: every module, grouped as in the original's figures, each behind its permission. */
export const NAVIGATION: NavSection[] = [
  {
    title: 'Operations',
    items: [
      { path: '/', label: 'Dashboard', permission: 'dashboard.view', icon: 'home' },
      { path: '/incidents', label: 'Incidents', permission: 'incidents.view', icon: 'alert' },
      { path: '/downtime', label: 'Downtime', permission: 'downtime.view', icon: 'clock' },
      { path: '/tickets', label: 'Tickets', permission: 'tickets.view', icon: 'ticket' },
      { path: '/handovers', label: 'Handovers', permission: 'handovers.view', icon: 'swap' },
    ],
  },
  {
    title: 'Response',
    items: [
      { path: '/approvals', label: 'Approvals', permission: 'approvals.view', icon: 'check' },
      { path: '/escalations', label: 'Escalations', permission: 'escalations.view', icon: 'stairs' },
      { path: '/oncall', label: 'On-Call', permission: 'oncall.view', icon: 'phone' },
      { path: '/automation', label: 'Automation', permission: 'automation.view', icon: 'bolt' },
    ],
  },
  {
    title: 'Communications',
    items: [
      { path: '/notifications', label: 'Notifications', permission: 'notifications.view', icon: 'mail' },
      { path: '/activity', label: 'Activity', permission: 'activity.view', icon: 'pulse' },
    ],
  },
  {
    title: 'Analytics',
    items: [
      { path: '/ai-insights', label: 'AI Insights', permission: 'ai.view', icon: 'sparkle' },
      { path: '/reporting', label: 'Reporting', permission: 'reporting.view', icon: 'chart' },
    ],
  },
  {
    title: 'Admin',
    items: [
      { path: '/users', label: 'Users', permission: 'users.view', icon: 'users' },
      { path: '/audit-log', label: 'Audit Log', permission: 'audit.view', icon: 'shield' },
      { path: '/email-log', label: 'Email Log', permission: 'email_log.view', icon: 'inbox' },
      { path: '/integrations', label: 'Integrations', permission: 'integrations.manage', icon: 'plug' },
    ],
  },
];

/** The sections and items this role may open; empty sections are dropped. */
export function navigationFor(role: Role): NavSection[] {
  return NAVIGATION
    .map((s) => ({ ...s, items: s.items.filter((i) => can(role, i.permission)) }))
    .filter((s) => s.items.length > 0);
}
