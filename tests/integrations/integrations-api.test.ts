import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEVERITY_MAP, parseSeverityMap, severityFor } from '../../src/modules/integrations/severity.js';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface IntegrationJson {
  id: number;
  process_id: number;
  process_slug: string;
  name: string;
  kind: string;
  key: string;
  url: string;
  default_severity: number;
  severity_map: Record<string, number>;
  is_active: boolean;
  created_by: number | null;
  created_at: string;
  last_alert_at: string | null;
  alert_count: number;
}

describe('severity mapping', () => {
  it('reads text lines and objects, and refuses what it cannot read', () => {
    expect(parseSeverityMap('severity=critical: 1\n# a comment\n\n team = payments : 2 \nurl=http://x:80/y: 3')).toEqual({
      map: { 'severity=critical': 1, 'team=payments': 2, 'url=http://x:80/y': 3 },
    });
    expect(parseSeverityMap({ 'severity=critical': 1, 'env=prod': '2' })).toEqual({ map: { 'severity=critical': 1, 'env=prod': 2 } });
    expect(parseSeverityMap('')).toEqual({ map: null });
    expect(parseSeverityMap({})).toEqual({ map: null });
    expect(parseSeverityMap('severity critical 1').error).toContain('Line 1');
    expect(parseSeverityMap('severity=critical: 5').error).toContain('1, 2, 3 or 4');
    expect(parseSeverityMap('1bad=x: 1').error).toContain('not a label name');
    expect(parseSeverityMap({ nolabel: 1 }).error).toContain('label=value');
    expect(parseSeverityMap([1, 2]).error).toBeTruthy();
    expect(parseSeverityMap(42).error).toBeTruthy();
    expect(parseSeverityMap(Array.from({ length: 51 }, (_, i) => `l${i}=v: 1`).join('\n')).error).toContain('At most 50');
  });
  it('takes the most severe matching rule, case-insensitively, else the default', () => {
    expect(severityFor({ severity: 'Critical' }, DEFAULT_SEVERITY_MAP, 3)).toBe(1);
    expect(severityFor({ severity: 'warning', team: 'payments' }, { 'team=payments': 2, 'severity=warning': 3 }, 4)).toBe(2);
    expect(severityFor({ severity: 'odd' }, DEFAULT_SEVERITY_MAP, 3)).toBe(3);
    expect(severityFor({ severity: 'critical' }, null, 4)).toBe(4);
  });
});

describe.each(DIALECTS)('integrations API on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let igniteId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    igniteId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'ignite').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  const json = async <T>(res: Response) => (await res.json()) as T;
  const auditCount = async (action: string) =>
    Number((await t.db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n')).where('action', '=', action).executeTakeFirstOrThrow()).n);

  it('an admin creates an integration: 201 with a secret key, its URL, the default mapping, audited without the key', async () => {
    const res = await t.api(momo.admin, 'POST', '/integrations', { name: 'Prod Prometheus', kind: 'alertmanager' });
    expect(res.status).toBe(201);
    const it = await json<IntegrationJson>(res);
    expect(it).toMatchObject({
      process_id: momoId, process_slug: 'momo', name: 'Prod Prometheus', kind: 'alertmanager', default_severity: 3,
      severity_map: DEFAULT_SEVERITY_MAP, is_active: true, last_alert_at: null, alert_count: 0,
    });
    expect(it.key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(it.url).toBe(`${t.deps.config.appUrl}/api/v1/alerts/${it.key}`);
    expect(it.created_at).toBe(t.clock.now().toISOString());
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'integration.create').where('entity_id', '=', it.id).executeTakeFirstOrThrow();
    expect(audit.changes).not.toContain(it.key);
    const list = await json<{ items: IntegrationJson[]; next_cursor: string | null }>(await t.api(momo.admin, 'GET', '/integrations'));
    expect(list.items.map((i) => i.id)).toContain(it.id);
    expect(list.next_cursor).toBeNull();
    expect((await json<IntegrationJson>(await t.api(momo.admin, 'GET', `/integrations/${it.id}`))).key).toBe(it.key);
  });

  it('takes a default severity and a mapping; keys differ between integrations', async () => {
    const a = await json<IntegrationJson>(await t.api(momo.admin, 'POST', '/integrations', {
      name: 'Grafana', kind: 'grafana', default_severity: 2, severity_map: 'env=prod: 1\nseverity=info: 4',
    }));
    expect(a).toMatchObject({ default_severity: 2, severity_map: { 'env=prod': 1, 'severity=info': 4 } });
    const b = await json<IntegrationJson>(await t.api(momo.admin, 'POST', '/integrations', { name: 'Generic', kind: 'generic', severity_map: {} }));
    expect(b.severity_map).toEqual({});
    expect(b.key).not.toBe(a.key);
  });

  it('refuses bad input with 422 per field and stores nothing', async () => {
    const before = Number((await t.db.selectFrom('integrations').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    const cases: [unknown, string][] = [
      [{ kind: 'generic' }, 'name'],
      [{ name: '   ', kind: 'generic' }, 'name'],
      [{ name: 'x'.repeat(121), kind: 'generic' }, 'name'],
      [{ name: 7, kind: 'generic' }, 'name'],
      [{ name: 'A' }, 'kind'],
      [{ name: 'A', kind: 'nagios' }, 'kind'],
      [{ name: 'A', kind: 'generic', default_severity: 0 }, 'default_severity'],
      [{ name: 'A', kind: 'generic', default_severity: 'high' }, 'default_severity'],
      [{ name: 'A', kind: 'generic', severity_map: 'nonsense' }, 'severity_map'],
      [{ name: 'A', kind: 'generic', severity_map: { 'severity=critical': 9 } }, 'severity_map'],
      [{ name: 'A', kind: 'generic', severity_map: [1] }, 'severity_map'],
    ];
    for (const [body, field] of cases) {
      const res = await t.api(momo.admin, 'POST', '/integrations', body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(422);
      expect((await json<{ error: { fields: Record<string, string> } }>(res)).error.fields).toHaveProperty([field]);
    }
    expect((await t.api(momo.admin, 'POST', '/integrations', '{"name":')).status).toBe(400);
    expect((await t.api(momo.admin, 'POST', '/integrations', '[]')).status).toBe(400);
    expect(Number((await t.db.selectFrom('integrations').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n)).toBe(before);
  });

  it('an admin\'s process_id is ignored; a super admin must name the process', async () => {
    const mine = await json<IntegrationJson>(await t.api(momo.admin, 'POST', '/integrations', { name: 'Sneaky', kind: 'generic', process_id: igniteId }));
    expect(mine.process_id).toBe(momoId);
    const none = await t.api(SUPER_ADMIN, 'POST', '/integrations', { name: 'Nowhere', kind: 'generic' });
    expect(none.status).toBe(422);
    expect((await json<{ error: { fields: Record<string, string> } }>(none)).error.fields).toHaveProperty(['process_id']);
    expect((await t.api(SUPER_ADMIN, 'POST', '/integrations', { name: 'Ghost', kind: 'generic', process_id: 999999 })).status).toBe(422);
    const sa = await json<IntegrationJson>(await t.api(SUPER_ADMIN, 'POST', '/integrations', { name: 'For Ignite', kind: 'generic', process_id: igniteId }));
    expect(sa.process_id).toBe(igniteId);
    const all = await json<{ items: IntegrationJson[] }>(await t.api(SUPER_ADMIN, 'GET', '/integrations'));
    expect(new Set(all.items.map((i) => i.process_slug))).toEqual(new Set(['momo', 'ignite']));
    const onlyIgnite = await json<{ items: IntegrationJson[] }>(await t.api(SUPER_ADMIN, 'GET', '/integrations?process=ignite'));
    expect(onlyIgnite.items.every((i) => i.process_slug === 'ignite')).toBe(true);
    const igniteList = await json<{ items: IntegrationJson[] }>(await t.api(ignite.admin, 'GET', '/integrations'));
    expect(igniteList.items.map((i) => i.id)).toEqual([sa.id]);
  });

  it('updates name, severity, mapping and pause; the kind stays; changes are audited', async () => {
    const it = await json<IntegrationJson>(await t.api(momo.admin, 'POST', '/integrations', { name: 'To edit', kind: 'alertmanager' }));
    const res = await t.api(momo.admin, 'PATCH', `/integrations/${it.id}`, { name: 'Edited', default_severity: 1, severity_map: 'team=core: 2' });
    expect(res.status).toBe(200);
    expect(await json<IntegrationJson>(res)).toMatchObject({ name: 'Edited', default_severity: 1, severity_map: { 'team=core': 2 }, kind: 'alertmanager', key: it.key });
    expect((await t.api(momo.admin, 'PATCH', `/integrations/${it.id}`, { kind: 'generic' })).status).toBe(422);
    expect((await t.api(momo.admin, 'PATCH', `/integrations/${it.id}`, { name: '' })).status).toBe(422);
    expect((await t.api(momo.admin, 'PATCH', `/integrations/${it.id}`, { is_active: 'maybe' })).status).toBe(422);
    const paused = await json<IntegrationJson>(await t.api(momo.admin, 'PATCH', `/integrations/${it.id}`, { is_active: false }));
    expect(paused.is_active).toBe(false);
    expect(await auditCount('integration.pause')).toBeGreaterThanOrEqual(1);
    expect((await json<IntegrationJson>(await t.api(momo.admin, 'GET', `/integrations/${it.id}`))).name).toBe('Edited');
    // Nothing changed: no audit entry.
    const updates = await auditCount('integration.update');
    expect((await t.api(momo.admin, 'PATCH', `/integrations/${it.id}`, { name: 'Edited' })).status).toBe(200);
    expect(await auditCount('integration.update')).toBe(updates);
  });

  it('another process\'s integration answers 404 to every verb; unknown and malformed ids too', async () => {
    const theirs = await json<IntegrationJson>(await t.api(ignite.admin, 'POST', '/integrations', { name: 'Ignite AM', kind: 'alertmanager' }));
    for (const [method, path, body] of [
      ['GET', `/integrations/${theirs.id}`, undefined],
      ['PATCH', `/integrations/${theirs.id}`, { name: 'Mine now' }],
      ['DELETE', `/integrations/${theirs.id}`, undefined],
      ['POST', `/integrations/${theirs.id}/rotate-key`, undefined],
      ['GET', '/integrations/999999', undefined],
      ['GET', '/integrations/abc', undefined],
      ['PATCH', '/integrations/1e3', { name: 'x' }],
    ] as const) {
      const res = await t.api(momo.admin, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const still = await json<IntegrationJson>(await t.api(ignite.admin, 'GET', `/integrations/${theirs.id}`));
    expect(still).toMatchObject({ name: 'Ignite AM', key: theirs.key });
  });

  it('rotating the key gives a new URL and is audited; a super admin can rotate any process\'s', async () => {
    const it = await json<IntegrationJson>(await t.api(momo.admin, 'POST', '/integrations', { name: 'Rotate me', kind: 'generic' }));
    const rotated = await json<IntegrationJson>(await t.api(momo.admin, 'POST', `/integrations/${it.id}/rotate-key`));
    expect(rotated.key).not.toBe(it.key);
    expect(rotated.url).toContain(rotated.key);
    const again = await json<IntegrationJson>(await t.api(SUPER_ADMIN, 'POST', `/integrations/${it.id}/rotate-key`));
    expect(again.key).not.toBe(rotated.key);
    expect(await auditCount('integration.rotate_key')).toBeGreaterThanOrEqual(2);
  });

  it('names with HTML are stored as typed and shown escaped on the page', async () => {
    const it = await json<IntegrationJson>(await t.api(momo.admin, 'POST', '/integrations', { name: '<img src=x onerror=alert(1)>', kind: 'generic' }));
    expect(it.name).toBe('<img src=x onerror=alert(1)>');
    const html = await (await t.page(momo.admin, '/integrations')).text();
    expect(html).not.toContain('<img src=x onerror=alert(1)>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('lists with keyset pages', async () => {
    const first = await json<{ items: IntegrationJson[]; next_cursor: string | null }>(await t.api(momo.admin, 'GET', '/integrations?limit=2'));
    expect(first.items).toHaveLength(2);
    expect(first.next_cursor).toBeTruthy();
    const second = await json<{ items: IntegrationJson[] }>(await t.api(momo.admin, 'GET', `/integrations?limit=2&cursor=${first.next_cursor}`));
    expect(second.items.map((i) => i.id).some((id) => first.items.map((i) => i.id).includes(id))).toBe(false);
    expect((await t.api(momo.admin, 'GET', '/integrations?cursor=garbage')).status).toBe(400);
    expect((await t.api(momo.admin, 'GET', '/integrations?limit=x')).status).toBe(400);
  });
});
