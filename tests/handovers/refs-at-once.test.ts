import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { expectFieldErrors, expectFormMessages, postForm, rowCount, userId } from '../helpers/refs.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');
const NOT_A_RECIPIENT = 'Choose an active operator, manager or admin of this process.';

describe.each(DIALECTS)('handover fields and recipient in one answer on %s', (dialect) => {
  let t: TestApp;
  let stranger: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    stranger = await userId(t, ignite.manager);
  });
  afterAll(async () => t?.close());

  it('the API names an empty shift and another process\'s recipient together, and stores nothing', async () => {
    const before = await rowCount(t, 'handovers');
    const res = await t.api(momo.operator, 'POST', '/handovers', {
      shift: '', handover_time: '2026-05-09T07:00:00Z', recipient_id: stranger, open_incidents: 'None', actions_taken: 'Checked queues',
    });
    await expectFieldErrors(res, { shift: 'Shift is required.', recipient_id: NOT_A_RECIPIENT });
    expect(await rowCount(t, 'handovers')).toBe(before);
  });

  it('the handover form shows both messages at once', async () => {
    const before = await rowCount(t, 'handovers');
    const res = await postForm(t, momo.operator, '/handovers', {
      shift: '', handover_time: '2026-05-09T09:00', tz_offset: '-120', recipient_id: String(stranger), open_incidents: 'None', actions_taken: 'Checked queues', notes: '',
    });
    await expectFormMessages(res, ['Shift is required.', NOT_A_RECIPIENT]);
    expect(await rowCount(t, 'handovers')).toBe(before);
  });
});
