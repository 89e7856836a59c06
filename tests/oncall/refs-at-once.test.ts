import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { expectFieldErrors, expectFormMessages, postForm, rowCount, userId } from '../helpers/refs.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

describe.each(DIALECTS)('rotation fields and members in one answer on %s', (dialect) => {
  let t: TestApp;
  let stranger: number;
  let member: number;
  const notMembers = () => `Every member must be an active operator, manager or admin of this process (not: #${stranger}).`;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    stranger = await userId(t, ignite.operator);
    member = await userId(t, momo.operator);
  });
  afterAll(async () => t?.close());

  it('the API names an empty name and another process\'s member together, and stores nothing', async () => {
    const before = await rowCount(t, 'oncall_rotations');
    const res = await t.api(momo.manager, 'POST', '/oncall/rotations', {
      name: '', role: 'backup', member_ids: [member, stranger], start_date: '2026-07-06', handoff_time: '08:00', shift_days: 7,
    });
    await expectFieldErrors(res, { name: 'Name is required.', member_ids: notMembers() });
    expect(await rowCount(t, 'oncall_rotations')).toBe(before);
  });

  it('the rotation form shows both messages at once', async () => {
    const before = await rowCount(t, 'oncall_rotations');
    const res = await postForm(t, momo.manager, '/oncall/rotations', {
      name: '', role: 'backup', member_1: String(member), member_2: String(stranger), start_date: '2026-07-06', handoff_time: '08:00', shift_days: '7',
    });
    await expectFormMessages(res, ['Name is required.', notMembers()]);
    expect(await rowCount(t, 'oncall_rotations')).toBe(before);
  });
});
