import { iso } from '../../http/api.js';
import type { ApprovalRow } from './queries.js';

/** The approval record of the API: the seed's columns plus the names a client would otherwise look up. */
export function serializeApproval(a: ApprovalRow) {
  return {
    id: a.id,
    process_id: a.process_id,
    process_slug: a.process_slug,
    type: a.type,
    title: a.title,
    details: a.details,
    status: a.status,
    note: a.note,
    submitted_by: a.submitted_by,
    submitter_name: a.submitter_name,
    reviewed_by: a.reviewed_by,
    reviewer_name: a.reviewer_name ?? null,
    subject_user_id: a.subject_user_id,
    submitted_at: iso(a.submitted_at),
    reviewed_at: iso(a.reviewed_at),
  };
}
