import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_LIMIT } from '../../src/modules/alerts/routes.js';
import { accountsOf, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { serveApp } from '../webhooks/http.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');
const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const AM_FIRING = fixture('alertmanager-v4-firing.json');
const AM_RESOLVED = fixture('alertmanager-v4-resolved.json');
const GRAFANA = fixture('grafana-unified-firing.json');
const GRAFANA_LEGACY = fixture('grafana-legacy-alerting.json');

interface Integration { id: number; key: string; url: string; process_id: number }
interface Ingest { incidents: number[]; opened: number[]; updated: number[]; resolved: number[]; ignored: number }

describe.each(DIALECTS)('alert ingestion over HTTP on %s', (dialect) => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let momoId: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    server = await serveApp(t.app);
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  async function integration(kind: string, extra: Record<string, unknown> = {}, as = momo.admin): Promise<Integration> {
    const res = await t.api(as, 'POST', '/integrations', { name: `${kind} ${Math.random().toString(36).slice(2, 7)}`, kind, ...extra });
    expect(res.status).toBe(201);
    return (await res.json()) as Integration;
  }

  /** POSTs a body to the alert URL over real HTTP, as monitoring would. */
  function post(key: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
    return fetch(`${server.url}/api/v1/alerts/${key}`, { method: 'POST', headers, body });
  }

  async function counts() {
    const n = async (table: 'incidents' | 'audit_log' | 'email_outbox' | 'incident_events' | 'rate_limits') =>
      Number((await t.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    return { incidents: await n('incidents'), audit: await n('audit_log'), mail: await n('email_outbox'), events: await n('incident_events') };
  }

  async function incident(id: number) {
    return t.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  async function timeline(id: number) {
    return t.db.selectFrom('incident_events').select(['kind', 'message', 'user_id']).where('incident_id', '=', id).orderBy('id').execute();
  }

  it('a recorded Alertmanager payload with two alerts opens two incidents, again opens none, resolved resolves both', async () => {
    const am = await integration('alertmanager');
    expect(am.url).toBe(`${t.deps.config.appUrl}/api/v1/alerts/${am.key}`);
    const staff = (await t.db.selectFrom('users').select('id').where('process_id', '=', momoId).where('is_active', '=', true).execute()).length;
    const before = await counts();

    const first = await post(am.key, AM_FIRING);
    expect(first.status).toBe(202);
    const opened = (await first.json()) as Ingest;
    expect(opened.opened).toHaveLength(2);
    expect(opened.incidents).toEqual(opened.opened);
    const [errors, disk] = await Promise.all(opened.opened.map(incident));
    expect(errors).toMatchObject({
      process_id: momoId, source: 'alert', status: 'open', severity: 1, dedup_key: '4f6a1d2b9c8e7f30', integration_id: am.id, opened_by: null,
      title: 'HighErrorRate: Checkout API 5xx rate above 5%',
    });
    expect(errors.description).toContain('7.3% 5xx responses');
    expect(errors.description).toContain('Runbook: https://runbooks.example.com/checkout/high-error-rate');
    expect(errors.description).toContain('instance=checkout-api-1:8080');
    // "warning" maps to Sev 3 with the default mapping.
    expect(disk).toMatchObject({ severity: 3, dedup_key: 'a07c3e55d1b24e69', title: 'DiskWillFillIn4Hours: Disk /var/lib/mysql on db-2 will fill within 4 hours' });
    expect((await timeline(errors.id)).map((e) => e.kind)).toEqual(['alert', 'email']);
    expect((await timeline(errors.id))[0].message).toContain('Opened by an alert from');
    const afterFirst = await counts();
    expect(afterFirst.incidents - before.incidents).toBe(2);
    expect(afterFirst.mail - before.mail).toBe(2 * staff);
    const created = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'incident.create').where('entity_id', 'in', opened.opened).execute();
    expect(created).toHaveLength(2);
    expect(created.every((a) => a.user_id === null && a.process_id === momoId)).toBe(true);
    expect(JSON.parse(created[0].changes!)).toMatchObject({ source: 'alert', alert_status: 'firing', ip: '127.0.0.1' });

    // The same payload again (Alertmanager re-sends the group): no new incident, a timeline entry each.
    t.clock.advance(5 * 60_000);
    const again = await post(am.key, AM_FIRING);
    expect(again.status).toBe(202);
    const repeated = (await again.json()) as Ingest;
    expect(repeated).toMatchObject({ opened: [], updated: opened.opened, incidents: opened.opened, resolved: [] });
    const afterAgain = await counts();
    expect(afterAgain.incidents).toBe(afterFirst.incidents);
    expect(afterAgain.mail).toBe(afterFirst.mail);
    expect((await timeline(errors.id)).map((e) => e.kind)).toEqual(['alert', 'email', 'alert']);
    expect((await timeline(errors.id))[2].message).toContain('Alert fired again');
    expect(afterAgain.audit - afterFirst.audit).toBe(2);

    // Resolved: both incidents resolve, with a timeline entry, the status change and the Resolved email.
    t.clock.advance(20 * 60_000);
    const resolved = await post(am.key, AM_RESOLVED);
    expect(resolved.status).toBe(202);
    expect(((await resolved.json()) as Ingest).resolved).toEqual(opened.opened);
    for (const id of opened.opened) {
      const i = await incident(id);
      expect(i.status).toBe('resolved');
      expect(i.resolved_at?.toISOString()).toBe(t.clock.now().toISOString());
      const kinds = (await timeline(id)).map((e) => e.kind);
      expect(kinds.slice(-3)).toEqual(['alert', 'status', 'email']);
    }
    const resolvedMail = await t.db.selectFrom('email_outbox').select('to_address').where('template', '=', 'incident.resolved').where('entity_id', 'in', opened.opened).execute();
    expect(resolvedMail).toHaveLength(2 * staff);
    const updates = await t.db.selectFrom('audit_log').select('changes').where('action', '=', 'incident.update').where('entity_id', 'in', opened.opened).execute();
    expect(updates).toHaveLength(2);
    expect(JSON.parse(updates[0].changes!).status).toEqual(['open', 'resolved']);

    // Resolved once more: nothing left to resolve; noted in the audit log, nothing else changes.
    const late = await counts();
    const twice = (await (await post(am.key, AM_RESOLVED)).json()) as Ingest;
    expect(twice).toMatchObject({ incidents: [], resolved: [], ignored: 2 });
    const afterLate = await counts();
    expect(afterLate.incidents).toBe(late.incidents);
    expect(afterLate.mail).toBe(late.mail);
    expect(afterLate.audit - late.audit).toBe(2);

    // Firing after resolution is a new occurrence: new incidents.
    const reopened = (await (await post(am.key, AM_FIRING)).json()) as Ingest;
    expect(reopened.opened).toHaveLength(2);
    expect(reopened.opened).not.toEqual(opened.opened);

    const row = await t.db.selectFrom('integrations').selectAll().where('id', '=', am.id).executeTakeFirstOrThrow();
    expect((row as unknown as { alert_count: number }).alert_count).toBe(10);
  });

  it('incidents from alerts belong to the integration\'s process only', async () => {
    const am = await integration('alertmanager');
    const ids = ((await (await post(am.key, AM_FIRING)).json()) as Ingest).opened;
    expect((await t.api(momo.viewer, 'GET', `/incidents/${ids[0]}`)).status).toBe(200);
    expect((await t.api(ignite.admin, 'GET', `/incidents/${ids[0]}`)).status).toBe(404);
    const list = (await (await t.api(momo.viewer, 'GET', '/incidents?status=open')).json()) as { items: { id: number; source: string }[] };
    expect(list.items.find((i) => i.id === ids[0])?.source).toBe('alert');
    // The same fingerprints from another integration (here: another process) are other alerts.
    const other = await integration('alertmanager', {}, ignite.admin);
    const theirs = ((await (await post(other.key, AM_FIRING)).json()) as Ingest).opened;
    expect(theirs).toHaveLength(2);
    expect(theirs.some((id) => ids.includes(id))).toBe(false);
    // Their resolve does not touch ours.
    await post(other.key, AM_RESOLVED);
    expect((await incident(ids[0])).status).toBe('open');
  });

  it('refuses bad payloads with a clear 4xx and changes nothing', async () => {
    const am = await integration('alertmanager');
    const before = await counts();
    const bad: [string, number, string | RegExp][] = [
      ['{"alerts": [', 400, 'not valid JSON'],
      ['[1,2]', 400, 'must be a JSON object'],
      ['{}', 422, 'alerts must be a list'],
      ['{"version":"4","alerts":[]}', 422, 'lists no alerts'],
      ['{"version":"3","alerts":[{"status":"firing","labels":{"a":"b"}}]}', 422, 'Only version'],
      ['{"alerts":[{"status":"burning","labels":{"alertname":"X"}}]}', 422, 'firing'],
      ['{"alerts":[{"status":"firing","labels":"x"}]}', 422, 'Labels must be an object'],
      ['{"alerts":[{"status":"firing","labels":{"a":{"b":1}}}]}', 422, 'text value'],
      ['{"alerts":["nope"]}', 422, 'must be an object'],
      [JSON.stringify({ alerts: Array.from({ length: 201 }, (_, i) => ({ status: 'firing', labels: { alertname: `A${i}` } })) }), 422, 'At most 200 alerts'],
    ];
    for (const [body, status, message] of bad) {
      const res = await post(am.key, body);
      expect(res.status, body.slice(0, 60)).toBe(status);
      const err = (await res.json()) as { error: { code: string; message: string; fields?: Record<string, string> } };
      expect(JSON.stringify(err.error)).toMatch(message);
      if (status === 422) expect(err.error.fields).toBeTruthy();
    }
    // One bad alert among good ones: the whole payload is refused.
    const mixed = JSON.parse(AM_FIRING);
    mixed.alerts[1].status = 'unknown';
    const res = await post(am.key, JSON.stringify(mixed));
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty(['alerts[1].status']);
    expect(await counts()).toEqual(before);
    const row = await t.db.selectFrom('integrations').selectAll().where('id', '=', am.id).executeTakeFirstOrThrow();
    expect((row as unknown as { last_alert_at: Date | null }).last_alert_at).toBeNull();
  });

  it('answers 413 for a payload over 1 MB, with or without Content-Length, and changes nothing', async () => {
    const am = await integration('alertmanager');
    const before = await counts();
    const huge = JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels: { alertname: 'Big' }, annotations: { description: 'x'.repeat(1024 * 1024) } }] });
    const res = await post(am.key, huge);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string; message: string } }).error.message).toContain('larger than 1 MB');
    // Chunked, no Content-Length: the limit counts the bytes as they arrive.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${server.url}/api/v1/alerts/${am.key}`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (r) => {
        let body = '';
        r.on('data', (c) => { body += c; });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(huge.slice(i * 60_000, (i + 1) * 60_000));
      req.end(huge.slice(20 * 60_000));
    });
    expect(chunked.status).toBe(413);
    expect(await counts()).toEqual(before);
  });

  it('an unknown, malformed or rotated key is 404; a paused integration is 403', async () => {
    const before = await counts();
    for (const key of ['nope', 'A'.repeat(32), '../../etc', 'x'.repeat(300)]) {
      const res = await post(encodeURIComponent(key), AM_FIRING);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
    expect(await counts()).toEqual(before);
    const am = await integration('alertmanager');
    const rotated = (await (await t.api(momo.admin, 'POST', `/integrations/${am.id}/rotate-key`)).json()) as Integration;
    expect(rotated.key).not.toBe(am.key);
    const afterRotate = await counts();
    expect((await post(am.key, AM_FIRING)).status).toBe(404);
    expect(await counts()).toEqual(afterRotate);
    expect((await t.api(momo.admin, 'PATCH', `/integrations/${am.id}`, { is_active: false })).status).toBe(200);
    const afterPause = await counts();
    const paused = await post(rotated.key, AM_FIRING);
    expect(paused.status).toBe(403);
    const pausedError = ((await paused.json()) as { error: { code: string; message: string } }).error;
    expect(pausedError.code).toBe('forbidden');
    expect(pausedError.message).toContain('paused');
    expect(await counts()).toEqual(afterPause);
    await t.api(momo.admin, 'PATCH', `/integrations/${am.id}`, { is_active: true });
    expect((await post(rotated.key, AM_FIRING)).status).toBe(202);
  });

  it('rate limits each key: 120 requests a minute, then 429 with Retry-After, then fine again', async () => {
    const generic = await integration('generic');
    const other = await integration('generic');
    const body = JSON.stringify({ title: 'Flapping check', status: 'firing', dedup_key: 'flap' });
    for (let i = 0; i < ALERT_LIMIT.max; i++) {
      const res = await t.request(`/api/v1/alerts/${generic.key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(202);
    }
    const before = await counts();
    const limited = await post(generic.key, body);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(await counts()).toEqual(before);
    // Another key has its own budget.
    expect((await post(other.key, body)).status).toBe(202);
    t.clock.advance(61_000);
    expect((await post(generic.key, body)).status).toBe(202);
  });

  it('takes Grafana unified and legacy payloads', async () => {
    const grafana = await integration('grafana');
    const res = await post(grafana.key, GRAFANA);
    expect(res.status).toBe(202);
    const [id] = ((await res.json()) as Ingest).opened;
    const i = await incident(id);
    expect(i).toMatchObject({ severity: 2, dedup_key: 'b3d9e1f0a2c47781', title: 'USSD gateway latency: USSD gateway p95 latency above 2 s' });
    expect(i.description).toContain('Dashboard: https://grafana.example.com/d/ussd01?orgId=1');
    expect(i.description).toContain("Values: [ var='B'");
    const resolved = JSON.parse(GRAFANA);
    resolved.alerts[0].status = 'resolved';
    expect(((await (await post(grafana.key, JSON.stringify(resolved))).json()) as Ingest).resolved).toEqual([id]);

    const legacy = ((await (await post(grafana.key, GRAFANA_LEGACY)).json()) as Ingest).opened;
    expect(legacy).toHaveLength(1);
    expect(await incident(legacy[0])).toMatchObject({ title: 'API CPU saturation', severity: 1, dedup_key: 'grafana-rule:7' });
    expect((await incident(legacy[0])).description).toContain('cpu_busy=97.1');
    const ok = { ...JSON.parse(GRAFANA_LEGACY), state: 'ok', title: '[OK] API CPU saturation' };
    expect(((await (await post(grafana.key, JSON.stringify(ok))).json()) as Ingest).resolved).toEqual(legacy);
    const pending = { ...JSON.parse(GRAFANA_LEGACY), state: 'pending' };
    expect(((await (await post(grafana.key, JSON.stringify(pending))).json()) as Ingest)).toMatchObject({ incidents: [], ignored: 1 });
    const bad = await post(grafana.key, JSON.stringify({ state: 'on fire' }));
    expect(bad.status).toBe(422);
  });

  it('takes the generic JSON: severity numbers or names, dedup by key or by title, resolve by key', async () => {
    const generic = await integration('generic', { default_severity: 4, severity_map: { 'severity=critical': 1, 'severity=major': 2 } });
    const send = async (body: unknown) => {
      const res = await post(generic.key, JSON.stringify(body));
      expect(res.status, JSON.stringify(body)).toBe(202);
      return (await res.json()) as Ingest;
    };
    const a = await send({ title: 'Payment Gateway Down', description: 'All card payments fail', severity: 1, dedup_key: 'pg-down', status: 'firing' });
    expect(await incident(a.opened[0])).toMatchObject({ severity: 1, description: 'All card payments fail', dedup_key: 'pg-down' });
    expect((await send({ title: 'Payment Gateway Down (still)', dedup_key: 'pg-down', status: 'firing' })).updated).toEqual(a.opened);
    expect((await send({ title: 'whatever', dedup_key: 'pg-down', status: 'resolved' })).resolved).toEqual(a.opened);

    const named = await send({ title: 'Queue backlog', severity: 'MAJOR', status: 'firing' });
    expect((await incident(named.opened[0])).severity).toBe(2);
    const unknownName = await send({ title: 'Odd thing', severity: 'weird', status: 'firing' });
    expect((await incident(unknownName.opened[0])).severity).toBe(4);
    // No dedup_key: the same title is the same alert.
    expect((await send({ title: 'queue BACKLOG', status: 'firing' })).updated).toEqual(named.opened);
    expect((await send({ title: 'Queue backlog', status: 'resolved' })).resolved).toEqual(named.opened);

    // HTML and script are stored as text and shown escaped.
    const xss = await send({ title: '<script>alert(1)</script><b>bold</b>', status: 'firing' });
    const page = await (await t.page(momo.viewer, `/incidents/${xss.opened[0]}`)).text();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

    const before = await counts();
    const bad: [unknown, string][] = [
      [{ status: 'firing' }, 'title'],
      [{ title: '', status: 'firing' }, 'title'],
      [{ title: 'x'.repeat(201), status: 'firing' }, 'title'],
      [{ title: 42, status: 'firing' }, 'title'],
      [{ title: 'ok' }, 'status'],
      [{ title: 'ok', status: 'open' }, 'status'],
      [{ title: 'ok', status: 'firing', severity: 7 }, 'severity'],
      [{ title: 'ok', status: 'firing', severity: { level: 1 } }, 'severity'],
      [{ title: 'ok', status: 'firing', dedup_key: 'k'.repeat(192) }, 'dedup_key'],
      [{ title: 'ok', status: 'firing', dedup_key: ['a'] }, 'dedup_key'],
      [{ title: 'ok', status: 'firing', description: 'd'.repeat(10_001) }, 'description'],
      [{ title: 'ok', status: 'firing', description: 5 }, 'description'],
    ];
    for (const [body, field] of bad) {
      const res = await post(generic.key, JSON.stringify(body));
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(((await res.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty([field]);
    }
    expect(await counts()).toEqual(before);
  });

  it('the severity mapping picks the most severe matching rule, else the default', async () => {
    const am = await integration('alertmanager', { default_severity: 2, severity_map: 'team=payments: 2\nseverity=CRITICAL: 1\njob=node: 4' });
    const ids = ((await (await post(am.key, AM_FIRING)).json()) as Ingest).opened;
    // HighErrorRate matches team=payments (2) and severity=critical (1): Sev 1.
    expect((await incident(ids[0])).severity).toBe(1);
    // DiskWillFillIn4Hours matches job=node: Sev 4.
    expect((await incident(ids[1])).severity).toBe(4);
    const none = await integration('alertmanager', { default_severity: 2, severity_map: '' });
    const plain = ((await (await post(none.key, AM_FIRING)).json()) as Ingest).opened;
    expect((await incident(plain[0])).severity).toBe(2);
  });

  it('the same alert posted concurrently opens exactly one incident per alert', async () => {
    const am = await integration('alertmanager');
    const before = await counts();
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(am.key, AM_FIRING)));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(202));
    const results = await Promise.all(answers.map(async (r) => (await r.json()) as Ingest));
    expect(results.flatMap((r) => r.opened)).toHaveLength(2);
    expect((await counts()).incidents - before.incidents).toBe(2);
    const open = await t.db.selectFrom('incidents').select('id').where('integration_id', '=', am.id).where('status', '=', 'open').execute();
    expect(open).toHaveLength(2);
  });

  it('automation rules apply to incidents opened by alerts', async () => {
    const ruleId = Number((await t.db.insertInto('automation_rules').values({
      process_id: momoId, name: 'Page admins on checkout errors', trigger_type: 'custom',
      trigger_config: JSON.stringify({ title_contains: 'HighErrorRate' }), action_type: 'email_roles',
      action_config: JSON.stringify({ roles: ['admin'] }), is_active: true, execution_count: 0, last_run_at: null,
      created_by: null, created_at: t.clock.now(), updated_at: t.clock.now(),
    }).executeTakeFirstOrThrow()).insertId);
    const am = await integration('alertmanager');
    const ids = ((await (await post(am.key, AM_FIRING)).json()) as Ingest).opened;
    const runs = await t.db.selectFrom('automation_executions').select(['incident_id']).where('rule_id', '=', ruleId).execute();
    expect(runs.map((r) => r.incident_id)).toEqual([ids[0]]);
    await t.db.deleteFrom('automation_executions').where('rule_id', '=', ruleId).execute();
    await t.db.deleteFrom('automation_rules').where('id', '=', ruleId).execute();
  });

  it('deleting an integration keeps its incidents and stops its URL', async () => {
    const am = await integration('alertmanager');
    const ids = ((await (await post(am.key, AM_FIRING)).json()) as Ingest).opened;
    expect((await t.api(momo.admin, 'DELETE', `/integrations/${am.id}`)).status).toBe(204);
    expect((await incident(ids[0])).integration_id).toBeNull();
    expect((await incident(ids[0])).status).toBe('open');
    expect((await post(am.key, AM_RESOLVED)).status).toBe(404);
    expect((await t.api(momo.admin, 'GET', `/integrations/${am.id}`)).status).toBe(404);
  });
});
