import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWebhookTables } from '../../src/webhooks/schema.js';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { atOnce, auditCount, statuses } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const sanlam = accountsOf('sanlam');

describe.each(DIALECTS)('integrations changed by several requests at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const create = async (name: string) =>
    ((await (await t.api(momo.admin, 'POST', '/integrations', { name, kind: 'alertmanager' })).json()) as { id: number; key: string });

  it('five pauses at once: all 200, paused, one audit entry (MariaDB wrote five)', async () => {
    const { id } = await create('Paused at once');
    const res = await atOnce(t, Array(5).fill(momo.admin), (who) => t.api(who, 'PATCH', `/integrations/${id}`, { is_active: false }));
    expect(statuses(res)).toEqual([200, 200, 200, 200, 200]);
    expect(((await res[0].json()) as { is_active: boolean }).is_active).toBe(false);
    expect(await auditCount(t, 'integration.pause', id)).toBe(1);
  });

  it('four key rotations at once: four new keys, one audit entry each, and the key in force is one of them', async () => {
    const { id, key } = await create('Rotated at once');
    const res = await atOnce(t, Array(4).fill(momo.admin), (who) => t.api(who, 'POST', `/integrations/${id}/rotate-key`));
    expect(statuses(res)).toEqual([200, 200, 200, 200]);
    const keys = await Promise.all(res.map(async (r) => ((await r.json()) as { key: string }).key));
    expect(keys).not.toContain(key);
    expect(await auditCount(t, 'integration.rotate_key', id)).toBe(4);
    const stored = await t.db.selectFrom('integrations').select('key').where('id', '=', id).executeTakeFirstOrThrow();
    expect(keys).toContain(stored.key);
  });

  it('four deletes at once: one 204, three 404, one audit entry (MariaDB answered 204 four times)', async () => {
    const { id } = await create('Deleted at once');
    const res = await atOnce(t, Array(4).fill(momo.admin), (who) => t.api(who, 'DELETE', `/integrations/${id}`));
    expect(statuses(res)).toEqual([204, 404, 404, 404]);
    expect(await auditCount(t, 'integration.delete', id)).toBe(1);
  });

  it('the first rotations of a signing secret at once: all 200, one secret row, one of theirs in force (MariaDB answered 500)', async () => {
    const sanlamId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'sanlam').executeTakeFirstOrThrow()).id;
    const rows = () => withWebhookTables(t.db).selectFrom('webhook_secrets').select(['id', 'secret']).where('process_id', '=', sanlamId).execute();
    expect(await rows()).toHaveLength(0);
    const res = await atOnce(t, Array(4).fill(sanlam.admin), (who) => t.api(who, 'POST', '/webhooks/secret/rotate'));
    expect(statuses(res)).toEqual([200, 200, 200, 200]);
    const secrets = await Promise.all(res.map(async (r) => ((await r.json()) as { secret: string }).secret));
    const stored = await rows();
    expect(stored).toHaveLength(1);
    expect(secrets).toContain(stored[0].secret);
    expect(await auditCount(t, 'webhook.rotate_secret', stored[0].id)).toBe(4);
  });
});
