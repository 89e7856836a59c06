import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { atOnce, auditCount, mailCount, statuses } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

describe.each(DIALECTS)('approvals decided at the same moment on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const submit = async (title: string) =>
    ((await (await t.api(momo.operator, 'POST', '/approvals', { type: 'change', title })).json()) as { id: number }).id;
  const deciders = [momo.manager, momo.admin, SUPER_ADMIN, momo.manager, momo.admin, SUPER_ADMIN];

  it('six approvals of one request at once: one 200, the rest 409, one audit entry and one decision email', async () => {
    const id = await submit('Swap the core switch');
    const res = await atOnce(t, deciders, (who) => t.api(who, 'PATCH', `/approvals/${id}`, { status: 'approved' }));
    expect(statuses(res)).toEqual([200, 409, 409, 409, 409, 409]);
    // Each loser is told who decided, as when it comes later (MariaDB said only "decided meanwhile").
    const messages = await Promise.all(res.filter((r) => r.status === 409).map(async (r) => ((await r.json()) as { error: { message: string } }).error.message));
    for (const m of messages) expect(m).toMatch(/^This request was already approved by /);
    expect(await auditCount(t, 'approval.approved', id)).toBe(1);
    expect(await mailCount(t, 'approval', id, 'approval.decided')).toBe(1);
  });

  it('approve against reject at once: exactly one decision stands, with its one audit entry and email', async () => {
    const id = await submit('Rotate the billing certificates');
    const res = await atOnce(t, deciders, (who, i) => t.api(who, 'PATCH', `/approvals/${id}`, { status: i % 2 ? 'rejected' : 'approved' }));
    expect(statuses(res)).toEqual([200, 409, 409, 409, 409, 409]);
    const won = (await (res.find((r) => r.status === 200)!).json()) as { status: string; reviewed_by: number };
    const stored = await t.db.selectFrom('approvals').select(['status', 'reviewed_by']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: won.status, reviewed_by: won.reviewed_by });
    expect((await auditCount(t, 'approval.approved', id)) + (await auditCount(t, 'approval.rejected', id))).toBe(1);
    expect(await mailCount(t, 'approval', id, 'approval.decided')).toBe(1);
  });
});
