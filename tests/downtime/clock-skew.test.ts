import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

/**
 * The form's default start is the browser's "now"; a browser clock a few minutes fast (accepted: up
 * to 5 minutes) used to store a start in the future, so the End button answered 422 "The end time
 * cannot be before the start time" until the server's clock caught up. Such a start counts as now.
 */
describe.each(DIALECTS)('downtime with a fast browser clock on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const form = async (path: string, fields: Record<string, string>) => t.request(path, {
    method: 'POST',
    headers: { cookie: await t.cookie(momo.operator), origin: BASE, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
    body: new URLSearchParams(fields).toString(),
  });

  it('a start up to 5 minutes ahead is stored as now, and End works at once', async () => {
    t.clock.set('2026-05-09T08:00:00.000Z');
    // The browser says 10:03 in Johannesburg (UTC+2): three minutes ahead of the server.
    const created = await form('/downtime', {
      started_at_local: '2026-05-09T10:03', tz: 'Africa/Johannesburg', services_affected: 'Checkout', impact_level: 'low', notes: 'fast clock',
    });
    expect(created.status).toBe(200);
    const row = await t.db.selectFrom('downtime_events').select(['id', 'started_at']).where('notes', '=', 'fast clock').executeTakeFirstOrThrow();
    expect(row.started_at.toISOString()).toBe('2026-05-09T08:00:00.000Z');

    t.clock.advance(60_000);
    const ended = await form(`/downtime/${row.id}/end`, {});
    expect(ended.status).toBe(200);
    expect(await ended.text()).toContain('1m');
    const after = await t.db.selectFrom('downtime_events').select('ended_at').where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(after.ended_at?.toISOString()).toBe('2026-05-09T08:01:00.000Z');
  });

  it('the API: an end a little ahead is stored as now; more than 5 minutes ahead is still refused', async () => {
    t.clock.set('2026-05-09T09:00:00.000Z');
    const res = await t.api(momo.operator, 'POST', '/downtime', { started_at: '2026-05-09T09:02:00Z', services_affected: ['API'], impact_level: 'low' });
    expect(res.status).toBe(201);
    const d = (await res.json()) as { id: number; started_at: string };
    expect(d.started_at).toBe('2026-05-09T09:00:00.000Z');
    expect((await t.api(momo.operator, 'PATCH', `/downtime/${d.id}`, { ended_at: '2026-05-09T09:06:00Z' })).status).toBe(422);
    const ended = await t.api(momo.operator, 'PATCH', `/downtime/${d.id}`, { ended_at: '2026-05-09T09:04:00Z' });
    expect(ended.status).toBe(200);
    const body = (await ended.json()) as { ended_at: string; duration_minutes: number };
    expect(body.ended_at).toBe('2026-05-09T09:00:00.000Z');
    expect(body.duration_minutes).toBe(0);
  });
});
