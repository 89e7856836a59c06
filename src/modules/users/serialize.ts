import type { User } from '../../db/schema.js';
import { iso } from '../../http/api.js';

/** The user record of API.md; never the password hash or tokens. */
export function serializeUser(u: User & { process_slug: string }) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    process_id: u.process_id,
    process_slug: u.process_slug,
    is_active: Boolean(u.is_active),
    phone: u.phone,
    created_at: iso(u.created_at),
    last_login_at: iso(u.last_login_at),
  };
}
