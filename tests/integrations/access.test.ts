import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

/** Every route of the integrations page and its API, tried as each role and from another process. */
describe.each(DIALECTS)('integrations and webhooks: who may do what (%s)', (dialect) => {
  let t: TestApp;
  let momoId: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  async function integration(): Promise<number> {
    const res = await t.api(momo.admin, 'POST', '/integrations', { name: 'Access probe', kind: 'generic' });
    return ((await res.json()) as { id: number }).id;
  }

  async function failedDelivery(): Promise<number> {
    const res = await t.api(momo.admin, 'POST', '/webhooks/test', { url: 'http://127.0.0.1:9/hook' });
    const id = ((await res.json()) as { id: number }).id;
    await t.db.updateTable('email_outbox').set({ status: 'failed', attempts: 1 }).where('id', '=', id).execute();
    return id;
  }

  type Call = { name: string; run: (who: string) => Promise<Response>; ok: number; scoped: boolean };

  function apiCall(method: string, path: (ids: Ids) => string, body: ((ids: Ids) => unknown) | undefined, ok: number, scoped: boolean) {
    return (ids: Ids): Call => ({
      name: `${method} /api/v1${path(ids)}`,
      run: (who) => {
        // A super admin names the process where the route needs one.
        const p = path(ids);
        const sa = who === SUPER_ADMIN && p.startsWith('/webhooks/secret') ? `${p}?process=momo` : p;
        return t.api(who, method, sa, body?.(ids));
      },
      ok,
      scoped,
    });
  }

  function pageCall(method: 'GET' | 'POST', path: (ids: Ids) => string, fields: Record<string, string> | undefined, ok: number, scoped: boolean, htmx = false) {
    return (ids: Ids): Call => ({
      name: `${method} ${path(ids)}`,
      run: async (who) => {
        const headers: Record<string, string> = { cookie: `${await t.cookie(who)}; d2c_view=momo` };
        if (htmx) headers['hx-request'] = 'true';
        if (method === 'POST') {
          headers.origin = BASE;
          headers['content-type'] = 'application/x-www-form-urlencoded';
        }
        return t.request(path(ids), { method, headers, body: fields ? new URLSearchParams(fields).toString() : undefined });
      },
      ok,
      scoped,
    });
  }

  interface Ids { integration: number; victim: number; delivery: number }

  const CALLS = [
    apiCall('GET', () => '/integrations', undefined, 200, false),
    apiCall('POST', () => '/integrations', () => ({ name: 'New one', kind: 'grafana', process_id: momoId }), 201, false),
    apiCall('GET', (i) => `/integrations/${i.integration}`, undefined, 200, true),
    apiCall('PATCH', (i) => `/integrations/${i.integration}`, () => ({ name: 'Renamed' }), 200, true),
    apiCall('POST', (i) => `/integrations/${i.integration}/rotate-key`, undefined, 200, true),
    apiCall('DELETE', (i) => `/integrations/${i.victim}`, undefined, 204, true),
    apiCall('GET', () => '/webhooks/secret', undefined, 200, false),
    apiCall('POST', () => '/webhooks/secret/rotate', undefined, 200, false),
    apiCall('POST', () => '/webhooks/test', () => ({ url: 'http://127.0.0.1:9/x', process_id: momoId }), 202, false),
    apiCall('GET', () => '/webhooks/deliveries', undefined, 200, false),
    apiCall('GET', (i) => `/webhooks/deliveries/${i.delivery}`, undefined, 200, true),
    apiCall('POST', (i) => `/webhooks/deliveries/${i.delivery}/retry`, undefined, 200, true),
    pageCall('GET', () => '/integrations', undefined, 200, false),
    pageCall('GET', () => '/integrations/deliveries', undefined, 200, false, true),
    pageCall('GET', () => '/integrations/new', undefined, 200, false),
    pageCall('POST', () => '/integrations', { name: 'Form made', kind: 'generic', default_severity: '2', severity_map: '' }, 303, false),
    pageCall('GET', (i) => `/integrations/${i.integration}/edit`, undefined, 200, true),
    pageCall('POST', (i) => `/integrations/${i.integration}`, { name: 'Form renamed', default_severity: '3', severity_map: '' }, 303, true),
    pageCall('POST', (i) => `/integrations/${i.integration}/pause`, {}, 303, true),
    pageCall('POST', (i) => `/integrations/${i.integration}/resume`, {}, 303, true),
    pageCall('POST', (i) => `/integrations/${i.integration}/rotate-key`, {}, 303, true),
    pageCall('POST', (i) => `/integrations/${i.victim}/delete`, {}, 303, true),
    pageCall('POST', () => '/integrations/webhook-secret/rotate', {}, 303, false),
    pageCall('POST', () => '/integrations/webhook-test', { url: 'http://127.0.0.1:9/y' }, 303, false),
    pageCall('POST', (i) => `/integrations/deliveries/${i.delivery}/retry`, {}, 303, true),
  ];

  async function freshIds(): Promise<Ids> {
    return { integration: await integration(), victim: await integration(), delivery: await failedDelivery() };
  }

  for (const role of ['viewer', 'client', 'operator', 'manager'] as const) {
    it(`a ${role} is refused every route with 403 and changes nothing`, async () => {
      const ids = await freshIds();
      const before = await t.db.selectFrom('integrations').selectAll().orderBy('id').execute();
      for (const make of CALLS) {
        const call = make(ids);
        const res = await call.run(momo[role]);
        expect(res.status, `${role}: ${call.name}`).toBe(403);
      }
      expect(await t.db.selectFrom('integrations').selectAll().orderBy('id').execute()).toEqual(before);
    });
  }

  it('an admin may use every route of their process', async () => {
    for (const make of CALLS) {
      const call = make(await freshIds());
      const res = await call.run(momo.admin);
      expect(res.status, `admin: ${call.name}`).toBe(call.ok);
    }
  });

  it('a super admin may use every route (naming the process where one is needed)', async () => {
    for (const make of CALLS) {
      const call = make(await freshIds());
      const res = await call.run(SUPER_ADMIN);
      expect(res.status, `super_admin: ${call.name}`).toBe(call.ok);
    }
  });

  it('an admin of another process gets 404 for this process\'s records and never sees them', async () => {
    const ids = await freshIds();
    const before = await t.db.selectFrom('integrations').selectAll().orderBy('id').execute();
    for (const make of CALLS) {
      const call = make(ids);
      if (!call.scoped) continue;
      const res = await call.run(ignite.admin);
      expect(res.status, `ignite admin: ${call.name}`).toBe(404);
    }
    expect(await t.db.selectFrom('integrations').selectAll().orderBy('id').execute()).toEqual(before);
    const list = (await (await t.api(ignite.admin, 'GET', '/integrations')).json()) as { items: { process_id: number }[] };
    expect(list.items.some((i) => i.process_id === momoId)).toBe(false);
    const deliveries = (await (await t.api(ignite.admin, 'GET', '/webhooks/deliveries')).json()) as { items: { process_id: number }[] };
    expect(deliveries.items.some((d) => d.process_id === momoId)).toBe(false);
    const page = await (await t.page(ignite.admin, '/integrations')).text();
    expect(page).not.toContain('Access probe');
  });

  it('signed out: the API answers 401 and pages send you to sign in; the alert URL needs only its key', async () => {
    expect((await t.api(null, 'GET', '/integrations')).status).toBe(401);
    expect((await t.api(null, 'POST', '/webhooks/test', { url: 'http://x.example.com' })).status).toBe(401);
    const page = await t.request('/integrations');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toContain('/login');
    const key = ((await (await t.api(momo.admin, 'POST', '/integrations', { name: 'Keyed', kind: 'generic' })).json()) as { key: string }).key;
    const alert = JSON.stringify({ title: 'Key only', status: 'firing' });
    expect((await t.request(`/api/v1/alerts/${key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: alert })).status).toBe(202);
    // A session does not replace the key, whatever the role.
    for (const who of [momo.viewer, momo.admin, SUPER_ADMIN]) {
      expect((await t.api(who, 'POST', '/alerts/not-a-real-key-0000000', { title: 'x', status: 'firing' })).status).toBe(404);
    }
    // A browser form from another site is not refused by the cross-origin check (monitoring has no Origin to match), only by the key.
    const cross = await t.request(`/api/v1/alerts/${key}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example.com' }, body: alert });
    expect(cross.status).toBe(202);
  });
});
