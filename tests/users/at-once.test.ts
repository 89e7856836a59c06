import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { atOnce, auditCount, statuses, userIdOf } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const admins = [momo.admin, SUPER_ADMIN, momo.admin, SUPER_ADMIN, momo.admin];

describe.each(DIALECTS)('a user changed by several admins at once on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  const registered = async (email: string) => {
    const now = t.clock.now();
    return Number((await t.db.insertInto('users').values({
      process_id: momoId, email, name: 'Registered Client', password_hash: null, role: 'client',
      is_active: false, must_change_password: false, tokens_valid_after: new Date(0), created_at: now, updated_at: now,
    }).executeTakeFirstOrThrow()).insertId);
  };

  it('five activations of a registered client at once: all 200, active, one audit entry (MariaDB wrote five)', async () => {
    const id = await registered('at.once@momo.com');
    const res = await atOnce(t, admins, (who) => t.api(who, 'PATCH', `/users/${id}`, { is_active: true }));
    expect(statuses(res)).toEqual([200, 200, 200, 200, 200]);
    expect((await t.db.selectFrom('users').select('is_active').where('id', '=', id).executeTakeFirstOrThrow()).is_active).toBeTruthy();
    expect(await auditCount(t, 'user.activate', id)).toBe(1);
  });

  it('five deactivations at once: all 200, one audit entry (MariaDB wrote five)', async () => {
    const id = await registered('deactivated.at.once@momo.com');
    await t.api(momo.admin, 'PATCH', `/users/${id}`, { is_active: true });
    const res = await atOnce(t, admins, (who) => t.api(who, 'PATCH', `/users/${id}`, { is_active: false }));
    expect(statuses(res)).toEqual([200, 200, 200, 200, 200]);
    expect(await auditCount(t, 'user.deactivate', id)).toBe(1);
  });

  it('five role changes to the same role at once: all 200 (a no-op after the first), one audit entry (MariaDB answered 409 four times)', async () => {
    const id = await userIdOf(t, momo.viewer);
    const res = await atOnce(t, admins, (who) => t.api(who, 'PATCH', `/users/${id}`, { role: 'operator' }));
    expect(statuses(res)).toEqual([200, 200, 200, 200, 200]);
    expect(await auditCount(t, 'user.role_change', id)).toBe(1);
    expect((await (await t.api(momo.admin, 'GET', `/users/${id}`)).json()) as { role: string }).toMatchObject({ role: 'operator' });
  });
});

describe.each(DIALECTS)('a welcome link used by several requests at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('four set-password posts with one link at once: one page says done, the others 404, one audit entry', async () => {
    const created = await t.api(momo.admin, 'POST', '/users', { name: 'Welcome Race', email: 'welcome.race@momo.example', role: 'operator' });
    const { id } = (await created.json()) as { id: number };
    const mail = await t.db.selectFrom('email_outbox').select('text').where('template', '=', 'user.welcome').where('entity_id', '=', id).executeTakeFirstOrThrow();
    const token = /welcome\?token=([A-Za-z0-9_-]+)/.exec(mail.text)![1];
    const passwords = ['WelcomeRace1', 'WelcomeRace2', 'WelcomeRace3', 'WelcomeRace4'];
    const res = await Promise.all(passwords.map((password) => t.request('/welcome', {
      method: 'POST', headers: { origin: BASE, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, password, confirm_password: password }).toString(),
    })));
    expect(statuses(res)).toEqual([200, 404, 404, 404]);
    expect(await auditCount(t, 'user.password_set', id)).toBe(1);
    const won = passwords[res.findIndex((r) => r.status === 200)];
    expect((await t.token('welcome.race@momo.example', won)).length).toBeGreaterThan(0);
  });
});

describe.each(DIALECTS)('an email address changed by several admins at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('six changes to the same address at once: all 200, one audit entry, one Email Changed to each address (MariaDB sent several pairs)', async () => {
    const id = await userIdOf(t, momo.viewer);
    const res = await atOnce(t, [momo.admin, SUPER_ADMIN, momo.admin, SUPER_ADMIN, momo.admin, SUPER_ADMIN],
      (who) => t.api(who, 'PATCH', `/users/${id}/email`, { email: 'viewer.renamed@momo.example' }));
    expect(statuses(res)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await auditCount(t, 'user.email_change', id)).toBe(1);
    const mails = await t.db.selectFrom('email_outbox').select('to_address').where('template', '=', 'user.email_changed')
      .where('entity_id', '=', id).orderBy('to_address').execute();
    expect(mails.map((m) => m.to_address)).toEqual([momo.viewer, 'viewer.renamed@momo.example'].sort());
  });
});
