import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { expectFieldErrors, expectFormMessages, postForm, rowCount } from '../helpers/refs.js';

const UNKNOWN = 999_999;

describe.each(DIALECTS)('approval request fields and process in one answer on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('the API names a bad field and an unknown process together, and stores nothing', async () => {
    const before = await rowCount(t, 'approvals');
    await expectFieldErrors(await t.api(SUPER_ADMIN, 'POST', '/approvals', { type: 'change', title: '', details: 'Swap the core switch', process_id: UNKNOWN }), { title: 'Title is required.', process_id: 'Unknown process.' });
    expect(await rowCount(t, 'approvals')).toBe(before);
  });

  it('the form shows both messages at once', async () => {
    const before = await rowCount(t, 'approvals');
    const res = await postForm(t, SUPER_ADMIN, '/approvals', { type: 'change', title: '', details: 'Swap the core switch', process_id: String(UNKNOWN) });
    await expectFormMessages(res, ['Title is required.', 'Unknown process.']);
    expect(await rowCount(t, 'approvals')).toBe(before);
  });
});
