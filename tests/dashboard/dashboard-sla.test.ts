import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface SlaJson {
  opened: number;
  acknowledged: number;
  mtta_minutes: number | null;
  resolved: number;
  mttr_minutes: number | null;
  within_target_pct: number | null;
}
interface DashboardJson {
  sla_30d: SlaJson;
  sla_30d_by_severity: (SlaJson & { label: string })[];
}

/**
 * The dashboard's response figures: MTTA, MTTR and resolution within target of the incidents opened
 * in the last 30 days, for everyone who sees the dashboard, of their own process only.
 */
describe.each(DIALECTS)('dashboard MTTA / MTTR on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    // A year after the demo data, so the window holds only this test's incidents; sign-ins happen
    // now and the incidents are opened and moved back in time.
    const now = '2027-05-10T12:00:00.000Z';
    t.clock.set(now);
    const at = async <T>(iso: string, f: () => Promise<T>) => {
      t.clock.set(iso);
      try {
        return await f();
      } finally {
        t.clock.set(now);
      }
    };
    for (const email of [momo.operator, ignite.operator]) await t.token(email); // signed in now, not in the past
    const open = async (email: string, iso: string, severity: number) => at(iso, async () =>
      ((await (await t.api(email, 'POST', '/incidents', { title: `SLA at ${iso}`, severity })).json()) as { id: number }).id);
    const a = await open(momo.operator, '2027-05-01T10:00:00.000Z', 1);
    await at('2027-05-01T10:10:00.000Z', () => t.api(momo.operator, 'PATCH', `/incidents/${a}`, { status: 'in_progress' }));
    await at('2027-05-01T11:10:00.000Z', () => t.api(momo.operator, 'PATCH', `/incidents/${a}`, { status: 'resolved' }));
    const b = await open(momo.operator, '2027-05-02T10:00:00.000Z', 2);
    await at('2027-05-02T10:30:00.000Z', () => t.api(momo.operator, 'PATCH', `/incidents/${b}`, { status: 'in_progress' }));
    await open(momo.operator, '2027-03-01T10:00:00.000Z', 1); // before the 30 days
    const c = await open(ignite.operator, '2027-05-03T10:00:00.000Z', 3);
    await at('2027-05-04T10:00:00.000Z', () => t.api(ignite.operator, 'PATCH', `/incidents/${c}`, { status: 'resolved' }));
  });
  afterAll(async () => t?.close());

  it.each(['viewer', 'operator', 'manager', 'admin', 'client'] as const)('a Momo %s gets the figures of Momo only, in the API', async (role) => {
    const res = await t.api(momo[role], 'GET', '/dashboard');
    expect(res.status).toBe(200);
    const body = (await res.json()) as DashboardJson;
    expect(body.sla_30d).toEqual({ opened: 2, acknowledged: 2, mtta_minutes: 20, resolved: 1, mttr_minutes: 70, within_target_pct: 100 });
    expect(body.sla_30d_by_severity.map((g) => [g.label, g.opened, g.mtta_minutes, g.mttr_minutes])).toEqual([
      ['Sev 1', 1, 10, 70], ['Sev 2', 1, 30, null], ['Sev 3', 0, null, null], ['Sev 4', 0, null, null],
    ]);
  });

  it('the super admin gets every process, or one', async () => {
    const all = (await (await t.api(SUPER_ADMIN, 'GET', '/dashboard')).json()) as DashboardJson;
    expect(all.sla_30d).toMatchObject({ opened: 3, resolved: 2, mttr_minutes: 755 }); // (70 + 1440) / 2
    const one = (await (await t.api(SUPER_ADMIN, 'GET', '/dashboard?process=ignite')).json()) as DashboardJson;
    expect(one.sla_30d).toMatchObject({ opened: 1, acknowledged: 1, mtta_minutes: 1440, resolved: 1, within_target_pct: 100 });
  });

  it('shows the figures and the by-severity chart on the page; the SLA report link only to those who may open it', async () => {
    const manager = await (await t.page(momo.manager, '/')).text();
    expect(manager).toContain('Response, last 30 days');
    expect(manager).toContain('data-testid="dashboard-mtta">20m<');
    expect(manager).toContain('data-testid="dashboard-mttr">1h 10m<');
    expect(manager).toContain('data-testid="dashboard-within-target">100%<');
    expect(manager).toContain('Sev 1: MTTA 10m, MTTR 1h 10m.');
    expect(manager).toContain('href="/reporting#sla"');
    const viewer = await (await t.page(momo.viewer, '/')).text();
    expect(viewer).toContain('data-testid="dashboard-mtta">20m<');
    expect(viewer).not.toContain('href="/reporting#sla"');
  });

  it('says so when no incident was opened in the 30 days', async () => {
    const sanlam = accountsOf('sanlam');
    const page = await (await t.page(sanlam.manager, '/')).text();
    expect(page).toContain('No incidents in the last 30 days');
    const body = (await (await t.api(sanlam.manager, 'GET', '/dashboard')).json()) as DashboardJson;
    expect(body.sla_30d).toEqual({ opened: 0, acknowledged: 0, mtta_minutes: null, resolved: 0, mttr_minutes: null, within_target_pct: null });
  });
});
