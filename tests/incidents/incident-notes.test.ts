import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface Entry { id: number; kind: string; message: string; user_id: number | null; user_name: string | null; created_at: string }

describe.each(DIALECTS)('notes on an incident\'s timeline, on %s', (dialect) => {
  let t: TestApp;
  let incidentId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    const res = await t.api(momo.operator, 'POST', '/incidents', { title: 'Checkout slow', severity: 2 });
    incidentId = ((await res.json()) as { id: number }).id;
  });
  afterAll(async () => t?.close());

  const timeline = async (email: string) => ((await (await t.api(email, 'GET', `/incidents/${incidentId}`)).json()) as { timeline: Entry[] }).timeline;
  const notes = async (email = momo.manager) => (await timeline(email)).filter((e) => e.kind === 'note').map((e) => e.message);
  const auditNotes = async () => (await t.db.selectFrom('audit_log').select('id').where('action', '=', 'incident.note').execute()).length;

  async function postForm(email: string, path: string, fields: Record<string, string>, htmx = true) {
    const headers: Record<string, string> = { cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded' };
    if (htmx) headers['hx-request'] = 'true';
    return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  }

  it('an operator adds a note through the API: 201 with the entry, on the timeline with who and when, in the audit log', async () => {
    t.clock.advance(60_000);
    const res = await t.api(momo.operator, 'POST', `/incidents/${incidentId}/notes`, { note: 'Restarted pod checkout-7;\nlatency back to 120 ms.' });
    expect(res.status).toBe(201);
    const entry = await res.json() as Entry;
    expect(entry).toMatchObject({ kind: 'note', message: 'Restarted pod checkout-7;\nlatency back to 120 ms.', user_name: 'Momo Operator', created_at: t.clock.now().toISOString() });
    expect((await timeline(momo.viewer)).at(-1)).toEqual(entry);
    const audit = await t.db.selectFrom('audit_log').select(['user_id', 'entity_id', 'process_id']).where('action', '=', 'incident.note').executeTakeFirstOrThrow();
    expect(audit.entity_id).toBe(incidentId);
    expect(audit.user_id).toBe(entry.user_id);
    // No email: a note is the team's log, not an event the matrix mails.
    const mails = await t.db.selectFrom('email_outbox').select('subject').where('created_at', '=', t.clock.now()).execute();
    expect(mails).toEqual([]);
  });

  it('the incident page shows notes as written (escaped) and adds one through the form, with a toast', async () => {
    const res = await postForm(momo.manager, `/incidents/${incidentId}/notes`, { note: '<script>alert(1)</script> vendor ticket #8812' });
    expect(res.status).toBe(200);
    expect(res.headers.get('hx-trigger') ?? '').toContain('Note added');
    const html = await res.text();
    expect(html).toContain('data-testid="timeline-note"');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; vendor ticket #8812');
    expect(html).not.toContain('<script>alert(1)</script>');
    const plain = await postForm(momo.manager, `/incidents/${incidentId}/notes`, { note: 'Without htmx' }, false);
    expect(plain.status).toBe(302);
    expect(plain.headers.get('location')).toBe(`/incidents/${incidentId}`);
    expect(await notes()).toContain('Without htmx');
  });

  it('refuses an empty, blank, too long or control-character note with a message on the field, and stores nothing', async () => {
    const before = await notes();
    const audits = await auditNotes();
    for (const note of ['', '   ', 'x'.repeat(5001), 'bad\u0000byte']) {
      const api = await t.api(momo.operator, 'POST', `/incidents/${incidentId}/notes`, { note });
      expect(api.status, JSON.stringify(note.slice(0, 10))).toBe(422);
      expect(((await api.json()) as { error: { fields: Record<string, string> } }).error.fields.note).toBeTruthy();
    }
    for (const body of [{}, { note: 42 }, { note: ['a'] }]) {
      expect((await t.api(momo.operator, 'POST', `/incidents/${incidentId}/notes`, body)).status).toBe(422);
    }
    expect((await t.api(momo.operator, 'POST', `/incidents/${incidentId}/notes`, '{not json')).status).toBe(400);
    const page = await postForm(momo.operator, `/incidents/${incidentId}/notes`, { note: '' });
    expect(page.status).toBe(422);
    expect(await page.text()).toContain('data-field-error="note"');
    expect(await notes()).toEqual(before);
    expect(await auditNotes()).toBe(audits);
  });

  it('only those who work incidents may add notes; viewers and clients get 403, another process 404, unknown ids 404', async () => {
    for (const email of [momo.viewer, momo.client]) {
      expect((await t.api(email, 'POST', `/incidents/${incidentId}/notes`, { note: 'x' })).status, email).toBe(403);
      expect((await postForm(email, `/incidents/${incidentId}/notes`, { note: 'x' })).status, email).toBe(403);
    }
    for (const email of [ignite.admin, ignite.operator]) {
      expect((await t.api(email, 'POST', `/incidents/${incidentId}/notes`, { note: 'x' })).status, email).toBe(404);
    }
    expect((await t.api(momo.operator, 'POST', '/incidents/999999/notes', { note: 'x' })).status).toBe(404);
    expect((await t.api(momo.operator, 'POST', '/incidents/abc/notes', { note: 'x' })).status).toBe(404);
    expect((await t.api(null, 'POST', `/incidents/${incidentId}/notes`, { note: 'x' })).status).toBe(401);
    for (const email of [momo.admin, SUPER_ADMIN]) {
      expect((await t.api(email, 'POST', `/incidents/${incidentId}/notes`, { note: `from ${email}` })).status, email).toBe(201);
    }
    expect(await notes()).not.toContain('x');
  });

  it('a client follows the incident\'s course but not the team\'s notes; the form is shown only to those who may write', async () => {
    const client = await timeline(momo.client);
    expect(client.length).toBeGreaterThan(0);
    expect(client.some((e) => e.kind === 'note')).toBe(false);
    const clientPage = await (await t.page(momo.client, `/incidents/${incidentId}`)).text();
    expect(clientPage).not.toContain('vendor ticket #8812');
    expect(clientPage).not.toContain('data-testid="note-form"');
    const viewerPage = await (await t.page(momo.viewer, `/incidents/${incidentId}`)).text();
    expect(viewerPage).toContain('vendor ticket #8812');
    expect(viewerPage).not.toContain('data-testid="note-form"');
    expect(await (await t.page(momo.operator, `/incidents/${incidentId}`)).text()).toContain('data-testid="note-form"');
    // Nor does the activity feed tell a client that a note was written; the team's feed does.
    const feed = async (email: string, query = '') => ((await (await t.api(email, 'GET', `/activity?limit=200${query}`)).json()) as { items: { action: string; entity_id: number }[] }).items
      .filter((i) => i.entity_id === incidentId).map((i) => i.action);
    expect(await feed(momo.viewer)).toContain('note');
    expect(await feed(momo.client)).not.toContain('note');
    expect(await feed(momo.client, '&type=incident')).not.toContain('note');
    expect(await feed(momo.client)).toContain('create');
  });
});
