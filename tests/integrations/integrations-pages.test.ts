import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

describe.each(DIALECTS)('integrations page on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  async function get(email: string, path: string, hxTarget?: string, extraCookie = '') {
    const headers: Record<string, string> = { cookie: `${await t.cookie(email)}${extraCookie}` };
    if (hxTarget) Object.assign(headers, { 'hx-request': 'true', 'hx-target': hxTarget });
    return t.request(path, { headers });
  }

  async function post(email: string, path: string, fields: Record<string, string>, htmx = true) {
    const headers: Record<string, string> = { cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded' };
    if (htmx) headers['hx-request'] = 'true';
    return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  }

  const trigger = (res: Response) => JSON.parse(res.headers.get('hx-trigger') ?? '{}') as Record<string, unknown> & { toast?: { message: string; kind: string } };

  it('starts with empty states, setup help, the hidden signing secret and the test form', async () => {
    const res = await get(momo.admin, '/integrations');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<!DOCTYPE html>');
    expect(html).toContain('No integrations yet');
    expect(html).toContain('No webhooks sent yet');
    expect(html).toContain('data-testid="setup-help"');
    expect(html).toContain('webhook_configs:');
    expect(html).toMatch(/data-testid="signing-secret" type="password"|type="password"[^>]*data-testid="signing-secret"/);
    expect(html).toContain('hx-confirm="Rotate the signing secret?');
    expect(html).toContain('data-action="send-test"');
    expect(html).toContain('data-nav="/integrations"');
    expect(html).not.toContain('Coming soon');
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
  });

  it('the New integration modal creates one and shows its URL with a toast; bad input re-renders with messages', async () => {
    const modal = await get(momo.admin, '/integrations/new', 'modal');
    const form = await modal.text();
    expect(form).toContain('role="dialog"');
    expect(form).toContain('name="kind"');
    expect(form).toContain('severity=critical: 1');
    expect(form).not.toContain('name="process_id"');

    const bad = await post(momo.admin, '/integrations', { name: '', kind: 'nagios', default_severity: '9', severity_map: 'oops' });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    for (const f of ['name', 'kind', 'default_severity', 'severity_map']) expect(badHtml).toContain(`data-field-error="${f}"`);
    expect(badHtml).toContain('aria-invalid="true"');
    expect(badHtml).toContain('>oops</textarea>');

    const ok = await post(momo.admin, '/integrations', { name: 'Prod Alertmanager', kind: 'alertmanager', default_severity: '2', severity_map: 'severity=critical: 1' });
    expect(ok.status).toBe(200);
    expect(trigger(ok)).toMatchObject({ toast: { message: 'Integration “Prod Alertmanager” created' }, 'integrations:changed': true });
    const created = await ok.text();
    expect(created).toContain('data-testid="integration-created"');
    const row = await t.db.selectFrom('integrations').selectAll().where('name', '=', 'Prod Alertmanager').executeTakeFirstOrThrow();
    expect(created).toContain(`${BASE}/api/v1/alerts/${row.key}`);
    expect(row.default_severity).toBe(2);
    expect(JSON.parse(row.severity_map!)).toEqual({ 'severity=critical': 1 });

    const list = await (await get(momo.admin, '/integrations', 'integration-list')).text();
    expect(list).not.toContain('<aside');
    expect(list).toContain('Prod Alertmanager');
    expect(list).toContain('Prometheus Alertmanager');
    expect(list).toContain('never');

    // Any script in a name: the toast header stays valid (non-Latin-1 travels as JSON escapes).
    const intl = await post(momo.admin, '/integrations', { name: 'Łódź 東京 “prod” 🚀', kind: 'generic', default_severity: '3', severity_map: '' });
    expect(intl.status).toBe(200);
    expect(trigger(intl).toast?.message).toBe('Integration “Łódź 東京 “prod” 🚀” created');

    const plain = await post(momo.admin, '/integrations', { name: 'No JS', kind: 'generic' }, false);
    expect(plain.status).toBe(303);
    expect(plain.headers.get('location')).toBe('/integrations');
  });

  it('edits in a modal; saving closes it with a toast; the row buttons pause, resume, rotate and delete (with confirmation)', async () => {
    await post(momo.admin, '/integrations', { name: 'Row actions', kind: 'grafana', default_severity: '3', severity_map: '' });
    const it = await t.db.selectFrom('integrations').selectAll().where('name', '=', 'Row actions').executeTakeFirstOrThrow();
    const page = await (await get(momo.admin, '/integrations')).text();
    expect(page).toContain(`hx-post="/integrations/${it.id}/pause"`);
    expect(page).toMatch(new RegExp(`hx-post="/integrations/${it.id}/delete"[^>]*hx-confirm="Delete`));
    expect(page).toMatch(new RegExp(`hx-post="/integrations/${it.id}/rotate-key"[^>]*hx-confirm="Give`));

    const edit = await (await get(momo.admin, `/integrations/${it.id}/edit`, 'modal')).text();
    expect(edit).toContain('value="Row actions"');
    expect(edit).not.toContain('name="kind"');
    const bad = await post(momo.admin, `/integrations/${it.id}`, { name: 'x'.repeat(121), default_severity: '3', severity_map: '' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('data-field-error="name"');
    const saved = await post(momo.admin, `/integrations/${it.id}`, { name: 'Row actions 2', default_severity: '1', severity_map: 'env=prod: 2' });
    expect(saved.status).toBe(200);
    expect(saved.headers.get('hx-retarget')).toBe('#modal');
    expect(trigger(saved)).toMatchObject({ 'integrations:changed': true });
    expect(await saved.text()).toBe('');

    const paused = await post(momo.admin, `/integrations/${it.id}/pause`, {});
    const pausedHtml = await paused.text();
    expect(pausedHtml).toContain('data-active="false"');
    expect(pausedHtml).toContain(`hx-post="/integrations/${it.id}/resume"`);
    expect(trigger(paused).toast?.message).toContain('paused');
    expect((await post(momo.admin, `/integrations/${it.id}/resume`, {})).status).toBe(200);

    const rotated = await (await post(momo.admin, `/integrations/${it.id}/rotate-key`, {})).text();
    const fresh = await t.db.selectFrom('integrations').select('key').where('id', '=', it.id).executeTakeFirstOrThrow();
    expect(fresh.key).not.toBe(it.key);
    expect(rotated).toContain(fresh.key);

    const deleted = await post(momo.admin, `/integrations/${it.id}/delete`, {});
    expect(deleted.status).toBe(200);
    expect(await deleted.text()).toBe('');
    expect(trigger(deleted).toast?.message).toContain('deleted');
    expect(await t.db.selectFrom('integrations').select('id').where('id', '=', it.id).executeTakeFirst()).toBeUndefined();
    expect((await post(momo.admin, `/integrations/${it.id}/delete`, {})).status).toBe(404);
  });

  it('shows when alerts last arrived, in local time', async () => {
    await post(momo.admin, '/integrations', { name: 'Receives alerts', kind: 'generic', default_severity: '3', severity_map: '' });
    const it = await t.db.selectFrom('integrations').selectAll().where('name', '=', 'Receives alerts').executeTakeFirstOrThrow();
    await t.request(`/api/v1/alerts/${it.key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Ping', status: 'firing' }) });
    const list = await (await get(momo.admin, '/integrations', 'integration-list')).text();
    expect(list).toContain(`<time datetime="${t.clock.now().toISOString()}" data-local="datetime">`);
    expect(list).toContain('1 alert<');
  });

  it('rotates the signing secret, sends a test webhook and retries a failed delivery, all in place', async () => {
    const before = (await t.api(momo.admin, 'GET', '/webhooks/secret').then((r) => r.json())) as { secret: string };
    const rotated = await post(momo.admin, '/integrations/webhook-secret/rotate', {});
    expect(rotated.status).toBe(200);
    const panel = await rotated.text();
    expect(panel).toContain('id="signing-secret"');
    expect(panel).not.toContain(before.secret);
    expect(panel).toContain('Rotated');

    const bad = await post(momo.admin, '/integrations/webhook-test', { url: 'javascript:alert(1)' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('data-field-error="url"');
    const sent = await post(momo.admin, '/integrations/webhook-test', { url: 'http://127.0.0.1:9/hook' });
    expect(sent.status).toBe(200);
    expect(trigger(sent)).toMatchObject({ 'deliveries:changed': true });
    expect(await sent.text()).toContain('data-testid="test-queued"');

    const delivery = await t.db.selectFrom('email_outbox').select('id').where('channel', '=', 'webhook').orderBy('id', 'desc').executeTakeFirstOrThrow();
    await t.db.updateTable('email_outbox').set({ status: 'failed', attempts: 3, last_error: 'HTTP 500: <b>boom</b>' }).where('id', '=', delivery.id).execute();
    const list = await (await get(momo.admin, '/integrations/deliveries', 'delivery-list')).text();
    expect(list).toContain('data-testid="delivery-table"');
    expect(list).toContain(`data-delivery="${delivery.id}"`);
    expect(list).toContain('HTTP 500: &lt;b&gt;boom&lt;/b&gt;');
    expect(list).toContain(`data-action="retry-${delivery.id}"`);
    const failedOnly = await (await get(momo.admin, '/integrations/deliveries?status=failed', 'delivery-list')).text();
    expect(failedOnly).toContain(`data-delivery="${delivery.id}"`);
    expect(await (await get(momo.admin, '/integrations/deliveries?status=sent', 'delivery-list')).text()).toContain('No deliveries with this status');
    const retried = await post(momo.admin, `/integrations/deliveries/${delivery.id}/retry`, {});
    expect(retried.status).toBe(200);
    expect(await retried.text()).toContain('data-status="queued"');
    const again = await post(momo.admin, `/integrations/deliveries/${delivery.id}/retry`, {});
    expect(again.status).toBe(409);
    expect(trigger(again).toast?.kind).toBe('error');
  });

  it('a super admin viewing all processes sees a Process column and picks the process in forms', async () => {
    const html = await (await get(SUPER_ADMIN, '/integrations')).text();
    expect(html).toContain('>Process</th>');
    expect(html).toContain('data-testid="secret-choose-process"');
    expect(html).toContain('id="test-process"');
    const form = await (await get(SUPER_ADMIN, '/integrations/new', 'modal')).text();
    expect(form).toContain('name="process_id"');
    const missing = await post(SUPER_ADMIN, '/integrations', { name: 'Where?', kind: 'generic', default_severity: '3', severity_map: '' });
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain('data-field-error="process_id"');
    const rotate = await post(SUPER_ADMIN, '/integrations/webhook-secret/rotate', {});
    expect(rotate.status).toBe(422);
    // Viewing one process: its secret, no Process column.
    const one = await (await get(SUPER_ADMIN, '/integrations', undefined, '; d2c_view=momo')).text();
    expect(one).toContain('data-testid="signing-secret"');
    expect(one).not.toContain('>Process</th>');
  });
});
