import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { atOnce, auditCount, statuses } from '../helpers/at-once.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

describe.each(DIALECTS)('downtime ended twice at once on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('six Ends at once: one 200 with its end time, the rest 409, one audit entry and one Downtime Resolved email per recipient', async () => {
    const created = await t.api(momo.operator, 'POST', '/downtime', {
      started_at: new Date(t.clock.now().getTime() - 3_600_000).toISOString(), services_affected: ['USSD'], impact_level: 'high',
    });
    const { id } = (await created.json()) as { id: number };
    const ends = Array.from({ length: 6 }, (_, i) => new Date(t.clock.now().getTime() - (i + 1) * 60_000).toISOString());
    const res = await atOnce(t, [momo.operator, momo.manager, momo.admin, momo.operator, momo.manager, momo.admin],
      (who, i) => t.api(who, 'PATCH', `/downtime/${id}`, { ended_at: ends[i] }));
    expect(statuses(res)).toEqual([200, 409, 409, 409, 409, 409]);
    const won = (await res.find((r) => r.status === 200)!.json()) as { ended_at: string };
    const stored = await t.db.selectFrom('downtime_events').select('ended_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(new Date(stored.ended_at as unknown as string).toISOString()).toBe(won.ended_at);
    expect(await auditCount(t, 'downtime.end', id)).toBe(1);
    const mails = await t.db.selectFrom('email_outbox').select(['to_address', sql<number>`count(*)`.as('n')])
      .where('entity_type', '=', 'downtime').where('entity_id', '=', id).where('template', '=', 'downtime.resolved')
      .groupBy('to_address').execute();
    expect(mails.length).toBeGreaterThan(0);
    expect(mails.every((m) => Number(m.n) === 1)).toBe(true);
  });
});
