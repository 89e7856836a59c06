import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const ALL_PAGES = [
  '/', '/incidents', '/downtime', '/tickets', '/handovers', '/approvals', '/escalations', '/oncall', '/automation',
  '/notifications', '/activity', '/ai-insights', '/reporting', '/users', '/audit-log', '/email-log', '/integrations',
];

const VIEWER = ['/', '/incidents', '/downtime', '/tickets', '/oncall', '/notifications', '/activity', '/ai-insights'];
const OPERATOR = [...VIEWER, '/handovers', '/approvals'];
const MANAGER = [...OPERATOR, '/escalations', '/automation', '/reporting'];
const ADMIN = [...MANAGER, '/users', '/audit-log', '/email-log', '/integrations'];
const CLIENT = VIEWER.filter((p) => p !== '/tickets');

const momo = accountsOf('momo');
const EXPECTED: [string, string, string[]][] = [
  ['viewer', momo.viewer, VIEWER],
  ['client', momo.client, CLIENT],
  ['operator', momo.operator, OPERATOR],
  ['manager', momo.manager, MANAGER],
  ['admin', momo.admin, ADMIN],
  ['super_admin', SUPER_ADMIN, ADMIN],
];

function sidebarPaths(html: string): string[] {
  return [...html.matchAll(/data-nav="([^"]+)"/g)].map((m) => m[1]);
}

describe.each(DIALECTS)('roles and the sidebar on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it.each(EXPECTED)('%s sees exactly its modules in the sidebar and opens each', async (_role, email, allowed) => {
    const home = await t.page(email, '/');
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(sidebarPaths(html).sort()).toEqual([...allowed].sort());
    for (const path of allowed) {
      const res = await t.page(email, path);
      expect(res.status, path).toBe(200);
    }
  });

  it.each(EXPECTED)('%s gets a clear 403 on every other module page', async (_role, email, allowed) => {
    for (const path of ALL_PAGES.filter((p) => !allowed.includes(p))) {
      const res = await t.page(email, path);
      expect(res.status, path).toBe(403);
      expect(await res.text()).toContain('Your role does not have access to this.');
    }
  });

  it('answers an unknown page with a 404 page, and an unknown API path with a JSON 404', async () => {
    const page = await t.page(momo.viewer, '/no-such-page');
    expect(page.status).toBe(404);
    const api = await t.api(momo.viewer, 'GET', '/no-such-endpoint');
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('only a super admin may switch processes', async () => {
    const res = await t.request('/switch-process', {
      method: 'POST',
      headers: { cookie: await t.cookie(momo.admin), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'process=ignite',
    });
    expect(res.status).toBe(403);
  });
});
