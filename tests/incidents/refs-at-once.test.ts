import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { expectFieldErrors, expectFormMessages, postForm, rowCount, userId } from '../helpers/refs.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');
const NOT_ASSIGNABLE = 'Choose an active operator, manager or admin of this process.';

describe.each(DIALECTS)('incident fields and references in one answer on %s', (dialect) => {
  let t: TestApp;
  let stranger: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    stranger = await userId(t, ignite.operator);
  });
  afterAll(async () => t?.close());

  it('the API names an empty title and another process\'s assignee together, and stores nothing', async () => {
    const before = await rowCount(t, 'incidents');
    await expectFieldErrors(await t.api(momo.manager, 'POST', '/incidents', { title: '', severity: 2, assigned_to: stranger }),
      { title: 'Title is required.', assigned_to: NOT_ASSIGNABLE });
    await expectFieldErrors(await t.api(SUPER_ADMIN, 'POST', '/incidents', { title: '', severity: 2, process_id: 999_999 }),
      { title: 'Title is required.', process_id: 'Unknown process.' });
    expect(await rowCount(t, 'incidents')).toBe(before);

    const id = Number((await (await t.api(momo.manager, 'POST', '/incidents', { title: 'Kept as is', severity: 3 })).json() as { id: number }).id);
    await expectFieldErrors(await t.api(momo.manager, 'PATCH', `/incidents/${id}`, { title: '', severity: 9, assigned_to: stranger }),
      { title: 'Title is required.', severity: 'Severity must be between 1 and 4.', assigned_to: NOT_ASSIGNABLE });
    const row = await (await t.api(momo.manager, 'GET', `/incidents/${id}`)).json() as { title: string; severity: number; assigned_to: number | null };
    expect([row.title, row.severity, row.assigned_to]).toEqual(['Kept as is', 3, null]);
  });

  it('the New Incident form shows both messages at once', async () => {
    const before = await rowCount(t, 'incidents');
    const res = await postForm(t, momo.manager, '/incidents', { title: '', severity: '2', description: '', assigned_to: String(stranger) });
    await expectFormMessages(res, ['Title is required.', NOT_ASSIGNABLE]);
    expect(await rowCount(t, 'incidents')).toBe(before);
  });
});
