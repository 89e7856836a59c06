import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { atOnce, auditCount, statuses, userIdOf } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const deleters = [momo.manager, momo.admin, momo.manager, momo.admin];

describe.each(DIALECTS)('on-call entries and rotations deleted by several requests at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    t.clock.set('2026-06-01T07:00:00.000Z');
  });
  afterAll(async () => t?.close());

  it('four deletes of one on-call entry at once: one 200, three 404, one audit entry (MariaDB answered 200 four times)', async () => {
    const created = await t.api(momo.manager, 'POST', '/oncall', { user_id: await userIdOf(t, momo.operator), date: '2026-06-20', role: 'backup' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const res = await atOnce(t, deleters, (who) => t.api(who, 'DELETE', `/oncall/${id}`));
    expect(statuses(res)).toEqual([200, 404, 404, 404]);
    expect(await auditCount(t, 'oncall.delete', id)).toBe(1);
  });

  it('four deletes of one rotation at once: one 200 with its removed shifts, three 404, one audit entry', async () => {
    const created = await t.api(momo.manager, 'POST', '/oncall/rotations', {
      name: 'Deleted at once', role: 'escalation', member_ids: [await userIdOf(t, momo.manager), await userIdOf(t, momo.admin)],
      start_date: '2026-06-02', handoff_time: '09:00', shift_days: 1, weeks: 1,
    });
    expect(created.status).toBe(201);
    const { id, generated } = (await created.json()) as { id: number; generated: { created: number } };
    expect(generated.created).toBeGreaterThan(0);
    const res = await atOnce(t, deleters, (who) => t.api(who, 'DELETE', `/oncall/rotations/${id}`));
    expect(statuses(res)).toEqual([200, 404, 404, 404]);
    expect(((await res.find((r) => r.status === 200)!.json()) as { removed_shifts: number }).removed_shifts).toBe(generated.created);
    expect(await auditCount(t, 'oncall_rotation.delete', id)).toBe(1);
  });
});
