import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { atOnce, auditCount, mailCount, statuses, userIdOf } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

describe.each(DIALECTS)('a handover acknowledged twice at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('five acknowledgements by the recipient at once: one 200, the rest 409, one audit entry, one email to the submitter', async () => {
    const res = await t.api(momo.operator, 'POST', '/handovers', {
      shift: 'Night Shift', handover_time: '2026-05-09T04:00:00Z', recipient_id: await userIdOf(t, momo.manager),
      open_incidents: '- none', actions_taken: 'Watched the queues.',
    });
    const { id } = (await res.json()) as { id: number };
    const acks = await atOnce(t, Array(5).fill(momo.manager), (who) => t.api(who, 'PATCH', `/handovers/${id}`, { acknowledged: true }));
    expect(statuses(acks)).toEqual([200, 409, 409, 409, 409]);
    expect(await auditCount(t, 'handover.acknowledge', id)).toBe(1);
    expect(await mailCount(t, 'handover', id, 'handover.acknowledged')).toBe(1);
  });
});
