import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { atOnce, auditCount, statuses, userIdOf } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const five = [momo.operator, momo.manager, momo.admin, momo.operator, momo.manager];

describe.each(DIALECTS)('a ticket changed by several requests at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const create = async (title: string) =>
    ((await (await t.api(momo.operator, 'POST', '/tickets', { title, type: 'change' })).json()) as { id: number }).id;
  const history = async (id: number) =>
    ((await (await t.api(momo.operator, 'GET', `/tickets/${id}`)).json()) as { history: { message: string }[] }).history.map((h) => h.message);

  it('five "Closed" at once: all 200 (the same status is a no-op), one audit entry, one history line (MariaDB answered 409 four times)', async () => {
    const id = await create('Rotate partner API keys');
    const res = await atOnce(t, five, (who) => t.api(who, 'PATCH', `/tickets/${id}`, { status: 'closed' }));
    expect(statuses(res)).toEqual([200, 200, 200, 200, 200]);
    expect(await auditCount(t, 'ticket.update', id)).toBe(1);
    expect((await history(id)).filter((m) => m.startsWith('Status changed'))).toEqual(['Status changed from open to closed']);
  });

  it('five assignments to one person at once: one audit entry, one "Assigned to" line (MariaDB wrote five)', async () => {
    const id = await create('Renew the TLS certificate');
    const ops = await userIdOf(t, momo.operator);
    const res = await atOnce(t, five, (who) => t.api(who, 'PATCH', `/tickets/${id}`, { assigned_to: ops }));
    expect(statuses(res)).toEqual([200, 200, 200, 200, 200]);
    expect(await auditCount(t, 'ticket.update', id)).toBe(1);
    expect((await history(id)).filter((m) => m.startsWith('Assigned to'))).toHaveLength(1);
  });

  it('three different assignees at once: all apply, each recorded from the assignee before it (not three times from nobody)', async () => {
    const id = await create('Patch the VPN concentrator');
    const people = await Promise.all([momo.operator, momo.manager, momo.admin].map((e) => userIdOf(t, e)));
    const res = await atOnce(t, [momo.manager, momo.admin, momo.manager], (who, i) => t.api(who, 'PATCH', `/tickets/${id}`, { assigned_to: people[i] }));
    expect(statuses(res)).toEqual([200, 200, 200]);
    const entries = await t.db.selectFrom('audit_log').select('changes').where('action', '=', 'ticket.update').where('entity_id', '=', id)
      .orderBy('id').execute();
    const moves = entries.map((e) => (JSON.parse(e.changes!) as { assigned_to: [number | null, number] }).assigned_to);
    expect(moves).toHaveLength(3);
    expect(moves[0][0]).toBeNull();
    for (let i = 1; i < moves.length; i++) expect(moves[i][0]).toBe(moves[i - 1][1]);
    const stored = await t.db.selectFrom('tickets').select('assigned_to').where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.assigned_to).toBe(moves[moves.length - 1][1]);
  });
});
