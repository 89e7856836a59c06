import type { UserFilters, UserRow } from '../../src/modules/users/queries.js';
import { EmptyState } from '../components/EmptyState.js';
import { LocalTime } from '../components/Time.js';
import { ActiveBadge, initials, RoleBadge } from './RoleBadge.js';

export interface UserListProps {
  rows: UserRow[];
  next: string | null;
  filters: UserFilters;
  /** The query string of the current filters, for the "More" link. */
  query: string;
}

/** The user table of Figure 5.1 (name, email, role badge, process, joined) and its pager. */
export function UserList(props: UserListProps) {
  if (props.rows.length === 0) {
    const filtered = Boolean(props.filters.role || props.filters.status || props.filters.q);
    return (
      <EmptyState title={filtered ? 'No users match these filters' : 'No users yet'} icon="users">
        {filtered ? 'Try another role, status or search.' : 'Add the people of your process with “Add User”.'}
      </EmptyState>
    );
  }
  const more = `/users?${props.query}${props.query ? '&' : ''}cursor=${props.next}`;
  return (
    <div>
      <div class="relative overflow-x-auto">
        <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="user-table">
          <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th class="px-4 py-2.5">Name</th>
              <th class="px-4 py-2.5">Email</th>
              <th class="px-4 py-2.5">Role</th>
              <th class="px-4 py-2.5">Process</th>
              <th class="px-4 py-2.5">Joined</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-slate-100 bg-white">
            {props.rows.map((u) => (
              <tr class="hover:bg-slate-50" data-user={u.id} data-testid="user-row">
                <td class="px-4 py-2.5">
                  <div class="flex items-center gap-2.5">
                    <span class="flex h-8 w-8 shrink-0 items-center justify-center rounded-full bg-navy/10 text-xs font-semibold text-navy" aria-hidden="true">{initials(u.name)}</span>
                    <a href={`/users/${u.id}`} class="font-medium text-navy hover:underline">{u.name}</a>
                    <ActiveBadge active={u.is_active} passwordSet={u.password_hash !== null} />
                  </div>
                </td>
                <td class="px-4 py-2.5 text-slate-600">{u.email}</td>
                <td class="px-4 py-2.5"><RoleBadge role={u.role} /></td>
                <td class="px-4 py-2.5 text-slate-600">{u.process_name}</td>
                <td class="px-4 py-2.5 text-slate-500"><LocalTime at={u.created_at} tz={u.process_timezone} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.next ? (
        <div class="border-t border-slate-200 px-4 py-3 text-center">
          <a href={more} hx-get={more} hx-target="#user-list" hx-push-url="true" class="text-sm font-semibold text-teal hover:underline">More users →</a>
        </div>
      ) : null}
    </div>
  );
}
