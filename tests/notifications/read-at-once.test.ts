import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { atOnce, statuses } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

describe.each(DIALECTS)('the bell marked read by several tabs at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const unread = async (who: string) => ((await (await t.api(who, 'GET', '/notifications/unread')).json()) as { unread: number }).unread;

  it('four POST /notifications/read at once: together they report each notification marked once, and none stays unread', async () => {
    for (const subject of ['Planned maintenance', 'Gateway restored', 'Top-ups delayed']) {
      expect((await t.api(momo.operator, 'POST', '/notifications', { subject, message: 'Details inside.' })).status).toBe(201);
    }
    const before = await unread(momo.client);
    expect(before).toBeGreaterThanOrEqual(3);
    const res = await atOnce(t, Array(4).fill(momo.client), (who) => t.api(who, 'POST', '/notifications/read'));
    expect(statuses(res)).toEqual([200, 200, 200, 200]);
    const marked = await Promise.all(res.map(async (r) => ((await r.json()) as { marked: number }).marked));
    expect(marked.reduce((a, b) => a + b, 0)).toBe(before);
    expect(await unread(momo.client)).toBe(0);
  });
});
