import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { atOnce, auditCount, statuses } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

describe.each(DIALECTS)('automation rules changed by several requests at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const create = async (name: string) => ((await (await t.api(momo.manager, 'POST', '/automation-rules', {
    name, trigger_type: 'severity_unresolved', trigger_config: { severity: 2, minutes: 60 },
    action_type: 'email_roles', action_config: { roles: ['manager'] }, is_active: true,
  })).json()) as { id: number }).id;

  it('five pauses at once: all 200, paused, one audit entry (MariaDB wrote five)', async () => {
    const id = await create('Paused at once');
    const res = await atOnce(t, [momo.manager, momo.admin, momo.manager, momo.admin, momo.manager],
      (who) => t.api(who, 'PATCH', `/automation-rules/${id}`, { is_active: false }));
    expect(statuses(res)).toEqual([200, 200, 200, 200, 200]);
    expect(((await res[0].json()) as { is_active: boolean }).is_active).toBe(false);
    expect(await auditCount(t, 'automation_rule.deactivate', id)).toBe(1);
  });

  it('four deletes at once: one 204, three 404, one audit entry (MariaDB answered 204 four times)', async () => {
    const id = await create('Deleted at once');
    const res = await atOnce(t, [momo.manager, momo.admin, momo.manager, momo.admin], (who) => t.api(who, 'DELETE', `/automation-rules/${id}`));
    expect(statuses(res)).toEqual([204, 404, 404, 404]);
    expect(await auditCount(t, 'automation_rule.delete', id)).toBe(1);
  });
});
