import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { expectFieldErrors, expectFormMessages, postForm, processId, rowCount } from '../helpers/refs.js';

const momo = accountsOf('momo');
const NOT_LINKABLE = 'Choose an incident of this process.';

describe.each(DIALECTS)('downtime fields and linked incident in one answer on %s', (dialect) => {
  let t: TestApp;
  let foreignIncident: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    foreignIncident = (await t.db.selectFrom('incidents').select('id').where('process_id', '=', await processId(t, 'ignite')).executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  it('the API names a missing impact level and another process\'s incident together, and stores nothing', async () => {
    const before = await rowCount(t, 'downtime_events');
    const res = await t.api(momo.operator, 'POST', '/downtime', { started_at: '2026-05-09T07:00:00Z', services_affected: ['API'], incident_id: foreignIncident });
    await expectFieldErrors(res, { impact_level: 'Impact level is required.', incident_id: NOT_LINKABLE });
    expect(await rowCount(t, 'downtime_events')).toBe(before);
  });

  it('the Log Downtime form shows both messages at once', async () => {
    const before = await rowCount(t, 'downtime_events');
    const res = await postForm(t, momo.operator, '/downtime', {
      started_at_local: '2026-05-09T09:00', tz_offset: '-120', services_affected: 'API', impact_level: '', incident_id: String(foreignIncident), notes: '',
    });
    await expectFormMessages(res, ['Impact level is required.', NOT_LINKABLE]);
    expect(await rowCount(t, 'downtime_events')).toBe(before);
  });
});
