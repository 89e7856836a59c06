import { expect } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { BASE, type TestApp } from './app.js';

/** Submits a page form as the user (htmx by default), as the browser would. */
export async function postForm(t: TestApp, email: string, path: string, fields: Record<string, string>, htmx = true): Promise<Response> {
  const headers: Record<string, string> = { cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded' };
  if (htmx) headers['hx-request'] = 'true';
  return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
}

export async function userId(t: TestApp, email: string): Promise<number> {
  return (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

export async function processId(t: TestApp, slug: string): Promise<number> {
  return (await t.db.selectFrom('processes').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
}

export async function rowCount(t: TestApp, table: keyof Database): Promise<number> {
  const r = await t.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A 422 `validation_failed` whose `fields` hold exactly these messages, all in the one answer. */
export async function expectFieldErrors(res: Response, fields: Record<string, string>): Promise<void> {
  expect(res.status).toBe(422);
  const body = await res.json() as { error: { code: string; fields: Record<string, string> } };
  expect(body.error.code).toBe('validation_failed');
  expect(body.error.fields).toEqual(fields);
}

/** A form re-rendered with 422 that shows every one of the messages. */
export async function expectFormMessages(res: Response, messages: string[]): Promise<void> {
  expect(res.status).toBe(422);
  const html = await res.text();
  for (const m of messages) expect(html).toContain(m);
}
