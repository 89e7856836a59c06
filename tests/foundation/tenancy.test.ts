import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

interface DashboardBody {
  open_incidents: number;
  open_sev1: number;
  open_tickets: number;
  events_today: number;
  active_incidents: { id: number; process_id: number; title: string; status: string; opened_at: string; assignee_name: string | null }[];
}

async function openCounts(t: TestApp, processId: number | null) {
  let q = t.db.selectFrom('incidents').select([
    sql<number>`count(*)`.as('open'),
    sql<number>`sum(case when severity = 1 then 1 else 0 end)`.as('sev1'),
  ]).where('status', '!=', 'resolved');
  if (processId !== null) q = q.where('process_id', '=', processId);
  const r = await q.executeTakeFirstOrThrow();
  return { open: Number(r.open), sev1: Number(r.sev1 ?? 0) };
}

describe.each(DIALECTS)('tenant isolation of the dashboard on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let igniteId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    const ps = await t.db.selectFrom('processes').select(['id', 'slug']).execute();
    momoId = ps.find((p) => p.slug === 'momo')!.id;
    igniteId = ps.find((p) => p.slug === 'ignite')!.id;
  });
  afterAll(async () => t?.close());

  it.each(['viewer', 'operator', 'manager', 'admin', 'client'] as const)('a Momo %s sees only Momo data', async (role) => {
    const res = await t.api(accountsOf('momo')[role], 'GET', '/dashboard');
    expect(res.status).toBe(200);
    const body = (await res.json()) as DashboardBody;
    const expected = await openCounts(t, momoId);
    expect(body.open_incidents).toBe(expected.open);
    expect(body.open_sev1).toBe(expected.sev1);
    expect(body.active_incidents.length).toBeGreaterThan(0);
    for (const i of body.active_incidents) {
      expect(i.process_id).toBe(momoId);
      expect(i.status).not.toBe('resolved');
      expect(i.opened_at).toMatch(/Z$/);
    }
  });

  it('a Momo user never sees an incident of another process, even one created just now', async () => {
    const now = t.clock.now();
    await t.db.insertInto('incidents').values({
      process_id: igniteId, title: 'Ignite-only secret outage', severity: 1, status: 'open', opened_at: now, updated_at: now, source: 'manual',
    }).execute();
    const api = (await (await t.api(accountsOf('momo').admin, 'GET', '/dashboard')).json()) as DashboardBody;
    expect(api.active_incidents.map((i) => i.title)).not.toContain('Ignite-only secret outage');
    const page = await (await t.page(accountsOf('momo').admin, '/')).text();
    expect(page).not.toContain('Ignite-only secret outage');
    const ignitePage = await (await t.page(accountsOf('ignite').viewer, '/')).text();
    expect(ignitePage).toContain('Ignite-only secret outage');
  });

  it('the super admin sees every process with a Process column, and one process when switched', async () => {
    const all = (await (await t.api(SUPER_ADMIN, 'GET', '/dashboard')).json()) as DashboardBody;
    const expectedAll = await openCounts(t, null);
    expect(all.open_incidents).toBe(expectedAll.open);
    expect(new Set(all.active_incidents.map((i) => i.process_id)).size).toBeGreaterThan(1);
    const allPage = await (await t.page(SUPER_ADMIN, '/')).text();
    expect(allPage).toContain('<th class="px-4 py-2.5">Process</th>');
    expect(allPage).toContain('id="process-switcher"');

    const one = (await (await t.api(SUPER_ADMIN, 'GET', '/dashboard?process=momo')).json()) as DashboardBody;
    expect(one.open_incidents).toBe((await openCounts(t, momoId)).open);
    expect(one.active_incidents.every((i) => i.process_id === momoId)).toBe(true);

    const cookie = await t.cookie(SUPER_ADMIN);
    const sw = await t.request('/switch-process', {
      method: 'POST',
      headers: { cookie, origin: BASE, 'content-type': 'application/x-www-form-urlencoded', referer: `${BASE}/` },
      body: 'process=momo',
    });
    expect(sw.status).toBe(302);
    const view = (sw.headers.get('set-cookie') ?? '').split(';')[0];
    const switched = await (await t.request('/', { headers: { cookie: `${cookie}; ${view}` } })).text();
    expect(switched).not.toContain('Ignite-only secret outage');
    expect(switched).not.toContain('<th class="px-4 py-2.5">Process</th>');
    expect(switched).toMatch(/<option value="momo" selected/);
  });

  it('a non-super-admin cannot widen their view with ?process=', async () => {
    const body = (await (await t.api(accountsOf('momo').admin, 'GET', '/dashboard?process=ignite')).json()) as DashboardBody;
    expect(body.active_incidents.every((i) => i.process_id === momoId)).toBe(true);
  });

  it('an unknown ?process= on the API answers 422 (as reports and the audit log do), never every process\'s data', async () => {
    for (const path of ['/dashboard?process=nope', '/incidents?process=nope', '/oncall/now?process=nope', '/audit-log?process=nope']) {
      const res = await t.api(SUPER_ADMIN, 'GET', path);
      expect(res.status, path).toBe(422);
      const body = (await res.json()) as { error: { code: string; fields?: Record<string, string> } };
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.fields?.process).toBe('Unknown process.');
    }
    // Others' ?process= is ignored, known or not.
    expect((await t.api(accountsOf('momo').admin, 'GET', '/dashboard?process=nope')).status).toBe(200);
  });

  it('?process=all on the API is every process (the reports document process=slug|all), not an unknown process', async () => {
    const list = await t.api(SUPER_ADMIN, 'GET', '/incidents?process=all&limit=200');
    expect(list.status).toBe(200);
    const items = ((await list.json()) as { items: { process_id: number }[] }).items;
    expect(new Set(items.map((i) => i.process_id)).size).toBeGreaterThan(1);
    const csv = await t.api(SUPER_ADMIN, 'GET', '/reports/incidents.csv?process=all');
    expect(csv.status).toBe(200);
    expect((await csv.text()).split('\r\n')[0]).toContain('Process');
    // For anyone else it is ignored like any other ?process=.
    expect((await t.api(accountsOf('momo').admin, 'GET', '/dashboard?process=all')).status).toBe(200);
  });

  it('switching to an unknown process is refused', async () => {
    const res = await t.request('/switch-process', {
      method: 'POST',
      headers: { cookie: await t.cookie(SUPER_ADMIN), origin: BASE, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'process=nope',
    });
    expect(res.status).toBe(422);
  });

  it('counts events today from midnight in the process time zone', async () => {
    // 23:30 UTC on 9 May is 01:30 on 10 May in Johannesburg (UTC+2): a new local day has begun.
    t.clock.set('2026-05-09T23:30:00.000Z');
    const user = await t.db.selectFrom('users').select('id').where('email', '=', accountsOf('rdg').operator).executeTakeFirstOrThrow();
    const rdg = await t.db.selectFrom('processes').select('id').where('slug', '=', 'rdg').executeTakeFirstOrThrow();
    const entry = { process_id: rdg.id, user_id: user.id, entity_type: 'ticket', entity_id: 1, action: 'create' };
    await t.db.insertInto('activity_log').values([
      { ...entry, created_at: new Date('2026-05-09T21:59:00.000Z') }, // 23:59 local on the 9th: yesterday
      { ...entry, created_at: new Date('2026-05-09T22:01:00.000Z') }, // 00:01 local on the 10th: today
      { ...entry, created_at: new Date('2026-05-09T23:00:00.000Z') },
    ]).execute();
    const body = (await (await t.api(accountsOf('rdg').viewer, 'GET', '/dashboard')).json()) as DashboardBody;
    const seededToday = await t.db.selectFrom('activity_log').select(sql<number>`count(*)`.as('n'))
      .where('process_id', '=', rdg.id).where('created_at', '>=', new Date('2026-05-09T22:00:00.000Z')).executeTakeFirstOrThrow();
    expect(body.events_today).toBe(Number(seededToday.n));
    expect(body.events_today).toBeGreaterThanOrEqual(2);
  });
});
