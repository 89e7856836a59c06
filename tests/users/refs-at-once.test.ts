import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { expectFieldErrors, expectFormMessages, postForm, rowCount } from '../helpers/refs.js';

const UNKNOWN = 999_999;

describe.each(DIALECTS)('new user fields and process in one answer on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('the API names a bad field and an unknown process together, and stores nothing', async () => {
    const before = await rowCount(t, 'users');
    await expectFieldErrors(await t.api(SUPER_ADMIN, 'POST', '/users', { name: '', email: 'new.person@example.com', role: 'operator', process_id: UNKNOWN }), { name: 'Name is required.', process_id: 'Unknown process.' });
    expect(await rowCount(t, 'users')).toBe(before);
  });

  it('the form shows both messages at once', async () => {
    const before = await rowCount(t, 'users');
    const res = await postForm(t, SUPER_ADMIN, '/users', { name: '', email: 'new.person@example.com', role: 'operator', process_id: String(UNKNOWN) });
    await expectFormMessages(res, ['Name is required.', 'Unknown process.']);
    expect(await rowCount(t, 'users')).toBe(before);
  });
});
