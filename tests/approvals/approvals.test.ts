import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApproval } from '../../src/modules/approvals/service.js';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface ApprovalJson {
  id: number;
  process_id: number;
  type: string;
  title: string;
  details: string | null;
  status: string;
  note: string | null;
  submitted_by: number;
  submitter_name: string;
  reviewed_by: number | null;
  reviewer_name: string | null;
  subject_user_id: number | null;
  submitted_at: string;
  reviewed_at: string | null;
}

interface ErrorJson {
  error: { code: string; message: string; fields?: Record<string, string> };
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

type Table = 'approvals' | 'audit_log' | 'activity_log' | 'email_outbox' | 'users';

async function count(t: TestApp, table: Table, where?: (q: any) => any): Promise<number> {
  let q: any = t.db.selectFrom(table).select(sql<number>`count(*)`.as('n'));
  if (where) q = where(q);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Every row count a bad request must leave alone. */
async function snapshot(t: TestApp) {
  return Promise.all((['approvals', 'audit_log', 'activity_log', 'email_outbox'] as Table[]).map((tb) => count(t, tb)));
}

async function userId(t: TestApp, email: string): Promise<number> {
  return (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

async function processId(t: TestApp, slug: string): Promise<number> {
  return (await t.db.selectFrom('processes').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
}

async function mails(t: TestApp, approvalId: number, template?: string) {
  let q = t.db.selectFrom('email_outbox').select(['to_address', 'subject', 'text', 'html', 'template', 'status', 'process_id'])
    .where('entity_type', '=', 'approval').where('entity_id', '=', approvalId);
  if (template) q = q.where('template', '=', template);
  return q.orderBy('to_address').execute();
}

describe.each(DIALECTS)('approvals on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = await processId(t, 'momo');
  });
  afterAll(async () => t?.close());

  const submit = async (email: string, body: Record<string, unknown>) => t.api(email, 'POST', '/approvals', body);
  const decide = async (email: string, id: number, body: Record<string, unknown>) => t.api(email, 'PATCH', `/approvals/${id}`, body);

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

  it('an operator submits a change request: 201, audit and activity, and Approval Submitted to the managers and admins', async () => {
    const res = await submit(momo.operator, { type: 'change', title: 'Rotate the gateway TLS certificate', details: 'Tonight 22:00, 5 minutes.' });
    expect(res.status).toBe(201);
    const a = await json<ApprovalJson>(res);
    expect(a).toMatchObject({
      type: 'change', title: 'Rotate the gateway TLS certificate', details: 'Tonight 22:00, 5 minutes.', status: 'pending',
      process_id: momoId, submitted_by: await userId(t, momo.operator), submitter_name: 'Momo Operator',
      reviewed_by: null, reviewed_at: null, note: null, subject_user_id: null,
    });
    expect(a.submitted_at).toBe(t.clock.now().toISOString());
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'approval.create').where('entity_id', '=', a.id)
      .where('entity_type', '=', 'approval'))).toBe(1);
    expect(await count(t, 'activity_log', (q) => q.where('entity_type', '=', 'approval').where('entity_id', '=', a.id)
      .where('action', '=', 'create'))).toBe(1);
    const sent = await mails(t, a.id);
    expect(sent.map((m) => m.to_address).sort()).toEqual([momo.admin, momo.manager].sort());
    expect(sent.every((m) => m.template === 'approval.submitted' && m.status === 'queued' && m.process_id === momoId)).toBe(true);
    expect(sent[0].subject).toContain('Rotate the gateway TLS certificate');
    expect(sent[0].text).toContain('Momo Operator');
    expect(sent[0].text).toContain(`${BASE}/approvals`);
  });

  it('a manager submitting is not mailed about their own request; the admin is', async () => {
    const a = await json<ApprovalJson>(await submit(momo.manager, { type: 'access', title: 'VPN access for the new contractor' }));
    expect(a.type).toBe('access');
    expect((await mails(t, a.id)).map((m) => m.to_address)).toEqual([momo.admin]);
  });

  it('a manager approves with a note: who and when are recorded, audit and activity, Approval Decided to the submitter only', async () => {
    const a = await json<ApprovalJson>(await submit(momo.operator, { type: 'change', title: 'Scale the USSD workers to 6' }));
    t.clock.advance(7 * 60_000);
    const res = await decide(momo.manager, a.id, { status: 'approved', note: 'Go ahead after 18:00.' });
    expect(res.status).toBe(200);
    const d = await json<ApprovalJson>(res);
    expect(d).toMatchObject({
      status: 'approved', note: 'Go ahead after 18:00.', reviewed_by: await userId(t, momo.manager), reviewer_name: 'Momo Manager',
    });
    expect(d.reviewed_at).toBe(t.clock.now().toISOString());
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'approval.approved').where('entity_id', '=', a.id))).toBe(1);
    expect(await count(t, 'activity_log', (q) => q.where('entity_type', '=', 'approval').where('entity_id', '=', a.id)
      .where('action', '=', 'approved'))).toBe(1);
    const decided = await mails(t, a.id, 'approval.decided');
    expect(decided.map((m) => m.to_address)).toEqual([momo.operator]);
    expect(decided[0].subject).toContain('approved');
    expect(decided[0].text).toContain('Go ahead after 18:00.');
    expect(decided[0].text).toContain('Momo Manager');
  });

  it('an admin rejects: status, audit approval.rejected, and the submitter is told', async () => {
    const a = await json<ApprovalJson>(await submit(momo.operator, { type: 'access', title: 'Root on the billing database' }));
    const d = await json<ApprovalJson>(await decide(momo.admin, a.id, { status: 'rejected' }));
    expect(d).toMatchObject({ status: 'rejected', note: null, reviewer_name: 'Momo Admin' });
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'approval.rejected').where('entity_id', '=', a.id))).toBe(1);
    const decided = await mails(t, a.id, 'approval.decided');
    expect(decided.map((m) => m.to_address)).toEqual([momo.operator]);
    expect(decided[0].subject).toContain('rejected');
  });

  it('deciding an already decided request is 409 and changes nothing', async () => {
    const a = await json<ApprovalJson>(await submit(momo.operator, { type: 'change', title: 'Twice decided' }));
    expect((await decide(momo.manager, a.id, { status: 'approved' })).status).toBe(200);
    const before = await snapshot(t);
    for (const [who, status] of [[momo.admin, 'rejected'], [momo.manager, 'approved']] as const) {
      const res = await decide(who, a.id, { status, note: 'late' });
      expect(res.status).toBe(409);
      expect((await json<ErrorJson>(res)).error.code).toBe('conflict');
    }
    expect(await snapshot(t)).toEqual(before);
    const row = await t.db.selectFrom('approvals').select(['status', 'note', 'reviewed_by']).where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'approved', note: null, reviewed_by: await userId(t, momo.manager) });
  });

  it('nobody decides their own request (403, nothing changes); another manager or admin may', async () => {
    const a = await json<ApprovalJson>(await submit(momo.manager, { type: 'change', title: 'My own change' }));
    const before = await snapshot(t);
    const res = await decide(momo.manager, a.id, { status: 'approved' });
    expect(res.status).toBe(403);
    expect((await json<ErrorJson>(res)).error.code).toBe('forbidden');
    expect(await snapshot(t)).toEqual(before);
    expect((await json<ApprovalJson>(await t.api(momo.manager, 'GET', `/approvals/${a.id}`))).status).toBe('pending');
    expect((await decide(momo.admin, a.id, { status: 'approved' })).status).toBe(200);
  });

  it.each([
    ['viewer', momo.viewer],
    ['client', momo.client],
  ])('a %s gets 403 on the page and on every API call', async (_role, email) => {
    const pending = await json<ApprovalJson>(await submit(momo.operator, { type: 'change', title: `Seen by ${_role}?` }));
    const before = await snapshot(t);
    expect((await t.page(email, '/approvals')).status).toBe(403);
    expect((await t.page(email, '/approvals/new')).status).toBe(403);
    expect((await t.api(email, 'GET', '/approvals')).status).toBe(403);
    expect((await t.api(email, 'GET', `/approvals/${pending.id}`)).status).toBe(403);
    expect((await submit(email, { type: 'change', title: 'Nope' })).status).toBe(403);
    expect((await decide(email, pending.id, { status: 'approved' })).status).toBe(403);
    expect((await post(email, `/approvals/${pending.id}`, { status: 'approved' }, false)).status).toBe(403);
    expect(await snapshot(t)).toEqual(before);
  });

  it('an operator sees only their own requests and cannot decide; managers and admins see all', async () => {
    const mine = await json<ApprovalJson>(await submit(momo.operator, { type: 'change', title: 'Operator visible' }));
    const theirs = await json<ApprovalJson>(await submit(momo.manager, { type: 'change', title: 'Manager private' }));
    const opId = await userId(t, momo.operator);
    const list = await json<{ items: ApprovalJson[]; next_cursor: string | null }>(await t.api(momo.operator, 'GET', '/approvals?limit=200'));
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.every((a) => a.submitted_by === opId)).toBe(true);
    expect(list.items.map((a) => a.id)).toContain(mine.id);
    expect((await t.api(momo.operator, 'GET', `/approvals/${theirs.id}`)).status).toBe(404);
    expect((await t.api(momo.operator, 'GET', `/approvals/${mine.id}`)).status).toBe(200);
    const before = await snapshot(t);
    expect((await decide(momo.operator, theirs.id, { status: 'approved' })).status).toBe(403);
    expect(await snapshot(t)).toEqual(before);
    for (const email of [momo.manager, momo.admin]) {
      const all = await json<{ items: ApprovalJson[] }>(await t.api(email, 'GET', '/approvals?limit=200'));
      const ids = all.items.map((a) => a.id);
      expect(ids).toContain(mine.id);
      expect(ids).toContain(theirs.id);
      expect(all.items.every((a) => a.process_id === momoId)).toBe(true);
    }
    // The page says the same: the operator's list has no other submitter's request and no buttons.
    const page = await (await t.page(momo.operator, '/approvals')).text();
    expect(page).toContain('Operator visible');
    expect(page).not.toContain('Manager private');
    expect(page).not.toContain('data-action="approve"');
  });

  it('filters by status and pages with a cursor, newest first, without repeats', async () => {
    const pending = await json<{ items: ApprovalJson[] }>(await t.api(momo.manager, 'GET', '/approvals?status=pending'));
    expect(pending.items.length).toBeGreaterThan(0);
    expect(pending.items.every((a) => a.status === 'pending')).toBe(true);
    const approved = await json<{ items: ApprovalJson[] }>(await t.api(momo.manager, 'GET', '/approvals?status=approved'));
    expect(approved.items.every((a) => a.status === 'approved')).toBe(true);
    expect((await t.api(momo.manager, 'GET', '/approvals?status=maybe')).status).toBe(400);
    expect((await t.api(momo.manager, 'GET', '/approvals?cursor=zzz')).status).toBe(400);
    expect((await t.api(momo.manager, 'GET', '/approvals?limit=abc')).status).toBe(400);

    const seen: number[] = [];
    const times: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/approvals?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const p: { items: ApprovalJson[]; next_cursor: string | null } = await json(await t.api(momo.admin, 'GET', path));
      expect(p.items.length).toBeLessThanOrEqual(2);
      seen.push(...p.items.map((a) => a.id));
      times.push(...p.items.map((a) => a.submitted_at));
      cursor = p.next_cursor;
      pages += 1;
    } while (cursor && pages < 100);
    const total = await count(t, 'approvals', (q) => q.where('process_id', '=', momoId));
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it.each([
    ['an unknown type', { type: 'budget', title: 'x' }, 'type'],
    ['no type', { title: 'x' }, 'type'],
    ['no title', { type: 'change' }, 'title'],
    ['a blank title', { type: 'change', title: '   ' }, 'title'],
    ['a title as a number', { type: 'change', title: 42 }, 'title'],
    ['a 201-character title', { type: 'change', title: 'x'.repeat(201) }, 'title'],
    ['10,001 characters of details', { type: 'change', title: 'x', details: 'd'.repeat(10_001) }, 'details'],
  ])('submitting with %s answers 422 naming the field and stores nothing', async (_name, body, field) => {
    const before = await snapshot(t);
    const res = await submit(momo.operator, body);
    expect(res.status).toBe(422);
    const err = await json<ErrorJson>(res);
    expect(err.error.code).toBe('validation_failed');
    expect(err.error.fields?.[field]).toBeTruthy();
    expect(await snapshot(t)).toEqual(before);
  });

  it('a bad decision, a too-long note, malformed JSON and odd ids answer clearly and change nothing', async () => {
    const a = await json<ApprovalJson>(await submit(momo.operator, { type: 'change', title: 'Bad decisions' }));
    const before = await snapshot(t);
    const bad = await decide(momo.manager, a.id, { status: 'maybe' });
    expect(bad.status).toBe(422);
    expect((await json<ErrorJson>(bad)).error.fields?.status).toBeTruthy();
    expect((await decide(momo.manager, a.id, {})).status).toBe(422);
    expect((await decide(momo.manager, a.id, { status: 'pending' })).status).toBe(422);
    const long = await decide(momo.manager, a.id, { status: 'approved', note: 'n'.repeat(2_001) });
    expect(long.status).toBe(422);
    expect((await json<ErrorJson>(long)).error.fields?.note).toBeTruthy();
    expect((await t.api(momo.manager, 'PATCH', `/approvals/${a.id}`, '{"status":')).status).toBe(400);
    expect((await t.api(momo.manager, 'PATCH', `/approvals/${a.id}`, '[1]')).status).toBe(400);
    expect((await t.api(momo.manager, 'POST', '/approvals', '{nope')).status).toBe(400);
    expect((await t.api(momo.manager, 'GET', '/approvals/abc')).status).toBe(404);
    expect((await decide(momo.manager, 99_999_999, { status: 'approved' })).status).toBe(404);
    expect(await snapshot(t)).toEqual(before);
    expect((await json<ApprovalJson>(await t.api(momo.manager, 'GET', `/approvals/${a.id}`))).status).toBe('pending');
  });

  it('a user of another process gets 404 by id, to read or decide, and never sees it in lists', async () => {
    const a = await json<ApprovalJson>(await submit(momo.operator, { type: 'change', title: 'Momo only' }));
    const before = await snapshot(t);
    expect((await t.api(ignite.admin, 'GET', `/approvals/${a.id}`)).status).toBe(404);
    expect((await decide(ignite.admin, a.id, { status: 'approved' })).status).toBe(404);
    expect((await decide(ignite.manager, a.id, { status: 'rejected' })).status).toBe(404);
    expect((await post(ignite.admin, `/approvals/${a.id}`, { status: 'approved' }, false)).status).toBe(404);
    expect(await snapshot(t)).toEqual(before);
    const list = await json<{ items: ApprovalJson[] }>(await t.api(ignite.admin, 'GET', '/approvals?limit=200'));
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.every((i) => i.process_id !== momoId)).toBe(true);
    expect(await (await t.page(ignite.admin, '/approvals')).text()).not.toContain('Momo only');
  });

  it('the super admin sees every process, must name the process when submitting, and may decide', async () => {
    const a = await json<ApprovalJson>(await submit(momo.operator, { type: 'change', title: 'For the super admin' }));
    expect((await t.api(SUPER_ADMIN, 'GET', `/approvals/${a.id}`)).status).toBe(200);
    const all = await json<{ items: ApprovalJson[] }>(await t.api(SUPER_ADMIN, 'GET', '/approvals?limit=200'));
    expect(new Set(all.items.map((i) => i.process_id)).size).toBeGreaterThan(1);
    const onlyMomo = await json<{ items: ApprovalJson[] }>(await t.api(SUPER_ADMIN, 'GET', '/approvals?process=momo&limit=200'));
    expect(onlyMomo.items.every((i) => i.process_id === momoId)).toBe(true);
    const before = await snapshot(t);
    const where = await submit(SUPER_ADMIN, { type: 'change', title: 'Where?' });
    expect(where.status).toBe(422);
    expect((await json<ErrorJson>(where)).error.fields?.process_id).toBeTruthy();
    expect(await snapshot(t)).toEqual(before);
    const created = await submit(SUPER_ADMIN, { type: 'change', title: 'Platform-wide change', process_id: momoId });
    expect(created.status).toBe(201);
    const c = await json<ApprovalJson>(created);
    expect(c.process_id).toBe(momoId);
    expect((await mails(t, c.id)).map((m) => m.to_address).sort()).toEqual([momo.admin, momo.manager].sort());
    // Momo's managers see and decide it; the super admin cannot decide their own.
    expect((await decide(SUPER_ADMIN, c.id, { status: 'approved' })).status).toBe(403);
    expect((await decide(SUPER_ADMIN, a.id, { status: 'approved' })).status).toBe(200);
    expect((await decide(momo.manager, c.id, { status: 'rejected' })).status).toBe(200);
    // Everyone else's process_id is ignored.
    const igniteId = await processId(t, 'ignite');
    const ignored = await json<ApprovalJson>(await submit(momo.operator, { type: 'change', title: 'Mine, not Ignite', process_id: igniteId }));
    expect(ignored.process_id).toBe(momoId);
  });

  it('approving a self-registration access request activates the account and emails its owner a sign-in link', async () => {
    const now = t.clock.now();
    const clientId = (await t.db.insertInto('users').values({
      process_id: momoId, email: 'new.stakeholder@momo.com', name: 'New Stakeholder', password_hash: null, role: 'client',
      is_active: false, must_change_password: false, tokens_valid_after: new Date(0), created_at: now, updated_at: now,
    }).executeTakeFirstOrThrow()).insertId;
    const subject = Number(clientId);
    const approvalId = await t.db.transaction().execute((trx) => insertApproval(trx, null, {
      processId: momoId, type: 'access', title: 'Access for New Stakeholder (new.stakeholder@momo.com)', details: 'Self-registration',
      submittedBy: subject, subjectUserId: subject,
    }, now, { appUrl: BASE }));
    // It appears on the managers' list and page like any request.
    const listed = await json<{ items: ApprovalJson[] }>(await t.api(momo.manager, 'GET', '/approvals?status=pending&limit=200'));
    expect(listed.items.find((a) => a.id === approvalId)?.subject_user_id).toBe(subject);
    expect(await (await t.page(momo.manager, '/approvals')).text()).toContain('Access for New Stakeholder');

    t.clock.advance(60_000);
    const res = await decide(momo.admin, approvalId, { status: 'approved', note: 'Welcome aboard' });
    expect(res.status).toBe(200);
    const user = await t.db.selectFrom('users').select(['is_active']).where('id', '=', subject).executeTakeFirstOrThrow();
    expect(Boolean(user.is_active)).toBe(true);
    const sent = await mails(t, approvalId, 'approval.access_approved');
    expect(sent.map((m) => m.to_address)).toEqual(['new.stakeholder@momo.com']);
    expect(sent[0].subject).toBe('Your access has been approved');
    expect(sent[0].text).toContain(`${BASE}/login`);
    expect(sent[0].html).toContain(`${BASE}/login`);
    // One email to that person: no separate Approval Decided on top.
    expect(await mails(t, approvalId, 'approval.decided')).toHaveLength(0);
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'user.activate').where('entity_id', '=', subject))).toBe(1);
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'approval.approved').where('entity_id', '=', approvalId))).toBe(1);
  });

  it('rejecting an access request leaves its account inactive; an ordinary access request activates nobody', async () => {
    const now = t.clock.now();
    const subject = Number((await t.db.insertInto('users').values({
      process_id: momoId, email: 'refused@momo.com', name: 'Refused Person', password_hash: null, role: 'client',
      is_active: false, must_change_password: false, tokens_valid_after: new Date(0), created_at: now, updated_at: now,
    }).executeTakeFirstOrThrow()).insertId);
    const approvalId = await t.db.transaction().execute((trx) => insertApproval(trx, null, {
      processId: momoId, type: 'access', title: 'Access for Refused Person', details: null, submittedBy: subject, subjectUserId: subject,
    }, now, { appUrl: BASE }));
    expect((await decide(momo.manager, approvalId, { status: 'rejected', note: 'Unknown company' })).status).toBe(200);
    const user = await t.db.selectFrom('users').select(['is_active']).where('id', '=', subject).executeTakeFirstOrThrow();
    expect(Boolean(user.is_active)).toBe(false);
    expect(await mails(t, approvalId, 'approval.access_approved')).toHaveLength(0);
    expect((await mails(t, approvalId, 'approval.decided')).map((m) => m.to_address)).toEqual(['refused@momo.com']);

    const usersBefore = await count(t, 'users', (q) => q.where('is_active', '=', true));
    const plain = await json<ApprovalJson>(await submit(momo.operator, { type: 'access', title: 'Grafana editor role' }));
    expect((await decide(momo.manager, plain.id, { status: 'approved' })).status).toBe(200);
    expect(await count(t, 'users', (q) => q.where('is_active', '=', true))).toBe(usersBefore);
    expect(await mails(t, plain.id, 'approval.access_approved')).toHaveLength(0);
  });

  it('the page lists pending requests first with Approve / Reject (reject asks first) and decided ones below with who and when', async () => {
    const op = await json<ApprovalJson>(await submit(momo.operator, { type: 'change', title: 'Page pending by operator' }));
    const own = await json<ApprovalJson>(await submit(momo.manager, { type: 'change', title: 'Page pending by manager' }));
    const res = await get(momo.manager, '/approvals');
    expect(res.status).toBe(200);
    const html = await res.text();
    const pendingAt = html.indexOf('data-testid="pending-approvals"');
    const decidedAt = html.indexOf('data-testid="decided-approvals"');
    expect(pendingAt).toBeGreaterThan(0);
    expect(decidedAt).toBeGreaterThan(pendingAt);
    expect(html.indexOf('Page pending by operator')).toBeGreaterThan(pendingAt);
    expect(html.indexOf('Page pending by operator')).toBeLessThan(decidedAt);
    // The seeded decided requests show who decided.
    expect(html.slice(decidedAt)).toContain('Approved');
    expect(html.slice(decidedAt)).toMatch(/by <span[^>]*>Momo (Manager|Admin)<\/span>/);
    // The operator's request has both buttons; the reject form confirms first.
    const card = (id: number) => {
      const start = html.indexOf(`data-approval="${id}"`);
      return html.slice(start, html.indexOf('</li>', start));
    };
    expect(card(op.id)).toContain('data-action="approve"');
    expect(card(op.id)).toContain('data-action="reject"');
    expect(card(op.id)).toMatch(/<form[^>]*hx-confirm="Reject[^"]*"[^>]*data-testid="reject-form"/);
    expect(card(op.id)).toContain('name="note"');
    // Their own request has neither.
    expect(card(own.id)).not.toContain('data-action="approve"');
    expect(card(own.id)).toContain('Your own request');
    const modal = await get(momo.operator, '/approvals/new', 'modal');
    expect(modal.status).toBe(200);
    const form = await modal.text();
    expect(form).toContain('role="dialog"');
    expect(form).toContain('name="type"');
    expect(form).toContain('name="title"');
    expect(form).toContain('name="details"');
  });

  it('the page form submits (closing the modal), re-renders field errors, and decides through htmx', async () => {
    const before = await count(t, 'approvals');
    const bad = await post(momo.operator, '/approvals', { type: 'budget', title: '' });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain('data-field-error="type"');
    expect(badHtml).toContain('data-field-error="title"');
    expect(await count(t, 'approvals')).toBe(before);

    const ok = await post(momo.operator, '/approvals', { type: 'change', title: 'Submitted from the modal', details: 'Via htmx' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('hx-retarget')).toBe('#modal');
    expect(ok.headers.get('hx-trigger')).toContain('approvals:changed');
    const row = await t.db.selectFrom('approvals').selectAll().where('title', '=', 'Submitted from the modal').executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');

    const decided = await post(momo.manager, `/approvals/${row.id}`, { status: 'approved', note: 'From the page' });
    expect(decided.status).toBe(200);
    const list = await decided.text();
    expect(list).not.toContain('<aside');
    expect(list).toContain('From the page');
    expect(decided.headers.get('hx-trigger')).toContain('toast');
    // A second click answers 409 with the list re-rendered and an error toast.
    const again = await post(momo.admin, `/approvals/${row.id}`, { status: 'rejected' });
    expect(again.status).toBe(409);
    expect(again.headers.get('hx-trigger')).toContain('error');
    expect((await t.db.selectFrom('approvals').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status).toBe('approved');
    // Without htmx: a redirect with a flash.
    const plain = await json<ApprovalJson>(await submit(momo.operator, { type: 'change', title: 'Plain form' }));
    const redirect = await post(momo.manager, `/approvals/${plain.id}`, { status: 'rejected' }, false);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/approvals');
    const ownPlain = await json<ApprovalJson>(await submit(momo.manager, { type: 'change', title: 'Own plain form' }));
    expect((await post(momo.manager, `/approvals/${ownPlain.id}`, { status: 'approved' }, false)).status).toBe(403);
    const partial = await get(momo.manager, '/approvals', 'approval-list');
    expect(await partial.text()).not.toContain('<aside');
  });

  it('shows HTML in a title, details and note escaped', async () => {
    const evil = '<script>alert("x")</script> <img src=x onerror=alert(1)>';
    const a = await json<ApprovalJson>(await submit(momo.operator, { type: 'change', title: `${evil} title`, details: `${evil} details` }));
    expect((await decide(momo.manager, a.id, { status: 'rejected', note: `${evil} note` })).status).toBe(200);
    const html = await (await t.page(momo.manager, '/approvals')).text();
    expect(html).not.toContain('<script>alert("x")</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const sent = await mails(t, a.id, 'approval.decided');
    expect(sent[0].html).not.toContain('<script>alert');
  });
});
