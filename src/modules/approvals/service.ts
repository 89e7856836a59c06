import type { Transaction } from 'kysely';
import { recordAction } from '../../audit.js';
import { affected, insertedId, type Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import { conflict, forbidden, notFound } from '../../errors.js';
import { can } from '../../roles.js';
import { owningProcess, type Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';
import { LostRace, retryLostRace } from '../../races.js';
import { approvalDecidedEmails, approvalSubmittedEmails } from './emails.js';
import { APPROVAL_TYPES, findApproval, type ApprovalRow, type ApprovalType } from './queries.js';

type Trx = Transaction<Database>;

export const TITLE_MAX = 200;
export const DETAILS_MAX = 10_000;
export const NOTE_MAX = 2_000;
export const DECISIONS = ['approved', 'rejected'] as const;
export type Decision = (typeof DECISIONS)[number];

export interface MailContext {
  appUrl: string;
}

export interface NewApproval {
  processId: number;
  type: ApprovalType;
  title: string;
  details: string | null;
  submittedBy: number;
  /** For an access request from self-registration: the inactive account approving it activates. */
  subjectUserId?: number | null;
}

/**
 * Inserts a pending request with its audit entry and the Approval Submitted emails, inside the
 * caller's transaction. Exported for client self-registration, which files an access request for
 * the new (inactive) account; `actor` is null there.
 */
export async function insertApproval(trx: Trx, actor: Actor | null, a: NewApproval, now: Date, mail: MailContext): Promise<number> {
  const id = insertedId(await trx.insertInto('approvals').values({
    process_id: a.processId, type: a.type, title: a.title, details: a.details, submitted_by: a.submittedBy,
    reviewed_by: null, status: 'pending', note: null, subject_user_id: a.subjectUserId ?? null, submitted_at: now, reviewed_at: null,
  }).executeTakeFirstOrThrow());
  await recordAction(trx, actor, now, {
    action: 'approval.create', entityType: 'approval', entityId: id, processId: a.processId,
    changes: { type: a.type, title: a.title }, summary: a.title,
  });
  await approvalSubmittedEmails(trx, id, now, mail);
  return id;
}

/** An operator or above files a change or access request; the process's managers and admins are emailed. */
export async function createApproval(db: Db, actor: Actor, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<ApprovalRow> {
  if (!can(actor.role, 'approvals.submit')) throw forbidden();
  const f = new Fields(input);
  const type = f.oneOf('type', APPROVAL_TYPES, { required: true, label: 'Type' });
  const title = f.text('title', { required: true, max: TITLE_MAX, label: 'Title' });
  const details = f.text('details', { max: DETAILS_MAX, label: 'Details' });
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process this request belongs to.');
    f.check();
  }

  const id = await db.transaction().execute(async (trx) => {
    // Every problem at once: the process is looked up even when other fields are wrong.
    await f.ref('process_id', processId,
      (pid) => trx.selectFrom('processes').select(['id']).where('id', '=', pid).executeTakeFirst(), 'Unknown process.');
    f.check();
    return insertApproval(trx, actor, { processId: processId!, type: type!, title: title!, details, submittedBy: actor.userId }, now, mail);
  });
  return (await findApproval(db, actor, id))!;
}

const VERB: Record<Decision, string> = { approved: 'approved', rejected: 'rejected' };

/**
 * A manager or admin approves or rejects a pending request, never their own. Deciding a request
 * that is no longer pending is a 409. Approving an access request that names an account activates
 * that account in the same transaction.
 */
export async function decideApproval(db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date, mail: MailContext): Promise<ApprovalRow> {
  if (!can(actor.role, 'approvals.decide')) throw forbidden('Only a manager or admin can approve or reject requests.');
  const f = new Fields(input);
  const status = f.oneOf('status', DECISIONS, { required: true, label: 'Decision' });
  const note = f.text('note', { max: NOTE_MAX, label: 'Note' });
  f.check();

  // Lost to a decision at the same moment: read again, so the 409 names who decided it and how.
  await retryLostRace('This request was decided meanwhile. Reload to see the decision.', () => db.transaction().execute(async (trx) => {
    const current = await findApproval(trx, actor, id);
    if (!current) throw notFound('Approval request');
    if (current.submitted_by === actor.userId) throw forbidden('You cannot approve or reject your own request.');
    if (current.status !== 'pending') {
      throw conflict(`This request was already ${current.status}${current.reviewer_name ? ` by ${current.reviewer_name}` : ''}.`);
    }
    // Conditional on still being pending, so two managers deciding at once cannot both win.
    const res = await trx.updateTable('approvals')
      .set({ status: status!, note, reviewed_by: actor.userId, reviewed_at: now })
      .where('id', '=', current.id).where('status', '=', 'pending')
      .executeTakeFirst();
    if (affected(res) === 0) throw new LostRace();

    let activated = false;
    if (status === 'approved' && current.type === 'access' && current.subject_user_id !== null) {
      const subject = await trx.selectFrom('users').select(['id', 'name', 'is_active'])
        .where('id', '=', current.subject_user_id).where('process_id', '=', current.process_id)
        .executeTakeFirst();
      if (subject) {
        await trx.updateTable('users').set({ is_active: true, updated_at: now }).where('id', '=', subject.id).execute();
        activated = true;
        if (!subject.is_active) {
          await recordAction(trx, actor, now, {
            action: 'user.activate', entityType: 'user', entityId: subject.id, processId: current.process_id,
            changes: { is_active: [false, true], approval_id: current.id }, summary: `${subject.name} (access request approved)`,
          });
        }
      }
    }
    await recordAction(trx, actor, now, {
      action: `approval.${VERB[status!]}`, entityType: 'approval', entityId: current.id, processId: current.process_id,
      changes: { status: ['pending', status], note, ...(activated ? { activated_user_id: current.subject_user_id } : {}) },
      summary: current.title,
    });
    await approvalDecidedEmails(trx, current.id, now, mail, activated);
  }));
  return (await findApproval(db, actor, id))!;
}

export async function getApproval(db: Db, actor: Actor, id: number): Promise<ApprovalRow> {
  const a = await findApproval(db, actor, id);
  if (!a) throw notFound('Approval request');
  return a;
}
