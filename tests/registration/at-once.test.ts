import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { auditCount, mailCount, userIdOf } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

async function codeFor(t: TestApp, email: string): Promise<string> {
  const mail = await t.db.selectFrom('email_outbox').select(['subject']).where('to_address', '=', email)
    .where('template', 'in', ['auth.register_code', 'auth.reset_code']).orderBy('id', 'desc').executeTakeFirstOrThrow();
  return /(\d{6})/.exec(mail.subject)![1];
}

describe.each(DIALECTS)('one emailed code used by several requests at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.db.deleteFrom('rate_limits').execute();
    t.clock.advance(60 * 60_000);
  });

  const pub = (path: string, body: unknown) => t.request(`/api/v1${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const login = (email: string, password: string) => pub('/auth/login', { email, password });

  it('a registration finished four times at once: one 200, one inactive account, one access request, one audit entry and email', async () => {
    const email = 'race.client@momo-partner.example';
    expect((await pub('/auth/register', { name: 'Race Client', email, process_slug: 'momo' })).status).toBe(202);
    const code = await codeFor(t, email);
    const res = await Promise.all([1, 2, 3, 4].map((i) => pub('/auth/set-password', { email, code, password: `RaceClient${i}` })));
    expect(res.filter((r) => r.status === 200)).toHaveLength(1);
    expect(res.every((r) => r.status === 200 || (r.status >= 400 && r.status < 500))).toBe(true);
    const users = await t.db.selectFrom('users').select('id').where('email', '=', email).execute();
    expect(users).toHaveLength(1);
    const approvals = await t.db.selectFrom('approvals').select('id').where('subject_user_id', '=', users[0].id).execute();
    expect(approvals).toHaveLength(1);
    expect(await auditCount(t, 'user.register', users[0].id)).toBe(1);
    expect(await mailCount(t, 'user', users[0].id, 'auth.registration_received')).toBe(1);
  });

  it('a reset code used four times at once: one 200, one audit entry and email, and the winner\'s password is the one that works', async () => {
    expect((await pub('/auth/forgot-password', { email: momo.viewer })).status).toBe(202);
    const code = await codeFor(t, momo.viewer);
    const passwords = ['RaceReset1a', 'RaceReset2b', 'RaceReset3c', 'RaceReset4d'];
    const res = await Promise.all(passwords.map((password) => pub('/auth/set-password', { email: momo.viewer, code, password })));
    const won = res.findIndex((r) => r.status === 200);
    expect(res.filter((r) => r.status === 200)).toHaveLength(1);
    expect(res.every((r) => r.status === 200 || (r.status >= 400 && r.status < 500))).toBe(true);
    const id = await userIdOf(t, momo.viewer);
    expect(await auditCount(t, 'user.password_reset', id)).toBe(1);
    expect(await mailCount(t, 'user', id, 'auth.password_reset')).toBe(1);
    await t.db.deleteFrom('rate_limits').execute();
    expect((await login(momo.viewer, passwords[won])).status).toBe(200);
  });
});
