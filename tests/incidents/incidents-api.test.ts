import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendUnattendedReminders } from '../../src/modules/incidents/reminders.js';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface IncidentJson {
  id: number;
  process_id: number;
  title: string;
  description: string | null;
  severity: number;
  status: string;
  assigned_to: number | null;
  opened_at: string;
  resolved_at: string | null;
  rca: string | null;
  reminder_sent_at: string | null;
  assignee_name: string | null;
  timeline: { kind: string; message: string; created_at: string }[];
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

async function count(t: TestApp, table: 'incidents' | 'audit_log' | 'email_outbox' | 'incident_events' | 'activity_log', where?: (q: any) => any): Promise<number> {
  let q: any = t.db.selectFrom(table).select(sql<number>`count(*)`.as('n'));
  if (where) q = where(q);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

async function userId(t: TestApp, email: string): Promise<number> {
  return (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

describe.each(DIALECTS)('incidents API on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  it('an operator opens an incident: 201, timeline, audit, activity and a New Incident email to every user of the process', async () => {
    const users = await count(t, 'incidents', () => t.db.selectFrom('users').select(sql<number>`count(*)`.as('n'))
      .where('process_id', '=', momoId).where('is_active', '=', true));
    const res = await t.api(momo.operator, 'POST', '/incidents', { title: 'Checkout API 502s', description: 'Customers see errors', severity: 1 });
    expect(res.status).toBe(201);
    const inc = await json<IncidentJson>(res);
    expect(inc).toMatchObject({ title: 'Checkout API 502s', severity: 1, status: 'open', process_id: momoId, assigned_to: null, resolved_at: null });
    expect(inc.opened_at).toBe(t.clock.now().toISOString());
    expect(inc.timeline.map((e) => e.kind)).toEqual(['created', 'email']);
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'incident.create').where('entity_id', '=', inc.id))).toBe(1);
    expect(await count(t, 'activity_log', (q) => q.where('entity_type', '=', 'incident').where('entity_id', '=', inc.id))).toBe(1);
    const mails = await t.db.selectFrom('email_outbox').select(['to_address', 'subject', 'template', 'status'])
      .where('entity_type', '=', 'incident').where('entity_id', '=', inc.id).execute();
    expect(mails.length).toBe(users);
    expect(mails.every((m) => m.template === 'incident.created' && m.status === 'queued')).toBe(true);
    expect(mails.map((m) => m.to_address)).toContain(momo.client);
    expect(mails.map((m) => m.to_address)).toContain(momo.viewer);
    expect(mails[0].subject).toContain('Checkout API 502s');
  });

  it('assigning emails only the assignee; the status flow emails everyone and the resolved email says how long it took', async () => {
    const created = await json<IncidentJson>(await t.api(momo.manager, 'POST', '/incidents', { title: 'Airtime API slow', severity: 2 }));
    const opId = await userId(t, momo.operator);
    const assigned = await t.api(momo.manager, 'PATCH', `/incidents/${created.id}`, { assigned_to: opId });
    expect(assigned.status).toBe(200);
    expect((await json<IncidentJson>(assigned)).assignee_name).toBe('Momo Operator');
    const toAssignee = await t.db.selectFrom('email_outbox').select(['to_address']).where('entity_id', '=', created.id).where('template', '=', 'incident.assigned').execute();
    expect(toAssignee.map((m) => m.to_address)).toEqual([momo.operator]);

    t.clock.advance(5 * 60_000);
    const progress = await json<IncidentJson>(await t.api(momo.operator, 'PATCH', `/incidents/${created.id}`, { status: 'in_progress' }));
    expect(progress.status).toBe('in_progress');
    t.clock.advance(12 * 60_000);
    const resolved = await json<IncidentJson>(await t.api(momo.operator, 'PATCH', `/incidents/${created.id}`, { status: 'resolved', rca: 'Connection pool exhausted' }));
    expect(resolved.status).toBe('resolved');
    expect(resolved.rca).toBe('Connection pool exhausted');
    expect(new Date(resolved.resolved_at!).getTime() - new Date(resolved.opened_at).getTime()).toBe(17 * 60_000);
    const resolvedMail = await t.db.selectFrom('email_outbox').select(['subject', 'text']).where('entity_id', '=', created.id).where('template', '=', 'incident.resolved').execute();
    expect(resolvedMail.length).toBeGreaterThan(1);
    expect(resolvedMail[0].subject + resolvedMail[0].text).toContain('17m');
    const inProgressMails = await count(t, 'email_outbox', (q) => q.where('entity_id', '=', created.id).where('template', '=', 'incident.in_progress'));
    expect(inProgressMails).toBe(resolvedMail.length);
    const kinds = resolved.timeline.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'status')).toHaveLength(2);
    expect(kinds).toContain('rca');
    expect(kinds).toContain('assigned');
  });

  it('follows the status rules: illegal moves are 409, the same status is a 200 no-op, reopen works', async () => {
    const inc = await json<IncidentJson>(await t.api(momo.operator, 'POST', '/incidents', { title: 'Status rules', severity: 3 }));
    const same = await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { status: 'open' });
    expect(same.status).toBe(200);
    expect((await json<IncidentJson>(same)).timeline.filter((e) => e.kind === 'status')).toHaveLength(0);
    expect((await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { status: 'in_progress' })).status).toBe(200);
    const back = await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { status: 'open' });
    expect(back.status).toBe(409);
    expect((await json<{ error: { code: string } }>(back)).error.code).toBe('conflict');
    expect((await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { status: 'resolved' })).status).toBe(200);
    expect((await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { status: 'in_progress' })).status).toBe(409);
    const reopened = await json<IncidentJson>(await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { status: 'open' }));
    expect(reopened.status).toBe('open');
    expect(reopened.resolved_at).toBeNull();
    const row = await t.db.selectFrom('incidents').select('status').where('id', '=', inc.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('open');
  });

  it('four requests resolving at once all answer 200 (the same status is a no-op), and it is resolved once', async () => {
    const inc = await json<IncidentJson>(await t.api(momo.operator, 'POST', '/incidents', { title: 'Resolved by everyone at once', severity: 3 }));
    const who = [momo.operator, momo.manager, momo.admin, momo.operator];
    const results = await Promise.all(who.map((email) => t.api(email, 'PATCH', `/incidents/${inc.id}`, { status: 'resolved' })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const after = await json<IncidentJson>(await t.api(momo.viewer, 'GET', `/incidents/${inc.id}`));
    expect(after.status).toBe('resolved');
    expect(after.timeline.filter((e) => e.kind === 'status')).toHaveLength(1);
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'incident.update').where('entity_id', '=', inc.id))).toBe(1);
  });

  it('an operator may take an incident but not assign it to someone else; a manager may', async () => {
    const inc = await json<IncidentJson>(await t.api(momo.manager, 'POST', '/incidents', { title: 'Take me', severity: 3 }));
    const mgrId = await userId(t, momo.manager);
    const opId = await userId(t, momo.operator);
    const other = await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { assigned_to: mgrId });
    expect(other.status).toBe(403);
    const take = await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { assigned_to: opId });
    expect(take.status).toBe(200);
    expect((await json<IncidentJson>(take)).assigned_to).toBe(opId);
    expect(await count(t, 'email_outbox', (q) => q.where('entity_id', '=', inc.id).where('template', '=', 'incident.assigned'))).toBe(0);
    const create = await t.api(momo.operator, 'POST', '/incidents', { title: 'Assign on create', severity: 3, assigned_to: mgrId });
    expect(create.status).toBe(403);
  });

  it.each([
    ['no title', { severity: 2 }, 'title'],
    ['an empty title', { title: '   ', severity: 2 }, 'title'],
    ['severity 7', { title: 'x', severity: 7 }, 'severity'],
    ['severity as text', { title: 'x', severity: 'high' }, 'severity'],
    ['a title as a number', { title: 42, severity: 2 }, 'title'],
    ['a 201-character title', { title: 'x'.repeat(201), severity: 2 }, 'title'],
    ['a 100 kB description', { title: 'x', severity: 2, description: 'd'.repeat(100_000) }, 'description'],
    ['an unknown assignee', { title: 'x', severity: 2, assigned_to: 999_999 }, 'assigned_to'],
  ])('creating with %s answers 422 naming the field and stores nothing', async (_name, body, field) => {
    const before = await count(t, 'incidents');
    const outbox = await count(t, 'email_outbox');
    const res = await t.api(momo.manager, 'POST', '/incidents', body);
    expect(res.status).toBe(422);
    const err = await json<{ error: { code: string; fields: Record<string, string> } }>(res);
    expect(err.error.code).toBe('validation_failed');
    expect(err.error.fields[field]).toBeTruthy();
    expect(await count(t, 'incidents')).toBe(before);
    expect(await count(t, 'email_outbox')).toBe(outbox);
  });

  it('refuses an assignee from another process, a viewer and a client', async () => {
    const igniteOp = await userId(t, ignite.operator);
    const viewer = await userId(t, momo.viewer);
    const client = await userId(t, momo.client);
    for (const id of [igniteOp, viewer, client]) {
      const res = await t.api(momo.manager, 'POST', '/incidents', { title: 'Cross', severity: 2, assigned_to: id });
      expect(res.status).toBe(422);
    }
    const inc = await json<IncidentJson>(await t.api(momo.manager, 'POST', '/incidents', { title: 'Patch cross', severity: 2 }));
    const patch = await t.api(momo.manager, 'PATCH', `/incidents/${inc.id}`, { assigned_to: igniteOp });
    expect(patch.status).toBe(422);
    expect((await json<IncidentJson>(await t.api(momo.manager, 'GET', `/incidents/${inc.id}`))).assigned_to).toBeNull();
  });

  it('malformed JSON is 400 and a bad status value is 422', async () => {
    const inc = await json<IncidentJson>(await t.api(momo.manager, 'POST', '/incidents', { title: 'Bad input', severity: 2 }));
    expect((await t.api(momo.manager, 'PATCH', `/incidents/${inc.id}`, '{"status":')).status).toBe(400);
    expect((await t.api(momo.manager, 'PATCH', `/incidents/${inc.id}`, { status: 'closed' })).status).toBe(422);
    expect((await t.api(momo.manager, 'GET', '/incidents/abc')).status).toBe(404);
    expect((await t.api(momo.manager, 'GET', '/incidents?status=bogus')).status).toBe(400);
    expect((await t.api(momo.manager, 'GET', '/incidents?cursor=zzz')).status).toBe(400);
    // A cursor of the right shape whose instant is no instant (was a 500 from toISOString).
    for (const at of ['2026-05-09T99:99:99.999Z', '2026-02-30T00:00:00.000Z']) {
      const cursor = Buffer.from(`${at}|5`).toString('base64url');
      for (const list of ['/incidents', '/oncall', '/audit-log', '/activity']) {
        const res = await t.api(SUPER_ADMIN, 'GET', `${list}?cursor=${cursor}`);
        expect(res.status, `${list} ${at}`).toBe(400);
        expect((await json<{ error: { code: string } }>(res)).error.code).toBe('bad_request');
      }
    }
  });

  it('refuses control characters in text (422 naming the field) but keeps tabs and line breaks', async () => {
    for (const bad of ['NUL\u0000byte', 'escape\u001b[31m', 'delete\u007f']) {
      const res = await t.api(momo.manager, 'POST', '/incidents', { title: bad, severity: 2 });
      expect(res.status, JSON.stringify(bad)).toBe(422);
      expect((await json<{ error: { fields: Record<string, string> } }>(res)).error.fields.title).toMatch(/control character/);
    }
    const ok = await t.api(momo.manager, 'POST', '/incidents', { title: 'Multi-line', description: 'first line\r\n\tindented', severity: 2 });
    expect(ok.status).toBe(201);
    expect((await json<IncidentJson & { description: string }>(ok)).description).toBe('first line\r\n\tindented');
  });

  it.each([
    ['viewer', momo.viewer, 403],
    ['client', momo.client, 403],
    ['operator', momo.operator, 201],
    ['manager', momo.manager, 201],
    ['admin', momo.admin, 201],
  ])('a %s creating an incident gets %i; everyone may read', async (_role, email, status) => {
    const res = await t.api(email, 'POST', '/incidents', { title: `By ${_role}`, severity: 4 });
    expect(res.status).toBe(status);
    const list = await t.api(email, 'GET', '/incidents');
    expect(list.status).toBe(200);
  });

  it('a user of another process gets 404 for a Momo incident, to read or to change, and sees none in lists', async () => {
    const inc = await json<IncidentJson>(await t.api(momo.manager, 'POST', '/incidents', { title: 'Momo private', severity: 2 }));
    expect((await t.api(ignite.admin, 'GET', `/incidents/${inc.id}`)).status).toBe(404);
    expect((await t.api(ignite.admin, 'PATCH', `/incidents/${inc.id}`, { status: 'resolved' })).status).toBe(404);
    expect((await t.page(ignite.admin, `/incidents/${inc.id}`)).status).toBe(404);
    const list = await json<{ items: IncidentJson[] }>(await t.api(ignite.admin, 'GET', '/incidents?limit=200'));
    expect(list.items.every((i) => i.process_id !== momoId)).toBe(true);
    const after = await t.db.selectFrom('incidents').select('status').where('id', '=', inc.id).executeTakeFirstOrThrow();
    expect(after.status).toBe('open');
    // The super admin reaches it, and must say which process a new incident belongs to.
    expect((await t.api(SUPER_ADMIN, 'GET', `/incidents/${inc.id}`)).status).toBe(200);
    const noProcess = await t.api(SUPER_ADMIN, 'POST', '/incidents', { title: 'Where?', severity: 3 });
    expect(noProcess.status).toBe(422);
    const withProcess = await t.api(SUPER_ADMIN, 'POST', '/incidents', { title: 'For Momo', severity: 3, process_id: momoId });
    expect(withProcess.status).toBe(201);
    expect((await json<IncidentJson>(withProcess)).process_id).toBe(momoId);
    // Others' process_id is ignored.
    const igniteId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'ignite').executeTakeFirstOrThrow()).id;
    const ignored = await json<IncidentJson>(await t.api(momo.operator, 'POST', '/incidents', { title: 'Mine', severity: 3, process_id: igniteId }));
    expect(ignored.process_id).toBe(momoId);
  });

  it('filters by status, severity, assignee and text, and pages with a cursor without repeats', async () => {
    const body = await json<{ items: IncidentJson[]; next_cursor: string | null }>(await t.api(momo.viewer, 'GET', '/incidents?status=open&severity=1'));
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.every((i) => i.status === 'open' && i.severity === 1)).toBe(true);
    const none = await json<{ items: IncidentJson[] }>(await t.api(momo.viewer, 'GET', '/incidents?assigned_to=none'));
    expect(none.items.every((i) => i.assigned_to === null)).toBe(true);
    const q = await json<{ items: IncidentJson[] }>(await t.api(momo.viewer, 'GET', '/incidents?q=checkout%20api'));
    expect(q.items.map((i) => i.title)).toContain('Checkout API 502s');
    const pct = await json<{ items: IncidentJson[] }>(await t.api(momo.viewer, 'GET', '/incidents?q=%25'));
    expect(pct.items).toHaveLength(0);
    // The search box finds an incident by its number too, "#43" as the list shows it, or "43";
    // another process's number finds nothing.
    const target = q.items.find((i) => i.title === 'Checkout API 502s')!;
    for (const text of [`%23${target.id}`, String(target.id), `%20%23${target.id}%20`]) {
      const byId = await json<{ items: IncidentJson[] }>(await t.api(momo.viewer, 'GET', `/incidents?q=${text}`));
      expect(byId.items.map((i) => i.id), text).toContain(target.id);
      expect(byId.items.every((i) => i.id === target.id || i.title.includes(String(target.id))), text).toBe(true);
    }
    const foreign = (await t.db.selectFrom('incidents').innerJoin('processes', 'processes.id', 'incidents.process_id')
      .select('incidents.id').where('processes.slug', '=', 'ignite').executeTakeFirstOrThrow()).id;
    expect((await json<{ items: IncidentJson[] }>(await t.api(momo.viewer, 'GET', `/incidents?q=%23${foreign}`))).items).toEqual([]);

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/incidents?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const p: { items: IncidentJson[]; next_cursor: string | null } = await json(await t.api(momo.viewer, 'GET', path));
      seen.push(...p.items.map((i) => i.id));
      cursor = p.next_cursor;
      pages += 1;
    } while (cursor && pages < 100);
    const total = await count(t, 'incidents', (qb) => qb.where('process_id', '=', momoId));
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
  });

  it('shows HTML in a title escaped on the list and detail pages', async () => {
    const inc = await json<IncidentJson>(await t.api(momo.operator, 'POST', '/incidents', { title: '<script>alert("x")</script> DB down', severity: 2 }));
    for (const path of ['/incidents', `/incidents/${inc.id}`]) {
      const html = await (await t.page(momo.operator, path)).text();
      expect(html).not.toContain('<script>alert("x")</script>');
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; DB down');
    }
    // The list's other texts too: the assignee's name, and the process's in the super admin's column.
    const op = await t.db.selectFrom('users').select(['id', 'name']).where('email', '=', momo.operator).executeTakeFirstOrThrow();
    const proc = await t.db.selectFrom('processes').select(['id', 'name']).where('slug', '=', 'momo').executeTakeFirstOrThrow();
    expect((await t.api(momo.operator, 'PATCH', `/incidents/${inc.id}`, { assigned_to: op.id })).status).toBe(200);
    await t.db.updateTable('users').set({ name: `O'Neil <i>&</i>` }).where('id', '=', op.id).execute();
    await t.db.updateTable('processes').set({ name: `Momo "<b>"` }).where('id', '=', proc.id).execute();
    try {
      const mine = await (await t.page(momo.manager, '/incidents')).text();
      expect(mine).toContain('O&#39;Neil &lt;i&gt;&amp;&lt;/i&gt;');
      const all = await (await t.page(SUPER_ADMIN, '/incidents')).text();
      expect(all).toContain('<td class="text-slate-600">Momo &quot;&lt;b&gt;&quot;</td>');
      expect(all).not.toContain('<b>"');
    } finally {
      await t.db.updateTable('users').set({ name: op.name }).where('id', '=', op.id).execute();
      await t.db.updateTable('processes').set({ name: proc.name }).where('id', '=', proc.id).execute();
    }
  });

  it('shows a title in any script intact, as UTF-8', async () => {
    const title = 'Café — naïve 東京 ✓';
    await json<IncidentJson>(await t.api(momo.operator, 'POST', '/incidents', { title, severity: 3 }));
    const res = await t.page(momo.operator, '/incidents');
    expect(res.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(await res.text()).toContain(title);
  });

  it('sends the unattended reminder once per incident, even with two workers racing', async () => {
    const inc = await json<IncidentJson>(await t.api(momo.operator, 'POST', '/incidents', { title: 'Nobody looks', severity: 2 }));
    await sendUnattendedReminders(t.db, new Date(t.clock.now().getTime() + 29 * 60_000), { appUrl: 'http://x' });
    expect(await count(t, 'email_outbox', (q) => q.where('entity_id', '=', inc.id).where('template', '=', 'incident.unattended'))).toBe(0);
    const at = new Date(t.clock.now().getTime() + 31 * 60_000);
    const results = await Promise.all([
      sendUnattendedReminders(t.db, at, { appUrl: 'http://x' }),
      sendUnattendedReminders(t.db, at, { appUrl: 'http://x' }),
    ]);
    const reminderMails = await count(t, 'email_outbox', (q) => q.where('entity_id', '=', inc.id).where('template', '=', 'incident.unattended'));
    const staff = await count(t, 'email_outbox', (q) => q.where('entity_id', '=', inc.id).where('template', '=', 'incident.created'));
    expect(reminderMails).toBe(staff);
    expect(results.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    await sendUnattendedReminders(t.db, new Date(at.getTime() + 3_600_000), { appUrl: 'http://x' });
    expect(await count(t, 'email_outbox', (q) => q.where('entity_id', '=', inc.id).where('template', '=', 'incident.unattended'))).toBe(staff);
    const row = await json<IncidentJson>(await t.api(momo.viewer, 'GET', `/incidents/${inc.id}`));
    expect(row.reminder_sent_at).toBe(at.toISOString());
    // Assigned or in-progress incidents get no reminder.
    const taken = await json<IncidentJson>(await t.api(momo.operator, 'POST', '/incidents', { title: 'Taken', severity: 2, assigned_to: await userId(t, momo.operator) }));
    await sendUnattendedReminders(t.db, new Date(t.clock.now().getTime() + 40 * 60_000), { appUrl: 'http://x' });
    expect(await count(t, 'email_outbox', (q) => q.where('entity_id', '=', taken.id).where('template', '=', 'incident.unattended'))).toBe(0);
  });
});
