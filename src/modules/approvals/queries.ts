import type { Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import type { Cursor } from '../../pagination.js';
import { can } from '../../roles.js';
import { crossesProcesses, scoped, type Actor } from '../../tenancy.js';
import { listTableFirst, olderThan, processesFor } from '../../db/keyset.js';

type Executor = Db | Transaction<Database>;

export const APPROVAL_TYPES = ['change', 'access'] as const;
export type ApprovalType = (typeof APPROVAL_TYPES)[number];
/** What a list may be narrowed to: one status, or every decided request (pages only). */
export type ApprovalStatusFilter = 'pending' | 'approved' | 'rejected' | 'decided';

export interface ApprovalFilters {
  status?: ApprovalStatusFilter;
}

/**
 * The approvals the actor may see: the process scope, and for those who cannot see every request
 * (operators) only their own.
 */
function listBase(db: Executor, actor: Actor) {
  let q = scoped(db.selectFrom('approvals'), actor, 'approvals.process_id')
    .innerJoin(processesFor(db, crossesProcesses(actor)), 'processes.id', 'approvals.process_id')
    .innerJoin('users as submitter', 'submitter.id', 'approvals.submitted_by')
    .leftJoin('users as reviewer', 'reviewer.id', 'approvals.reviewed_by')
    .selectAll('approvals')
    .select(['submitter.name as submitter_name', 'reviewer.name as reviewer_name', 'processes.name as process_name',
      'processes.slug as process_slug', 'processes.timezone as process_timezone']);
  if (!can(actor.role, 'approvals.view_all')) q = q.where('approvals.submitted_by', '=', actor.userId);
  return q;
}

export type ApprovalRow = Awaited<ReturnType<ReturnType<typeof listBase>['executeTakeFirstOrThrow']>>;

/** One page of approvals, newest first, by keyset on (submitted_at, id): no offset scans. */
export async function listApprovals(db: Executor, actor: Actor, f: ApprovalFilters, cursor: Cursor | null, limit: number): Promise<ApprovalRow[]> {
  let q = listBase(db, actor);
  if (f.status === 'decided') q = q.where('approvals.status', 'in', ['approved', 'rejected']);
  else if (f.status) q = q.where('approvals.status', '=', f.status);
  if (cursor) {
    q = q.where(olderThan(cursor, 'approvals.submitted_at', 'approvals.id'));
  }
  return listTableFirst(db, q, crossesProcesses(actor))
    .orderBy('approvals.submitted_at', 'desc').orderBy('approvals.id', 'desc').limit(limit + 1).execute();
}

/** The approval if the actor may see it, else undefined (the caller answers 404). */
export async function findApproval(db: Executor, actor: Actor, id: number): Promise<ApprovalRow | undefined> {
  return listBase(db, actor).where('approvals.id', '=', id).executeTakeFirst();
}
