import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { processOf, tick } from '../escalations/helpers.js';

/**
 * The seeded Nightly SLA Digest ("0 0 7 * * *") read in America/Los_Angeles: 07:00 local is 14:00Z
 * in summer time and 15:00Z from 1 November 2026, when the clocks fall back. It runs once per day at that local hour, whether the worker
 * ticks twice in the minute or was down across it.
 */
describe.each(DIALECTS)('scheduled rules across a DST change on %s', (dialect) => {
  let t: TestApp;
  let ruleId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    const momoId = (await processOf(t, 'momo')).id;
    const rule = await t.db.selectFrom('automation_rules').select('id').where('process_id', '=', momoId).where('name', '=', 'Nightly SLA Digest').executeTakeFirstOrThrow();
    ruleId = rule.id;
    await t.db.updateTable('automation_rules').set({ trigger_config: JSON.stringify({ cron: '0 0 7 * * *', timezone: 'America/Los_Angeles' }) })
      .where('id', '=', ruleId).execute();
    t.clock.set('2026-10-31T13:58:00.000Z');
    await tick(t);
  });
  afterAll(async () => t?.close());

  const runs = async () => (await t.db.selectFrom('automation_executions').select('occurrence_key').where('rule_id', '=', ruleId).orderBy('id').execute())
    .map((r) => r.occurrence_key);
  const rule = () => t.db.selectFrom('automation_rules').select(['execution_count', 'last_run_at']).where('id', '=', ruleId).executeTakeFirstOrThrow();

  it('runs at 07:00 local on both sides of the change, once each, and after downtime once', async () => {
    t.clock.set('2026-10-31T13:59:59.999Z');
    await tick(t);
    expect(await runs()).toEqual([]);
    t.clock.set('2026-10-31T14:00:00.000Z');
    await tick(t);
    await tick(t);
    expect(await runs()).toEqual(['schedule:2026-10-31T14:00:00.000Z']);
    expect((await rule()).last_run_at?.toISOString()).toBe('2026-10-31T14:00:00.000Z');

    // 1 November: clocks fall back at 02:00 (01:00-02:00 happens twice); 07:00 PST is 15:00Z, not 14:00Z.
    t.clock.set('2026-11-01T14:00:10.000Z');
    await tick(t);
    expect(await runs()).toEqual(['schedule:2026-10-31T14:00:00.000Z']);
    t.clock.set('2026-11-01T15:00:20.000Z');
    await tick(t);
    t.clock.set('2026-11-01T15:00:40.000Z');
    await tick(t);
    expect(await runs()).toEqual(['schedule:2026-10-31T14:00:00.000Z', 'schedule:2026-11-01T15:00:00.000Z']);

    // Down from 2 November 14:50Z to 17:30Z, across 07:00 PST (15:00Z): one run when it is back.
    t.clock.set('2026-11-02T14:50:00.000Z');
    await tick(t);
    t.clock.set('2026-11-02T17:30:00.000Z');
    await tick(t);
    await tick(t);
    expect(await runs()).toEqual(['schedule:2026-10-31T14:00:00.000Z', 'schedule:2026-11-01T15:00:00.000Z', 'schedule:2026-11-02T15:00:00.000Z']);
    const r = await rule();
    expect(r.execution_count).toBe(3);
    expect(r.last_run_at?.toISOString()).toBe('2026-11-02T17:30:00.000Z');
  });
});
