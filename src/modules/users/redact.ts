import type { Transaction } from 'kysely';
import type { Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';

type Executor = Db | Transaction<Database>;

/**
 * Emails that carry a credential (a set-password link, a verification code) stay in the outbox as
 * the Email Log's record. Once the credential is used or replaced, its text is blanked there, so
 * the database never holds a live secret in clear beyond the time it is useful.
 */
export async function redactOutbox(
  trx: Executor,
  where: { entityType: string; entityIds: number[] },
  pattern: RegExp,
  replacement: string,
): Promise<void> {
  if (where.entityIds.length === 0) return;
  const rows = await trx.selectFrom('email_outbox').select(['id', 'subject', 'html', 'text'])
    .where('entity_type', '=', where.entityType)
    .where('entity_id', 'in', where.entityIds)
    .execute();
  for (const r of rows) {
    const clean = (s: string) => s.replace(pattern, replacement);
    const next = { subject: clean(r.subject), html: r.html === null ? null : clean(r.html), text: clean(r.text) };
    if (next.subject === r.subject && next.html === r.html && next.text === r.text) continue;
    await trx.updateTable('email_outbox').set(next).where('id', '=', r.id).execute();
  }
}
