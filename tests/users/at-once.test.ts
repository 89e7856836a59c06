import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
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
