import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface ItemJson {
  id: number;
  process_id: number | null;
  user_id: number | null;
  user_name: string | null;
  entity_type: string;
  entity_id: number | null;
  action: string;
  created_at: string;
  summary: string | null;
}
interface ListJson { items: ItemJson[]; next_cursor: string | null }

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** Every item the user can page through. */
async function all(t: TestApp, email: string, query = ''): Promise<ItemJson[]> {
  const out: ItemJson[] = [];
  let cursor: string | null = null;
  do {
    const res = await t.api(email, 'GET', `/activity?limit=200${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    const page: ListJson = await json<ListJson>(res);
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

/** What each role may see, written out independently of the code's map. */
const STAFF = ['incident', 'downtime', 'ticket', 'notification'];
const EXPECTED: Record<string, string[]> = {
  viewer: STAFF,
  client: ['incident', 'downtime', 'notification'],
  operator: [...STAFF, 'handover', 'approval'],
  manager: [...STAFF, 'handover', 'approval', 'escalation_chain', 'automation_rule'],
};

describe.each(DIALECTS)('activity feed on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let operatorId: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    operatorId = (await t.db.selectFrom('users').select('id').where('email', '=', momo.operator).executeTakeFirstOrThrow()).id;
    // An approval the operator did not request, so its events are not theirs to see.
    expect((await t.api(momo.manager, 'POST', '/approvals', { type: 'change', title: 'Manager-only change' })).status).toBe(201);
    // Events no lower role may see: a user change and a type no module has declared yet.
    const admin = (await t.db.selectFrom('users').select('id').where('email', '=', momo.admin).executeTakeFirstOrThrow()).id;
    await t.db.insertInto('activity_log').values([
      { process_id: momoId, user_id: admin, entity_type: 'user', entity_id: admin, action: 'role_change', summary: 'Momo Viewer', created_at: t.clock.now() },
      { process_id: momoId, user_id: admin, entity_type: 'mystery_widget', entity_id: 1, action: 'create', summary: 'Undeclared', created_at: t.clock.now() },
    ]).execute();
  });
  afterAll(async () => t?.close());

  it('shows each role only the events of records it may see, and only of its own process', async () => {
    const momoRows = await t.db.selectFrom('activity_log').select(['id', 'entity_type', 'entity_id']).where('process_id', '=', momoId).execute();
    const ownApprovals = new Set((await t.db.selectFrom('approvals').select('id').where('submitted_by', '=', operatorId).execute()).map((a) => a.id));
    expect(momoRows.some((r) => r.entity_type === 'approval' && !ownApprovals.has(r.entity_id!))).toBe(true);
    for (const [role, types] of Object.entries(EXPECTED)) {
      const email = momo[role as keyof typeof momo];
      const items = await all(t, email);
      const expected = momoRows.filter((r) => types.includes(r.entity_type)
        && (role !== 'operator' || r.entity_type !== 'approval' || ownApprovals.has(r.entity_id!)));
      expect(items.map((i) => i.id).sort((a, b) => a - b), role).toEqual(expected.map((r) => r.id).sort((a, b) => a - b));
      expect(items.every((i) => i.process_id === momoId), role).toBe(true);
    }
    // Admins see every event of their process, the undeclared type included.
    const admin = await all(t, momo.admin);
    expect(admin).toHaveLength(momoRows.length);
    expect(new Set(admin.map((i) => i.entity_type))).toEqual(new Set(momoRows.map((r) => r.entity_type)));
    // Another process never sees Momo's events; the super admin sees every process.
    const other = await all(t, ignite.admin);
    expect(other.length).toBeGreaterThan(0);
    expect(other.some((i) => i.process_id === momoId)).toBe(false);
    const everything = await all(t, SUPER_ADMIN);
    const total = Number((await t.db.selectFrom('activity_log').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    expect(everything).toHaveLength(total);
  });

  it('answers items as API.md says, newest first, with ?type= and keyset pages', async () => {
    const page = await json<ListJson>(await t.api(momo.manager, 'GET', '/activity?limit=3'));
    expect(page.items).toHaveLength(3);
    expect(Object.keys(page.items[0])).toEqual(expect.arrayContaining(['id', 'process_id', 'user_id', 'user_name', 'entity_type', 'entity_id', 'action', 'created_at']));
    expect(page.items[0].created_at).toMatch(/Z$/);
    expect(page.items[0].id).toBeGreaterThan(page.items[1].id);
    const next = await json<ListJson>(await t.api(momo.manager, 'GET', `/activity?limit=3&cursor=${page.next_cursor}`));
    expect(next.items[0].id).toBeLessThan(page.items[2].id);
    const tickets = await all(t, momo.manager, '&type=ticket');
    expect(tickets.length).toBeGreaterThan(0);
    expect(tickets.every((i) => i.entity_type === 'ticket')).toBe(true);
    expect(await all(t, momo.client, '&type=ticket')).toEqual([]);
    expect((await t.api(momo.manager, 'GET', '/activity?type=%3Cscript%3E')).status).toBe(400);
    expect((await t.api(momo.manager, 'GET', `/activity?type=${'a'.repeat(41)}`)).status).toBe(400);
    expect((await t.api(momo.manager, 'GET', '/activity?type=nonexistent')).status).toBe(200);
    expect((await t.api(momo.manager, 'GET', '/activity?cursor=zzz')).status).toBe(400);
  });

  it('counts events of the last 7 days per type, among those the role may see', async () => {
    const res = await t.api(momo.operator, 'GET', '/activity/counts');
    expect(res.status).toBe(200);
    const c = await json<{ since: string; total: number; types: Record<string, number> }>(res);
    expect(c.since).toBe(new Date(t.clock.now().getTime() - 7 * 86_400_000).toISOString());
    const items = (await all(t, momo.operator)).filter((i) => i.created_at >= c.since);
    expect(c.total).toBe(items.length);
    for (const [type, n] of Object.entries(c.types)) expect(items.filter((i) => i.entity_type === type)).toHaveLength(n);
    expect(c.types.escalation_chain).toBeUndefined();
    const client = await json<{ types: Record<string, number> }>(await t.api(momo.client, 'GET', '/activity/counts'));
    expect(Object.keys(client.types).every((k) => EXPECTED.client.includes(k))).toBe(true);
  });

  it('renders the feed as in Figure 6.14: entity › action, user, record number, process, relative time, filter with counts, Pause and Refresh', async () => {
    await t.api(momo.operator, 'POST', '/incidents', { title: '<b>Bold</b> & "quoted" outage', severity: 2 });
    const res = await t.page(momo.viewer, '/activity');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/incident <span class="[^"]*" aria-hidden="true">›<\/span><span class="sr-only">:<\/span> create/);
    expect(html).toContain('&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot; outage');
    expect(html).not.toContain('<b>Bold</b>');
    expect(html).toMatch(/Momo Operator · #\d+ · Momo/);
    expect(html).toContain('data-local="relative"');
    expect(html).toContain('just now');
    expect(html).toMatch(/All event types \(\d+\)/);
    expect(html).toMatch(/<option value="incident">incident \(\d+\)<\/option>/);
    expect(html).not.toContain('value="approval"');
    expect(html).toContain('Auto-refreshing every 15s');
    expect(html).toContain('hx-trigger="every 15s"');
    expect(html).toContain('data-testid="pause"');
    expect(html).toContain('data-testid="refresh"');

    const partial = await t.request('/activity?type=incident', { headers: { cookie: await t.cookie(momo.viewer), 'hx-request': 'true', 'hx-target': 'activity-feed' } });
    const body = await partial.text();
    expect(body).not.toContain('<html');
    expect(body).toContain('<select id="type" hx-swap-oob="innerHTML">');
    expect(body).toMatch(/<option value="incident" selected="">incident \(\d+\)<\/option>/);
    expect(body).not.toMatch(/data-type="(?!incident)/);

    const older = await t.page(momo.viewer, `/activity?cursor=${(await json<ListJson>(await t.api(momo.viewer, 'GET', '/activity?limit=5'))).next_cursor}`);
    const olderHtml = await older.text();
    expect(olderHtml).toContain('Back to the live feed');
    expect(olderHtml).not.toContain('hx-trigger="every 15s"');
  });

  it("never shows a client another stakeholder's message to the team (as the Notifications page does not)", async () => {
    // A second client stakeholder of Momo, with the first one's password.
    const first = await t.db.selectFrom('users').select(['password_hash']).where('email', '=', momo.client).executeTakeFirstOrThrow();
    const now = t.clock.now();
    await t.db.insertInto('users').values({
      process_id: momoId, email: 'second.stakeholder@momo.com', name: 'Second Stakeholder', password_hash: first.password_hash, role: 'client',
      is_active: true, phone: null, must_change_password: false, tokens_valid_after: new Date(now.getTime() - 60_000), created_at: now, updated_at: now,
    }).execute();
    const sent = await t.api(momo.client, 'POST', '/notifications', { subject: 'Private complaint about billing', message: 'Only for the team.' });
    expect(sent.status).toBe(201);
    const theirs = await t.api(momo.manager, 'POST', '/notifications', { subject: 'Maintenance tonight', message: 'For every client.' });
    expect(theirs.status).toBe(201);

    const token = await t.token('second.stakeholder@momo.com', 'Client@123');
    const res = await t.request('/api/v1/activity?type=notification&limit=200', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const summaries = (await json<ListJson>(res)).items.map((i) => i.summary);
    expect(summaries).toContain('Maintenance tonight');
    expect(summaries).not.toContain('Private complaint about billing');
    const page = await (await t.request('/activity', { headers: { cookie: await t.cookie('second.stakeholder@momo.com', 'Client@123') } })).text();
    expect(page).not.toContain('Private complaint about billing');
    // The sender still sees their own message, and so does the team.
    expect((await all(t, momo.client, '&type=notification')).map((i) => i.summary)).toContain('Private complaint about billing');
    expect((await all(t, momo.manager, '&type=notification')).map((i) => i.summary)).toContain('Private complaint about billing');
  });

  it('opens for every role, and refuses the signed-out', async () => {
    for (const email of [momo.viewer, momo.client, momo.operator, momo.manager, momo.admin, SUPER_ADMIN, ignite.viewer]) {
      expect((await t.page(email, '/activity')).status, email).toBe(200);
      expect((await t.api(email, 'GET', '/activity')).status, email).toBe(200);
    }
    const anon = await t.request('/activity');
    expect(anon.status).toBe(302);
    expect(anon.headers.get('location')).toContain('/login');
    expect((await t.api(null, 'GET', '/activity')).status).toBe(401);
    const junk = await t.page(momo.viewer, '/activity?type=%3Cscript%3E&cursor=%%%');
    expect(junk.status).toBe(200);
  });
});
