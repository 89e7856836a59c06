import { sql } from 'kysely';
import type { TestApp } from './app.js';

/**
 * Sends the requests at the same moment. Sign-ins happen first, one by one, so the requests
 * themselves meet in the database (the MariaDB test pool has 5 connections).
 */
export async function atOnce<T>(t: TestApp, emails: string[], send: (email: string, i: number) => Promise<T>): Promise<T[]> {
  for (const e of new Set(emails)) await t.token(e);
  return Promise.all(emails.map((e, i) => send(e, i)));
}

export const statuses = (responses: Response[]) => responses.map((r) => r.status).sort();

export async function auditCount(t: TestApp, action: string, entityId: number): Promise<number> {
  const row = await t.db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n'))
    .where('action', '=', action).where('entity_id', '=', entityId).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function mailCount(t: TestApp, entityType: string, entityId: number, template?: string): Promise<number> {
  let q = t.db.selectFrom('email_outbox').select(sql<number>`count(*)`.as('n'))
    .where('entity_type', '=', entityType).where('entity_id', '=', entityId);
  if (template) q = q.where('template', '=', template);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export async function userIdOf(t: TestApp, email: string): Promise<number> {
  return (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}
