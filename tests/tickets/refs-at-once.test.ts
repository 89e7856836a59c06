import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { expectFieldErrors, expectFormMessages, postForm, processId, rowCount, userId } from '../helpers/refs.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');
const NOT_ASSIGNABLE = 'Choose an active operator, manager or admin of this process.';
const NOT_LINKABLE = 'Choose an incident of this process.';

describe.each(DIALECTS)('ticket fields and references in one answer on %s', (dialect) => {
  let t: TestApp;
  let stranger: number;
  let foreignIncident: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    stranger = await userId(t, ignite.operator);
    foreignIncident = (await t.db.selectFrom('incidents').select('id').where('process_id', '=', await processId(t, 'ignite')).executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  it('the API names an empty title, another process\'s assignee and incident together, and stores nothing', async () => {
    const before = await rowCount(t, 'tickets');
    await expectFieldErrors(await t.api(momo.manager, 'POST', '/tickets', { title: '', type: 'report', assigned_to: stranger, incident_id: foreignIncident }),
      { title: 'Title is required.', assigned_to: NOT_ASSIGNABLE, incident_id: NOT_LINKABLE });
    expect(await rowCount(t, 'tickets')).toBe(before);

    const id = Number((await (await t.api(momo.manager, 'POST', '/tickets', { title: 'Kept as is', type: 'report' })).json() as { id: number }).id);
    await expectFieldErrors(await t.api(momo.manager, 'PATCH', `/tickets/${id}`, { title: '', assigned_to: stranger, incident_id: foreignIncident }),
      { title: 'Title is required.', assigned_to: NOT_ASSIGNABLE, incident_id: NOT_LINKABLE });
    const row = await (await t.api(momo.manager, 'GET', `/tickets/${id}`)).json() as { title: string; assigned_to: number | null; incident_id: number | null };
    expect([row.title, row.assigned_to, row.incident_id]).toEqual(['Kept as is', null, null]);
  });

  it('the New Ticket and edit forms show both messages at once', async () => {
    const before = await rowCount(t, 'tickets');
    const res = await postForm(t, momo.manager, '/tickets', { title: '', type: 'report', description: '', assigned_to: String(stranger), incident_id: String(foreignIncident) });
    await expectFormMessages(res, ['Title is required.', NOT_ASSIGNABLE, NOT_LINKABLE]);
    expect(await rowCount(t, 'tickets')).toBe(before);

    const id = Number((await (await t.api(momo.manager, 'POST', '/tickets', { title: 'Edited by form', type: 'report' })).json() as { id: number }).id);
    const edit = await postForm(t, momo.manager, `/tickets/${id}`, { title: '', type: 'report', incident_id: String(foreignIncident), description: '' });
    await expectFormMessages(edit, ['Title is required.', NOT_LINKABLE]);
    expect((await t.db.selectFrom('tickets').select('title').where('id', '=', id).executeTakeFirstOrThrow()).title).toBe('Edited by form');
  });
});
