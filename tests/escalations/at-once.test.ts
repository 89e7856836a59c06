import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { atOnce, auditCount, statuses } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

describe.each(DIALECTS)('an escalation chain paused by several requests at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('five pauses at once: all 200, paused, one audit entry (MariaDB wrote five)', async () => {
    const created = await t.api(momo.manager, 'POST', '/escalation-chains', { name: 'Paused at once', tiers: [{ delay_minutes: 5, channels: ['email'] }] });
    const { id } = (await created.json()) as { id: number };
    const res = await atOnce(t, [momo.manager, momo.admin, momo.manager, momo.admin, momo.manager],
      (who) => t.api(who, 'PATCH', `/escalation-chains/${id}`, { is_active: false }));
    expect(statuses(res)).toEqual([200, 200, 200, 200, 200]);
    expect(((await res[0].json()) as { is_active: boolean }).is_active).toBe(false);
    expect(await auditCount(t, 'escalation_chain.update', id)).toBe(1);
  });
});
