import { recordAction } from '../../audit.js';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/password.js';
import type { Db } from '../../db/index.js';
import type { Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';

/**
 * Changes the actor's own password: the current one is required, the new one must meet the rules,
 * and every session issued before now (other browsers, old API tokens) stops working.
 */
export async function changeOwnPassword(db: Db, actor: Actor, input: Record<string, unknown>, now: Date): Promise<void> {
  const f = new Fields(input);
  const current = typeof input.current_password === 'string' ? input.current_password : '';
  const next = typeof input.new_password === 'string' ? input.new_password : '';
  const confirm = typeof input.confirm_password === 'string' ? input.confirm_password : '';
  if (!current) f.fail('current_password', 'Enter your current password.');
  const problem = next ? passwordProblem(next) : 'Choose a new password.';
  if (problem) f.fail('new_password', problem);
  else if (next === current) f.fail('new_password', 'Choose a password different from the current one.');
  if (!problem && confirm !== next) f.fail('confirm_password', 'The two passwords do not match.');
  f.check();
  const user = await db.selectFrom('users').select(['password_hash']).where('id', '=', actor.userId).executeTakeFirstOrThrow();
  if (!(await verifyPassword(current, user.password_hash))) {
    f.fail('current_password', 'That is not your current password.');
    f.check();
  }
  const hash = await hashPassword(next);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users')
      .set({ password_hash: hash, must_change_password: false, tokens_valid_after: now, updated_at: now })
      .where('id', '=', actor.userId).execute();
    await recordAction(trx, actor, now, {
      action: 'user.password_change', entityType: 'user', entityId: actor.userId, processId: actor.processId, summary: actor.name,
    });
  });
}
