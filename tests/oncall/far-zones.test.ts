import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The server runs far from its processes: nothing may read the server's own zone.
vi.hoisted(() => {
  process.env.TZ = 'America/New_York';
});

import { accountsOf, BASE, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

/**
 * On-call in zones far from UTC, driven by the clock: "on call now" around local midnight, on a
 * daylight-saving day (Auckland springs forward 27 September 2026: that day is 23 hours), the API's
 * inclusive date range, rotations across a change (Los Angeles, 8 March 2026) and the iCal feed.
 */
describe.each(DIALECTS)('on-call in far zones on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let ops: number;
  let mgr: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    const id = async (email: string) => (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    [ops, mgr] = [await id(momo.operator), await id(momo.manager)];
  });
  afterAll(async () => t?.close());

  /** A fresh sign-in each time: the tests move the clock by days, past a token's 12 hours. */
  async function api(email: string, method: string, path: string, body?: unknown): Promise<Response> {
    const login = await t.request('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'Operator@123' }),
    });
    const { token } = (await login.json()) as { token: string };
    return t.request(`/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  }
  const primaryAt = async (at: string) => {
    t.clock.set(at);
    return ((await (await api(momo.manager, 'GET', '/oncall/now')).json()) as { primary: { name: string } | null }).primary?.name ?? null;
  };

  it('Pacific/Auckland: the day turns at local midnight, also on the 23-hour day; the API range is inclusive', async () => {
    await t.db.updateTable('processes').set({ timezone: 'Pacific/Auckland' }).where('id', '=', momoId).execute();
    await t.db.deleteFrom('oncall_schedules').where('process_id', '=', momoId).execute();
    t.clock.set('2026-09-20T00:00:00.000Z');
    for (const [date, user] of [['2026-09-26', ops], ['2026-09-27', mgr], ['2026-09-28', ops]] as const) {
      expect((await api(momo.manager, 'POST', '/oncall', { user_id: user, date, role: 'primary' })).status).toBe(201);
    }
    // 27 Sep 00:00 NZST (UTC+12) is 26 Sep 12:00Z; 28 Sep 00:00 NZDT (UTC+13) is 27 Sep 11:00Z.
    expect(await primaryAt('2026-09-26T11:59:59.999Z')).toBe('Momo Operator');
    expect(await primaryAt('2026-09-26T12:00:00.000Z')).toBe('Momo Manager');
    expect(await primaryAt('2026-09-27T10:59:59.999Z')).toBe('Momo Manager');
    expect(await primaryAt('2026-09-27T11:00:00.000Z')).toBe('Momo Operator');

    const one = (await (await api(momo.manager, 'GET', '/oncall?from=2026-09-27&to=2026-09-27')).json()) as { items: { date: string; starts_at: string; ends_at: string }[] };
    expect(one.items.map((i) => [i.date, i.starts_at, i.ends_at])).toEqual([['2026-09-27', '2026-09-26T12:00:00.000Z', '2026-09-27T11:00:00.000Z']]);
    const all = (await (await api(momo.manager, 'GET', '/oncall?from=2026-09-26&to=2026-09-28')).json()) as { items: { date: string }[] };
    expect(all.items.map((i) => i.date)).toEqual(['2026-09-26', '2026-09-27', '2026-09-28']);

    // The calendar feed: the three days in a row merge into one event from local midnight to local midnight.
    const feed = (await (await api(momo.operator, 'POST', '/oncall/ical')).json()) as { url: string };
    const ics = await (await t.request(feed.url.replace(BASE, ''))).text();
    expect(ics).toContain('DTSTART:20260925T120000Z\r\nDTEND:20260926T120000Z');
    expect(ics).toContain('DTSTART:20260927T110000Z\r\nDTEND:20260928T110000Z');
  });

  it('America/Los_Angeles: a rotation handing off at 02:30 keeps its shifts back to back across the change', async () => {
    await t.db.updateTable('processes').set({ timezone: 'America/Los_Angeles' }).where('id', '=', momoId).execute();
    await t.db.deleteFrom('oncall_schedules').where('process_id', '=', momoId).execute();
    t.clock.set('2026-03-05T20:00:00.000Z');
    const res = await api(momo.manager, 'POST', '/oncall/rotations', {
      name: 'LA nights', role: 'primary', member_ids: [ops, mgr], start_date: '2026-03-06', handoff_time: '02:30', shift_days: 1, weeks: 1,
    });
    expect(res.status).toBe(201);
    const list = (await (await api(momo.manager, 'GET', '/oncall?from=2026-03-07&to=2026-03-09')).json()) as { items: { date: string; starts_at: string; ends_at: string }[] };
    expect(list.items.map((i) => [i.date, i.starts_at, i.ends_at])).toEqual([
      ['2026-03-07', '2026-03-07T10:30:00.000Z', '2026-03-08T10:30:00.000Z'],
      // 02:30 does not exist on 8 March: the handoff moves forward to 03:30 PDT; the shift is 23 hours.
      ['2026-03-08', '2026-03-08T10:30:00.000Z', '2026-03-09T09:30:00.000Z'],
      ['2026-03-09', '2026-03-09T09:30:00.000Z', '2026-03-10T09:30:00.000Z'],
    ]);
    expect(await primaryAt('2026-03-09T09:29:59.999Z')).toBe('Momo Operator');
    expect(await primaryAt('2026-03-09T09:30:00.000Z')).toBe('Momo Manager');
  });
});
