import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { atOnce, auditCount, mailCount, statuses, userIdOf } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

describe.each(DIALECTS)('an incident taken and acknowledged by several requests at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const create = async (title: string) =>
    ((await (await t.api(momo.operator, 'POST', '/incidents', { title, severity: 1 })).json()) as { id: number }).id;
  const events = async (id: number, kind: string) =>
    (await t.db.selectFrom('incident_events').select('message').where('incident_id', '=', id).where('kind', '=', kind).execute()).map((e) => e.message);

  it('five acknowledgements (In Progress) at once: all 200, one timeline line, one audit entry, one In Progress email set', async () => {
    const id = await create('Checkout API 502s');
    const res = await atOnce(t, [momo.operator, momo.manager, momo.admin, momo.operator, momo.manager],
      (who) => t.api(who, 'PATCH', `/incidents/${id}`, { status: 'in_progress' }));
    expect(statuses(res)).toEqual([200, 200, 200, 200, 200]);
    expect(await events(id, 'status')).toHaveLength(1);
    expect(await auditCount(t, 'incident.update', id)).toBe(1);
    const once = await mailCount(t, 'incident', id, 'incident.in_progress');
    expect(once).toBeGreaterThan(0);
    const addresses = await t.db.selectFrom('email_outbox').select('to_address').distinct()
      .where('entity_type', '=', 'incident').where('entity_id', '=', id).where('template', '=', 'incident.in_progress').execute();
    expect(addresses).toHaveLength(once);
  });

  it('a manager assigning the same operator five times at once: one "Assigned to" line, one audit entry, one assignment email (MariaDB sent five)', async () => {
    const id = await create('Airtime API slow');
    const ops = await userIdOf(t, momo.operator);
    const res = await atOnce(t, Array(5).fill(momo.manager), (who) => t.api(who, 'PATCH', `/incidents/${id}`, { assigned_to: ops }));
    expect(statuses(res)).toEqual([200, 200, 200, 200, 200]);
    expect(await events(id, 'assigned')).toHaveLength(1);
    expect(await auditCount(t, 'incident.update', id)).toBe(1);
    expect(await mailCount(t, 'incident', id, 'incident.assigned')).toBe(1);
  });
});
