import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { json, processOf, userId } from './helpers.js';

const momo = accountsOf('momo');

/**
 * The dry run's "who is on call over the next 24 hours" changes at the real handoffs, not at the
 * next half hour of UTC: Kathmandu is UTC+5:45, so its midnight is 18:15Z, and a rotation may hand
 * off at 10:05.
 */
describe.each(DIALECTS)('escalation dry run on-call segments on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('starts each segment at the handoff instant', async () => {
    const momoId = (await processOf(t, 'momo')).id;
    await t.db.updateTable('processes').set({ timezone: 'Asia/Kathmandu' }).where('id', '=', momoId).execute();
    await t.db.deleteFrom('oncall_schedules').where('process_id', '=', momoId).execute();
    const [ops, mgr, admin] = [await userId(t, momo.operator), await userId(t, momo.manager), await userId(t, momo.admin)];
    t.clock.set('2026-05-09T08:00:00.000Z'); // 13:45 in Kathmandu
    for (const [date, user] of [['2026-05-09', ops], ['2026-05-10', admin]] as const) {
      expect((await t.api(momo.manager, 'POST', '/oncall', { user_id: user, date, role: 'primary' })).status).toBe(201);
    }
    const rotation = await t.api(momo.manager, 'POST', '/oncall/rotations', {
      name: 'Backups', role: 'backup', member_ids: [mgr, ops], start_date: '2026-05-09', handoff_time: '10:05', shift_days: 1, weeks: 1,
    });
    expect(rotation.status).toBe(201);
    const chain = await t.db.selectFrom('escalation_chains').select('id').where('process_id', '=', momoId).executeTakeFirstOrThrow();
    const run = await json(await t.api(momo.manager, 'GET', `/escalation-chains/${chain.id}/dry-run?severity=1`));
    expect(run.oncall).toEqual([
      { from: '2026-05-09T08:00:00.000Z', to: '2026-05-09T18:15:00.000Z', primary: 'Momo Operator', backup: 'Momo Manager' },
      { from: '2026-05-09T18:15:00.000Z', to: '2026-05-10T04:20:00.000Z', primary: 'Momo Admin', backup: 'Momo Manager' },
      { from: '2026-05-10T04:20:00.000Z', to: '2026-05-10T08:00:00.000Z', primary: 'Momo Admin', backup: 'Momo Operator' },
    ]);
  });
});
