import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface TicketJson {
  id: number;
  process_id: number;
  process_slug: string;
  title: string;
  description: string | null;
  type: string;
  status: string;
  assigned_to: number | null;
  assignee_name: string | null;
  created_by: number | null;
  creator_name: string | null;
  incident_id: number | null;
  incident_title: string | null;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  history: { action: string; user_name: string | null; message: string; created_at: string }[];
}
interface ListJson { items: TicketJson[]; next_cursor: string | null }
interface ErrorJson { error: { code: string; message: string; fields?: Record<string, string> } }

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

type Table = 'tickets' | 'audit_log' | 'activity_log' | 'email_outbox';
async function count(t: TestApp, table: Table, where?: (q: any) => any): Promise<number> {
  let q: any = t.db.selectFrom(table).select(sql<number>`count(*)`.as('n'));
  if (where) q = where(q);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

async function userId(t: TestApp, email: string): Promise<number> {
  return (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

async function processId(t: TestApp, slug: string): Promise<number> {
  return (await t.db.selectFrom('processes').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
}

describe.each(DIALECTS)('tickets on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let igniteId: number;

  const create = async (email: string, body: Record<string, unknown>) => {
    const res = await t.api(email, 'POST', '/tickets', body);
    expect(res.status).toBe(201);
    return json<TicketJson>(res);
  };
  const patch = (email: string, id: number, body: unknown) => t.api(email, 'PATCH', `/tickets/${id}`, body);
  /** A form post from the signed-in browser (same origin), optionally as htmx. */
  const post = async (email: string, path: string, form: Record<string, string>, htmx = false) => t.request(path, {
    method: 'POST',
    headers: {
      cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded',
      ...(htmx ? { 'hx-request': 'true' } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });

  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = await processId(t, 'momo');
    igniteId = await processId(t, 'ignite');
  });
  afterAll(async () => t?.close());

  it('an operator creates a ticket: 201 with the record, an audit entry, an activity item, its history, and no email', async () => {
    const outbox = await count(t, 'email_outbox');
    const res = await t.api(momo.operator, 'POST', '/tickets', { title: 'Rotate partner API keys', description: 'Quarterly rotation', type: 'change' });
    expect(res.status).toBe(201);
    const tk = await json<TicketJson>(res);
    expect(tk).toMatchObject({
      title: 'Rotate partner API keys', description: 'Quarterly rotation', type: 'change', status: 'open',
      process_id: momoId, process_slug: 'momo', assigned_to: null, incident_id: null, closed_at: null,
      created_by: await userId(t, momo.operator), creator_name: 'Momo Operator',
    });
    expect(tk.created_at).toBe(t.clock.now().toISOString());
    expect(tk.created_at.endsWith('Z')).toBe(true);
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'ticket.create').where('entity_type', '=', 'ticket').where('entity_id', '=', tk.id))).toBe(1);
    const activity = await t.db.selectFrom('activity_log').selectAll().where('entity_type', '=', 'ticket').where('entity_id', '=', tk.id).execute();
    expect(activity).toHaveLength(1);
    expect(activity[0]).toMatchObject({ action: 'create', process_id: momoId, summary: 'Rotate partner API keys' });
    expect(tk.history).toHaveLength(1);
    expect(tk.history[0]).toMatchObject({ action: 'ticket.create', user_name: 'Momo Operator', message: 'Created as a change ticket' });
    expect(await count(t, 'email_outbox')).toBe(outbox);

    const got = await t.api(momo.viewer, 'GET', `/tickets/${tk.id}`);
    expect(got.status).toBe(200);
    expect((await json<TicketJson>(got)).title).toBe('Rotate partner API keys');
  });

  it('creates with an assignee of the same process and a linked incident of the same process', async () => {
    const incident = await t.db.selectFrom('incidents').select(['id', 'title']).where('process_id', '=', momoId).orderBy('id').executeTakeFirstOrThrow();
    const mgr = await userId(t, momo.manager);
    const tk = await create(momo.operator, { title: 'Follow up gateway', type: 'incident', assigned_to: mgr, incident_id: incident.id });
    expect(tk).toMatchObject({ assigned_to: mgr, assignee_name: 'Momo Manager', incident_id: incident.id, incident_title: incident.title });
    expect(tk.history[0].message).toContain('Assigned to Momo Manager');
    expect(tk.history[0].message).toContain(`Linked to incident #${incident.id}`);
    const row = await t.db.selectFrom('tickets').selectAll().where('id', '=', tk.id).executeTakeFirstOrThrow();
    expect(row.assigned_to).toBe(mgr);
    expect(row.incident_id).toBe(incident.id);
  });

  it('updates title, description, type, assignee and linked incident: 200, one audit entry with the changes, one activity item', async () => {
    const tk = await create(momo.operator, { title: 'Edit me', type: 'report' });
    const opId = await userId(t, momo.operator);
    const incident = await t.db.selectFrom('incidents').select('id').where('process_id', '=', momoId).orderBy('id', 'desc').executeTakeFirstOrThrow();
    t.clock.advance(60_000);
    const res = await patch(momo.operator, tk.id, { title: 'Edited', description: 'Now with words', type: 'access', assigned_to: opId, incident_id: incident.id });
    expect(res.status).toBe(200);
    const after = await json<TicketJson>(res);
    expect(after).toMatchObject({ title: 'Edited', description: 'Now with words', type: 'access', assigned_to: opId, incident_id: incident.id, status: 'open' });
    expect(after.updated_at).toBe(t.clock.now().toISOString());
    const audits = await t.db.selectFrom('audit_log').select(['action', 'changes', 'user_id']).where('entity_type', '=', 'ticket').where('entity_id', '=', tk.id).orderBy('id').execute();
    expect(audits.map((a) => a.action)).toEqual(['ticket.create', 'ticket.update']);
    expect(audits[1].user_id).toBe(opId);
    expect(JSON.parse(audits[1].changes!)).toMatchObject({ title: ['Edit me', 'Edited'], type: ['report', 'access'], assigned_to: [null, opId], incident_id: [null, incident.id] });
    expect(await count(t, 'activity_log', (q) => q.where('entity_type', '=', 'ticket').where('entity_id', '=', tk.id).where('action', '=', 'update'))).toBe(1);
    const update = after.history[1];
    expect(update.action).toBe('ticket.update');
    expect(update.message).toContain('Title changed to “Edited”');
    expect(update.message).toContain('Assigned to Momo Operator');
    // Unassign and unlink.
    const cleared = await json<TicketJson>(await patch(momo.operator, tk.id, { assigned_to: null, incident_id: null }));
    expect(cleared).toMatchObject({ assigned_to: null, incident_id: null });
    expect(cleared.history.at(-1)!.message).toContain('Unassigned');
    // Setting the values it already has is a 200 no-op with no audit entry.
    const before = await count(t, 'audit_log', (q) => q.where('entity_id', '=', tk.id).where('entity_type', '=', 'ticket'));
    expect((await patch(momo.operator, tk.id, { title: 'Edited', type: 'access' })).status).toBe(200);
    expect(await count(t, 'audit_log', (q) => q.where('entity_id', '=', tk.id).where('entity_type', '=', 'ticket'))).toBe(before);
  });

  it('follows the status rules: free moves among open/in progress/closed, closed reopens to open only (409 otherwise), same status is a no-op', async () => {
    const tk = await create(momo.operator, { title: 'Status rules', type: 'change' });
    const audits = () => count(t, 'audit_log', (q) => q.where('entity_type', '=', 'ticket').where('entity_id', '=', tk.id));

    const same = await patch(momo.operator, tk.id, { status: 'open' });
    expect(same.status).toBe(200);
    expect(await audits()).toBe(1);

    const progress = await json<TicketJson>(await patch(momo.operator, tk.id, { status: 'in_progress' }));
    expect(progress.status).toBe('in_progress');
    const back = await json<TicketJson>(await patch(momo.operator, tk.id, { status: 'open' }));
    expect(back.status).toBe('open');
    t.clock.advance(5 * 60_000);
    const closed = await json<TicketJson>(await patch(momo.operator, tk.id, { status: 'closed' }));
    expect(closed.status).toBe('closed');
    expect(closed.closed_at).toBe(t.clock.now().toISOString());
    expect(await audits()).toBe(4);

    const illegal = await patch(momo.operator, tk.id, { status: 'in_progress' });
    expect(illegal.status).toBe(409);
    expect((await json<ErrorJson>(illegal)).error.code).toBe('conflict');
    const row = await t.db.selectFrom('tickets').select(['status', 'closed_at']).where('id', '=', tk.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('closed');
    expect(row.closed_at).not.toBeNull();
    expect(await audits()).toBe(4);
    // A 409 changes nothing else in the same request either.
    expect((await patch(momo.operator, tk.id, { status: 'in_progress', title: 'Sneaky' })).status).toBe(409);
    expect((await t.db.selectFrom('tickets').select('title').where('id', '=', tk.id).executeTakeFirstOrThrow()).title).toBe('Status rules');

    const sameClosed = await patch(momo.operator, tk.id, { status: 'closed' });
    expect(sameClosed.status).toBe(200);
    expect((await json<TicketJson>(sameClosed)).closed_at).toBe(closed.closed_at);

    const reopened = await json<TicketJson>(await patch(momo.operator, tk.id, { status: 'open' }));
    expect(reopened.status).toBe('open');
    expect(reopened.closed_at).toBeNull();
    expect((await patch(momo.operator, tk.id, { status: 'in_progress' })).status).toBe(200);
    const closedFromProgress = await json<TicketJson>(await patch(momo.operator, tk.id, { status: 'closed' }));
    expect(closedFromProgress.status).toBe('closed');
    expect(closedFromProgress.history.map((h) => h.message)).toContain('Status changed from in progress to closed');
    expect(await count(t, 'activity_log', (q) => q.where('entity_type', '=', 'ticket').where('entity_id', '=', tk.id))).toBe(await audits());
  });

  it('filters by status and type, pages with a cursor without repeats, and refuses unknown filter values', async () => {
    await create(momo.operator, { title: 'Filter access', type: 'access' });
    const open = await json<ListJson>(await t.api(momo.viewer, 'GET', '/tickets?status=open'));
    expect(open.items.length).toBeGreaterThan(0);
    expect(open.items.every((i) => i.status === 'open')).toBe(true);
    const access = await json<ListJson>(await t.api(momo.viewer, 'GET', '/tickets?type=access'));
    expect(access.items.length).toBeGreaterThan(0);
    expect(access.items.every((i) => i.type === 'access')).toBe(true);
    const both = await json<ListJson>(await t.api(momo.viewer, 'GET', '/tickets?status=closed&type=report'));
    expect(both.items.every((i) => i.status === 'closed' && i.type === 'report')).toBe(true);
    expect(both.items.length).toBe(await count(t, 'tickets', (q) => q.where('process_id', '=', momoId).where('status', '=', 'closed').where('type', '=', 'report')));

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/tickets?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const p: ListJson = await json(await t.api(momo.viewer, 'GET', path));
      expect(p.items.length).toBeLessThanOrEqual(2);
      seen.push(...p.items.map((i) => i.id));
      cursor = p.next_cursor;
      pages += 1;
    } while (cursor && pages < 100);
    const total = await count(t, 'tickets', (q) => q.where('process_id', '=', momoId));
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);

    expect((await t.api(momo.viewer, 'GET', '/tickets?status=resolved')).status).toBe(400);
    expect((await t.api(momo.viewer, 'GET', '/tickets?type=bug')).status).toBe(400);
    expect((await t.api(momo.viewer, 'GET', '/tickets?cursor=zzz')).status).toBe(400);
    expect((await t.api(momo.viewer, 'GET', '/tickets/abc')).status).toBe(404);
    expect((await t.api(momo.viewer, 'GET', '/tickets/99999999')).status).toBe(404);
  });

  it.each([
    ['viewer', 403, momo.viewer],
    ['operator', 201, momo.operator],
    ['manager', 201, momo.manager],
    ['admin', 201, momo.admin],
  ])('a %s creating a ticket gets %i, may read, and may change a ticket only when operator or above', async (role, status, email) => {
    const before = await count(t, 'tickets');
    const res = await t.api(email, 'POST', '/tickets', { title: `By ${role}`, type: 'report' });
    expect(res.status).toBe(status);
    if (status === 403) expect(await count(t, 'tickets')).toBe(before);
    expect((await t.api(email, 'GET', '/tickets')).status).toBe(200);
    expect((await t.page(email, '/tickets')).status).toBe(200);
    const target = await create(momo.manager, { title: `Target for ${role}`, type: 'change' });
    expect((await t.api(email, 'GET', `/tickets/${target.id}`)).status).toBe(200);
    const p = await patch(email, target.id, { status: 'in_progress', assigned_to: await userId(t, momo.operator) });
    expect(p.status).toBe(status === 403 ? 403 : 200);
    const row = await t.db.selectFrom('tickets').select(['status', 'assigned_to']).where('id', '=', target.id).executeTakeFirstOrThrow();
    expect(row.status).toBe(status === 403 ? 'open' : 'in_progress');
  });

  it('operators may assign tickets to anyone active in their process (operator, manager or admin)', async () => {
    const tk = await create(momo.operator, { title: 'Assign around', type: 'access' });
    for (const email of [momo.manager, momo.admin, momo.operator]) {
      const res = await patch(momo.operator, tk.id, { assigned_to: await userId(t, email) });
      expect(res.status).toBe(200);
      expect((await json<TicketJson>(res)).assigned_to).toBe(await userId(t, email));
    }
  });

  it('a client gets 403 on the page and the API, even to read', async () => {
    const tk = await create(momo.operator, { title: 'Not for clients', type: 'report' });
    expect((await t.api(momo.client, 'GET', '/tickets')).status).toBe(403);
    expect((await t.api(momo.client, 'GET', `/tickets/${tk.id}`)).status).toBe(403);
    expect((await t.api(momo.client, 'POST', '/tickets', { title: 'x', type: 'report' })).status).toBe(403);
    expect((await patch(momo.client, tk.id, { status: 'closed' })).status).toBe(403);
    expect((await t.page(momo.client, '/tickets')).status).toBe(403);
    expect((await t.page(momo.client, `/tickets/${tk.id}`)).status).toBe(403);
    expect((await t.api(null, 'GET', '/tickets')).status).toBe(401);
  });

  it('a user of another process gets 404 for a Momo ticket and never sees it in lists; super_admin sees all and names the process to create', async () => {
    const tk = await create(momo.manager, { title: 'Momo private ticket', type: 'change' });
    expect((await t.api(ignite.admin, 'GET', `/tickets/${tk.id}`)).status).toBe(404);
    expect((await patch(ignite.admin, tk.id, { status: 'closed' })).status).toBe(404);
    expect((await patch(ignite.operator, tk.id, { title: 'Hijacked' })).status).toBe(404);
    expect((await t.page(ignite.admin, `/tickets/${tk.id}`)).status).toBe(404);
    const list = await json<ListJson>(await t.api(ignite.admin, 'GET', '/tickets?limit=200'));
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.every((i) => i.process_id === igniteId)).toBe(true);
    const page = await (await t.page(ignite.admin, '/tickets')).text();
    expect(page).not.toContain('Momo private ticket');
    const row = await t.db.selectFrom('tickets').select(['status', 'title']).where('id', '=', tk.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'open', title: 'Momo private ticket' });

    // The super admin reaches it and sees every process.
    expect((await t.api(SUPER_ADMIN, 'GET', `/tickets/${tk.id}`)).status).toBe(200);
    const all = await json<ListJson>(await t.api(SUPER_ADMIN, 'GET', '/tickets?limit=200'));
    expect(new Set(all.items.map((i) => i.process_id)).size).toBeGreaterThan(1);
    const onlyMomo = await json<ListJson>(await t.api(SUPER_ADMIN, 'GET', '/tickets?limit=200&process=momo'));
    expect(onlyMomo.items.every((i) => i.process_id === momoId)).toBe(true);
    const before = await count(t, 'tickets');
    const noProcess = await t.api(SUPER_ADMIN, 'POST', '/tickets', { title: 'Where?', type: 'report' });
    expect(noProcess.status).toBe(422);
    expect((await json<ErrorJson>(noProcess)).error.fields?.process_id).toBeTruthy();
    expect(await count(t, 'tickets')).toBe(before);
    const withProcess = await create(SUPER_ADMIN, { title: 'For Momo', type: 'report', process_id: momoId, assigned_to: await userId(t, momo.operator) });
    expect(withProcess.process_id).toBe(momoId);
    expect((await patch(SUPER_ADMIN, withProcess.id, { status: 'closed' })).status).toBe(200);
    // Everyone else's process_id is ignored.
    const ignored = await create(momo.operator, { title: 'Mine', type: 'report', process_id: igniteId });
    expect(ignored.process_id).toBe(momoId);
  });

  it.each([
    ['no title', { type: 'change' }, 'title'],
    ['an empty title', { title: '   ', type: 'change' }, 'title'],
    ['a title as a number', { title: 42, type: 'change' }, 'title'],
    ['a 201-character title', { title: 'x'.repeat(201), type: 'change' }, 'title'],
    ['no type', { title: 'x' }, 'type'],
    ['an unknown type', { title: 'x', type: 'bug' }, 'type'],
    ['a 100 kB description', { title: 'x', type: 'change', description: 'd'.repeat(100_000) }, 'description'],
    ['an unknown assignee', { title: 'x', type: 'change', assigned_to: 999_999 }, 'assigned_to'],
    ['an assignee that is not an id', { title: 'x', type: 'change', assigned_to: 'bob' }, 'assigned_to'],
    ['an unknown incident', { title: 'x', type: 'incident', incident_id: 999_999 }, 'incident_id'],
  ])('creating with %s answers 422 naming the field and stores nothing', async (_name, body, field) => {
    const tickets = await count(t, 'tickets');
    const audits = await count(t, 'audit_log');
    const res = await t.api(momo.operator, 'POST', '/tickets', body);
    expect(res.status).toBe(422);
    const err = await json<ErrorJson>(res);
    expect(err.error.code).toBe('validation_failed');
    expect(err.error.fields?.[field]).toBeTruthy();
    expect(await count(t, 'tickets')).toBe(tickets);
    expect(await count(t, 'audit_log')).toBe(audits);
  });

  it('refuses an assignee of another process, a viewer, a client or an inactive user, and an incident of another process', async () => {
    const igniteOp = await userId(t, ignite.operator);
    const viewer = await userId(t, momo.viewer);
    const client = await userId(t, momo.client);
    const igniteIncident = await t.db.selectFrom('incidents').select('id').where('process_id', '=', igniteId).executeTakeFirstOrThrow();
    const tickets = await count(t, 'tickets');
    for (const id of [igniteOp, viewer, client]) {
      const res = await t.api(momo.manager, 'POST', '/tickets', { title: 'Cross', type: 'access', assigned_to: id });
      expect(res.status).toBe(422);
      expect((await json<ErrorJson>(res)).error.fields?.assigned_to).toBeTruthy();
    }
    const crossIncident = await t.api(momo.manager, 'POST', '/tickets', { title: 'Cross', type: 'incident', incident_id: igniteIncident.id });
    expect(crossIncident.status).toBe(422);
    expect((await json<ErrorJson>(crossIncident)).error.fields?.incident_id).toBeTruthy();
    expect(await count(t, 'tickets')).toBe(tickets);

    const tk = await create(momo.manager, { title: 'Patch cross', type: 'access' });
    const audits = await count(t, 'audit_log');
    for (const body of [{ assigned_to: igniteOp }, { assigned_to: viewer }, { incident_id: igniteIncident.id }, { title: 'ok', assigned_to: igniteOp }]) {
      const res = await patch(momo.manager, tk.id, body);
      expect(res.status).toBe(422);
    }
    const after = await json<TicketJson>(await t.api(momo.manager, 'GET', `/tickets/${tk.id}`));
    expect(after).toMatchObject({ title: 'Patch cross', assigned_to: null, incident_id: null });
    expect(await count(t, 'audit_log')).toBe(audits);

    // A deactivated operator can no longer be picked.
    const deactivated = await t.db.insertInto('users').values({
      process_id: momoId, email: 'gone.momo@d2ctelcare.com', name: 'Gone Operator', password_hash: null, role: 'operator',
      is_active: false, phone: null, must_change_password: false, tokens_valid_after: t.clock.now(), created_at: t.clock.now(),
      updated_at: t.clock.now(),
    }).executeTakeFirstOrThrow();
    const goneId = Number(deactivated.insertId);
    expect((await patch(momo.manager, tk.id, { assigned_to: goneId })).status).toBe(422);
  });

  it('bad update bodies: malformed JSON 400, unknown status or type 422, empty title 422; nothing changes', async () => {
    const tk = await create(momo.operator, { title: 'Bad updates', type: 'report' });
    expect((await patch(momo.operator, tk.id, '{"status":')).status).toBe(400);
    expect((await patch(momo.operator, tk.id, '[1,2]')).status).toBe(400);
    for (const [body, field] of [[{ status: 'resolved' }, 'status'], [{ type: 'bug' }, 'type'], [{ title: '' }, 'title'], [{ description: 'd'.repeat(100_000) }, 'description']] as const) {
      const res = await patch(momo.operator, tk.id, body);
      expect(res.status).toBe(422);
      expect((await json<ErrorJson>(res)).error.fields?.[field]).toBeTruthy();
    }
    const row = await t.db.selectFrom('tickets').select(['title', 'status', 'type', 'description']).where('id', '=', tk.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ title: 'Bad updates', status: 'open', type: 'report', description: null });
  });

  it('the page lists tickets with type and status badges and tab counts from one grouped count', async () => {
    const res = await t.page(momo.operator, '/tickets');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-testid="ticket-table"');
    for (const type of ['incident', 'change', 'access', 'report']) expect(html).toContain(`data-ticket-type="${type}"`);
    expect(html).toMatch(/>open<\/span>/);
    expect(html).toMatch(/>closed<\/span>/);
    expect(html).toMatch(/>in progress<\/span>/);
    expect(html).toContain('data-testid="new-ticket"');
    const rows = await t.db.selectFrom('tickets').select(['status', sql<number>`count(*)`.as('n')]).where('process_id', '=', momoId).groupBy('status').execute();
    const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    const total = Object.values(by).reduce((a, b) => a + b, 0);
    expect(html).toContain(`data-count="all">${total}<`);
    for (const s of ['open', 'in_progress', 'closed']) expect(html).toContain(`data-count="${s}">${by[s] ?? 0}<`);

    // A tab and a type filter, as a full page and as the htmx partial.
    const filtered = await (await t.page(momo.operator, '/tickets?status=open&type=change')).text();
    const changeOpen = await count(t, 'tickets', (q) => q.where('process_id', '=', momoId).where('type', '=', 'change').where('status', '=', 'open'));
    const changeAll = await count(t, 'tickets', (q) => q.where('process_id', '=', momoId).where('type', '=', 'change'));
    expect(filtered).toContain(`data-count="open">${changeOpen}<`);
    expect(filtered).toContain(`data-count="all">${changeAll}<`);
    expect((filtered.match(/<tr class="hover:bg-slate-50" data-ticket=/g) ?? []).length).toBe(changeOpen);
    expect(filtered).not.toContain('data-ticket-type="report"');
    expect(filtered).toMatch(/aria-current="page" data-tab="open"/);
    const partial = await t.request('/tickets?type=access', { headers: { cookie: await t.cookie(momo.operator), 'hx-request': 'true', 'hx-target': 'tickets-board' } });
    const partialHtml = await partial.text();
    expect(partialHtml).not.toContain('<html');
    expect(partialHtml).toContain('data-testid="ticket-board"');
    expect(partialHtml).not.toContain('data-ticket-type="change"');
    // Unknown filters on the page are ignored, not an error.
    expect((await t.page(momo.operator, '/tickets?status=bogus&type=nope&cursor=zzz')).status).toBe(200);
  });

  it('a viewer sees the list and a read-only detail with history; no create button or edit form', async () => {
    const tk = await create(momo.operator, { title: 'Viewer can read', type: 'access', description: 'Some details' });
    const list = await (await t.page(momo.viewer, '/tickets')).text();
    expect(list).toContain('Viewer can read');
    expect(list).not.toContain('data-testid="new-ticket"');
    const detail = await (await t.page(momo.viewer, `/tickets/${tk.id}`)).text();
    expect(detail).toContain('Some details');
    expect(detail).not.toContain('data-testid="ticket-edit"');
    expect(detail).toContain('data-testid="ticket-history"');
    expect(detail).toContain('Momo Operator');
    expect((await t.page(momo.viewer, '/tickets/new')).status).toBe(403);
  });

  it('shows HTML in a title escaped on the list and detail pages', async () => {
    const tk = await create(momo.operator, { title: '<script>alert("x")</script> VPN', type: 'access' });
    expect(tk.title).toBe('<script>alert("x")</script> VPN');
    for (const path of ['/tickets', `/tickets/${tk.id}`]) {
      const html = await (await t.page(momo.operator, path)).text();
      expect(html).not.toContain('<script>alert("x")</script>');
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; VPN');
    }
  });

  it('the page forms create, change status (with 409 shown) and re-render field errors', async () => {
    const before = await count(t, 'tickets');
    const created = await post(momo.operator, '/tickets', { title: 'From the form', type: 'report', description: '', assigned_to: '', incident_id: '' });
    expect(created.status).toBe(302);
    const id = Number(created.headers.get('location')!.split('/').pop());
    expect(await count(t, 'tickets')).toBe(before + 1);
    const row = await t.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ title: 'From the form', type: 'report', status: 'open', assigned_to: null, incident_id: null, description: null });

    const bad = await post(momo.operator, '/tickets', { title: '', type: 'bug' }, true);
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain('data-field-error="title"');
    expect(badHtml).toContain('data-field-error="type"');
    expect(await count(t, 'tickets')).toBe(before + 1);

    const viaHtmx = await post(momo.operator, '/tickets', { title: 'Via htmx', type: 'change' }, true);
    expect(viaHtmx.status).toBe(200);
    expect(viaHtmx.headers.get('hx-retarget')).toBe('#modal');
    expect(viaHtmx.headers.get('hx-trigger')).toContain('tickets:changed');
    expect(await viaHtmx.text()).toContain('id="ticket-detail"');

    const closed = await post(momo.operator, `/tickets/${id}`, { status: 'closed' }, true);
    expect(closed.status).toBe(200);
    expect(await closed.text()).toContain('data-status="closed"');
    const conflict = await post(momo.operator, `/tickets/${id}`, { status: 'in_progress' }, true);
    expect(conflict.status).toBe(409);
    expect(await conflict.text()).toContain('data-form-error');
    const reopened = await post(momo.operator, `/tickets/${id}`, { status: 'open' });
    expect(reopened.status).toBe(302);
    expect((await t.db.selectFrom('tickets').select(['status', 'closed_at']).where('id', '=', id).executeTakeFirstOrThrow())).toEqual({ status: 'open', closed_at: null });
    const history = await (await t.page(momo.operator, `/tickets/${id}`)).text();
    expect(history).toContain('Status changed from open to closed');
    expect(history).toContain('Status changed from closed to open');

    // A viewer cannot post the forms.
    expect((await post(momo.viewer, `/tickets/${id}`, { status: 'closed' })).status).toBe(403);
    expect((await post(momo.viewer, '/tickets', { title: 'No', type: 'report' })).status).toBe(403);
  });
});
