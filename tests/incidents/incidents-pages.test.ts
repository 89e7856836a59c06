import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

describe.each(DIALECTS)('incident pages on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  async function post(email: string, path: string, fields: Record<string, string>, htmx = true) {
    const headers: Record<string, string> = {
      cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded',
    };
    if (htmx) headers['hx-request'] = 'true';
    return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  }

  async function get(email: string, path: string, hx?: string) {
    const headers: Record<string, string> = { cookie: await t.cookie(email) };
    if (hx) Object.assign(headers, { 'hx-request': 'true', 'hx-target': hx });
    return t.request(path, { headers });
  }

  it('lists incidents with badges, a New Incident button for operators only, and the modal form', async () => {
    const op = await (await get(momo.operator, '/incidents')).text();
    expect(op).toContain('data-testid="incident-table"');
    expect(op).toContain('Sev 1');
    expect(op).toContain('data-testid="new-incident"');
    const viewer = await (await get(momo.viewer, '/incidents')).text();
    expect(viewer).not.toContain('data-testid="new-incident"');
    const modal = await get(momo.operator, '/incidents/new', 'modal');
    expect(modal.status).toBe(200);
    const html = await modal.text();
    expect(html).toContain('role="dialog"');
    expect(html).toContain('name="title"');
    expect(html).not.toContain('<!DOCTYPE');
    expect((await get(momo.viewer, '/incidents/new', 'modal')).status).toBe(403);
  });

  it('the list partial answers htmx filter requests without the page around it', async () => {
    const res = await get(momo.viewer, '/incidents?status=resolved', 'incident-list');
    const html = await res.text();
    expect(html).not.toContain('<aside');
    expect(html).toContain('resolved');
    expect(html).not.toMatch(/>open<\/span>/);
  });

  it('the create form re-renders with a message per field and stores nothing', async () => {
    const res = await post(momo.operator, '/incidents', { title: '', severity: '9', description: 'x'.repeat(10_001) });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('data-field-error="title"');
    expect(html).toContain('data-field-error="severity"');
    expect(html).toContain('data-field-error="description"');
    expect(html).toContain('aria-invalid="true"');
  });

  it('creating through the form shows the new incident with a toast; without htmx it redirects', async () => {
    const res = await post(momo.operator, '/incidents', { title: 'Form-made outage', severity: '2', description: 'via form' });
    expect(res.status).toBe(200);
    expect(res.headers.get('hx-trigger')).toContain('incidents:changed');
    const html = await res.text();
    expect(html).toContain('id="incident-detail"');
    expect(html).toContain('Form-made outage');
    const plain = await post(momo.operator, '/incidents', { title: 'Plain form', severity: '3' }, false);
    expect(plain.status).toBe(302);
    expect(plain.headers.get('location')).toMatch(/^\/incidents\/\d+$/);
  });

  it('the detail opens as a modal or a full page, and its buttons move the status', async () => {
    const id = Number((await (await t.api(momo.operator, 'POST', '/incidents', { title: 'Buttons', severity: 2 })).json() as { id: number }).id);
    const modal = await (await get(momo.viewer, `/incidents/${id}`, 'modal')).text();
    expect(modal).toContain('role="dialog"');
    expect(modal).not.toContain('data-action="resolved"');
    const full = await (await get(momo.operator, `/incidents/${id}`)).text();
    expect(full).toContain('<aside');
    expect(full).toContain('data-action="in_progress"');
    const progressed = await post(momo.operator, `/incidents/${id}`, { status: 'in_progress' });
    expect(progressed.status).toBe(200);
    expect(await progressed.text()).toContain('data-status="in_progress"');
    const illegal = await post(momo.operator, `/incidents/${id}`, { status: 'open' });
    expect(illegal.status).toBe(409);
    expect(await illegal.text()).toContain('cannot be moved');
    const resolved = await post(momo.operator, `/incidents/${id}`, { status: 'resolved' });
    expect(await resolved.text()).toContain('data-action="open"');
  });

  it('an operator takes an incident with the form; a viewer posting is refused', async () => {
    const id = Number((await (await t.api(momo.manager, 'POST', '/incidents', { title: 'Take via form', severity: 3 })).json() as { id: number }).id);
    const opId = (await t.db.selectFrom('users').select('id').where('email', '=', momo.operator).executeTakeFirstOrThrow()).id;
    const res = await post(momo.operator, `/incidents/${id}`, { assigned_to: String(opId) });
    expect(await res.text()).toContain('Momo Operator');
    const viewer = await post(momo.viewer, `/incidents/${id}`, { status: 'resolved' });
    expect(viewer.status).toBe(403);
    const row = await t.db.selectFrom('incidents').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('open');
  });

  it("another process's incident is a 404 page, to read or to post to", async () => {
    const id = Number((await (await t.api(momo.operator, 'POST', '/incidents', { title: 'Not for Ignite', severity: 3 })).json() as { id: number }).id);
    expect((await get(ignite.operator, `/incidents/${id}`)).status).toBe(404);
    expect((await post(ignite.manager, `/incidents/${id}`, { status: 'resolved' })).status).toBe(404);
    expect((await get(SUPER_ADMIN, `/incidents/${id}`)).status).toBe(200);
  });

  it('the super admin sees the Process column and must choose a process on the form', async () => {
    const html = await (await get(SUPER_ADMIN, '/incidents')).text();
    expect(html).toContain('>Process</th>');
    const form = await (await get(SUPER_ADMIN, '/incidents/new', 'modal')).text();
    expect(form).toContain('name="process_id"');
    const missing = await post(SUPER_ADMIN, '/incidents', { title: 'Where', severity: '3' });
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain('data-field-error="process_id"');
  });
});
