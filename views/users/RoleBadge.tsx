import type { Role } from '../../src/db/schema.js';
import { ROLE_LABELS } from '../../src/roles.js';
import { Badge, type Tone } from '../components/Badge.js';

const TONE: Record<Role, Tone> = {
  super_admin: 'navy',
  admin: 'danger',
  manager: 'amber',
  operator: 'teal',
  viewer: 'slate',
  client: 'sky',
};

export function RoleBadge(props: { role: Role }) {
  return <Badge tone={TONE[props.role] ?? 'slate'}>{ROLE_LABELS[props.role] ?? props.role}</Badge>;
}

export function ActiveBadge(props: { active: boolean; passwordSet?: boolean }) {
  if (!props.active) return <Badge tone="slate" title="Cannot sign in">Inactive</Badge>;
  if (props.passwordSet === false) return <Badge tone="amber" title="Has not chosen a password yet">Invited</Badge>;
  return null;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase() || '?';
}
