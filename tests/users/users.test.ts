import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface UserJson {
  id: number;
  email: string;
  name: string;
  role: string;
  process_id: number;
  process_slug: string;
  is_active: boolean;
  created_at: string;
}

interface ListJson {
  items: UserJson[];
  next_cursor: string | null;
  role_counts: Record<string, number>;
}

interface ErrorJson {
  error: { code: string; message: string; fields?: Record<string, string> };
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

type Table = 'users' | 'audit_log' | 'activity_log' | 'email_outbox' | 'password_tokens';

async function count(t: TestApp, table: Table, where?: (q: any) => any): Promise<number> {
  let q: any = t.db.selectFrom(table).select(sql<number>`count(*)`.as('n'));
  if (where) q = where(q);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

async function snapshot(t: TestApp) {
  return Promise.all((['users', 'audit_log', 'email_outbox', 'password_tokens'] as Table[]).map((tb) => count(t, tb)));
}

async function userId(t: TestApp, email: string): Promise<number> {
  return (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

async function processId(t: TestApp, slug: string): Promise<number> {
  return (await t.db.selectFrom('processes').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
}

/** The welcome token in the newest welcome email to an address. */
async function welcomeToken(t: TestApp, email: string): Promise<string> {
  const mail = await t.db.selectFrom('email_outbox').select(['text']).where('to_address', '=', email).where('template', '=', 'user.welcome')
    .orderBy('id', 'desc').executeTakeFirstOrThrow();
  const m = /\/welcome\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!m) throw new Error('no welcome link');
  return m[1];
}

describe.each(DIALECTS)('users on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let igniteId: number;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = await processId(t, 'momo');
    igniteId = await processId(t, 'ignite');
  });
  afterAll(async () => t?.close());

  async function form(email: string | null, path: string, fields: Record<string, string>, opts: { htmx?: boolean; cookie?: string } = {}) {
    const headers: Record<string, string> = { origin: BASE, 'content-type': 'application/x-www-form-urlencoded' };
    const cookie = opts.cookie ?? (email ? await t.cookie(email) : undefined);
    if (cookie) headers.cookie = cookie;
    if (opts.htmx) headers['hx-request'] = 'true';
    return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  }

  /** A fresh sign-in (not cached), for sessions a test expects to be revoked. */
  async function freshCookie(email: string, password: string): Promise<string> {
    const res = await t.request('/login', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE },
      body: new URLSearchParams({ email, password }).toString(),
    });
    expect(res.status, `login ${email}`).toBe(302);
    return (res.headers.get('set-cookie') ?? '').split(';')[0];
  }

  async function freshToken(email: string, password: string): Promise<string> {
    const res = await t.request('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
    });
    expect(res.status, `api login ${email}`).toBe(200);
    return (await json<{ token: string }>(res)).token;
  }

  const bearer = (token: string, method: string, path: string, body?: unknown) => t.request(`/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

  // ------------------------------------------------------------------------------------------
  // Who may do what

  it('GET /users: admin+ only; an admin sees their own process, the super admin every process, with role counts', async () => {
    for (const who of [momo.viewer, momo.client, momo.operator, momo.manager]) {
      const res = await t.api(who, 'GET', '/users');
      expect(res.status, who).toBe(403);
      expect((await json<ErrorJson>(res)).error.code).toBe('forbidden');
    }
    const admin = await json<ListJson>(await t.api(momo.admin, 'GET', '/users'));
    expect(admin.items.length).toBe(5);
    expect(admin.items.every((u) => u.process_id === momoId && u.process_slug === 'momo')).toBe(true);
    expect(admin.role_counts).toMatchObject({ all: 5, admin: 1, manager: 1, operator: 1, client: 1, viewer: 1, super_admin: 0 });
    expect(Object.keys(admin.items[0]).sort()).toEqual(expect.arrayContaining(
      ['id', 'email', 'name', 'role', 'process_id', 'process_slug', 'is_active', 'created_at']));
    expect(JSON.stringify(admin)).not.toContain('password');

    const all = await json<ListJson>(await t.api(SUPER_ADMIN, 'GET', '/users?limit=200'));
    expect(all.items.length).toBe(41);
    // Figure 5.2's counts.
    expect(all.role_counts).toMatchObject({ all: 41, super_admin: 1, admin: 8, manager: 8, operator: 8, client: 8, viewer: 8 });
    const admins = await json<ListJson>(await t.api(SUPER_ADMIN, 'GET', '/users?role=admin&limit=200'));
    expect(admins.items.length).toBe(8);
    expect(admins.items.every((u) => u.role === 'admin')).toBe(true);
    // The super admin narrowed to one process with ?process=.
    const viewed = await json<ListJson>(await t.api(SUPER_ADMIN, 'GET', '/users?process=momo'));
    expect(viewed.items.every((u) => u.process_slug === 'momo')).toBe(true);

    const searched = await json<ListJson>(await t.api(SUPER_ADMIN, 'GET', '/users?q=stakeholder%40momo'));
    expect(searched.items.map((u) => u.email)).toEqual([momo.client]);
    expect((await t.api(momo.admin, 'GET', '/users?role=wizard')).status).toBe(400);
    expect((await t.api(momo.admin, 'GET', '/users?status=maybe')).status).toBe(400);
    expect((await t.api(momo.admin, 'GET', '/users?cursor=nonsense')).status).toBe(400);
  });

  it('pages newest first with a keyset cursor, no user twice', async () => {
    const seen = new Set<number>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Response = await t.api(SUPER_ADMIN, 'GET', `/users?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      const body: ListJson = await json<ListJson>(res);
      for (const u of body.items) {
        expect(seen.has(u.id)).toBe(false);
        seen.add(u.id);
      }
      cursor = body.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen.size).toBe(await count(t, 'users'));
  });

  it('the /users page: table as Figure 5.1 and the role filter with counts as Figure 5.2; 403 below admin', async () => {
    const res = await t.page(SUPER_ADMIN, '/users');
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const label of ['All Users (41)', 'Super Admins (1)', 'Admins (8)', 'Managers (8)', 'Operators (8)', 'Clients (8)', 'Viewers (8)']) {
      expect(html, label).toContain(label);
    }
    for (const col of ['Name', 'Email', 'Role', 'Process', 'Joined']) expect(html).toContain(`>${col}</th>`);
    // Figure 5.1's rows are on the first page: the super admin and the admin of every process.
    const emails = [...html.matchAll(/<td[^>]*>([^<@]+@[^<]+)<\/td>/g)].map((m) => m[1]);
    expect(emails).toHaveLength(41);
    expect(emails).toContain(SUPER_ADMIN);
    for (const slug of ['ignite', 'sunking', 'rdg', 'mobihive', 'momo', 'sanlam', 'mba', 'muzanu']) expect(emails).toContain(`admin.${slug}@d2ctelcare.com`);
    expect(emails).toContain(ignite.operator);
    expect(html).toContain('data-testid="add-user"');
    expect(html).toContain('<time datetime=');

    const mine = await (await t.page(momo.admin, '/users')).text();
    expect(mine).toContain('Admins (1)');
    expect(mine).toContain(momo.viewer);
    expect(mine).not.toContain(ignite.viewer);

    const filtered = await t.request('/users?role=client', { headers: { cookie: await t.cookie(SUPER_ADMIN), 'hx-request': 'true', 'hx-target': 'user-list' } });
    const rows = await filtered.text();
    expect(rows).not.toContain('<html');
    expect(rows).toContain(momo.client);
    expect(rows).not.toContain(momo.admin);
    const none = await (await t.request('/users?q=nobody-like-this', { headers: { cookie: await t.cookie(SUPER_ADMIN), 'hx-request': 'true', 'hx-target': 'user-list' } })).text();
    expect(none).toContain('No users match these filters');

    for (const who of [momo.viewer, momo.client, momo.operator, momo.manager]) {
      const denied = await t.page(who, '/users');
      expect(denied.status, who).toBe(403);
      expect(await denied.text()).toContain('Your role does not have access to this.');
      expect((await t.page(who, `/users/${await userId(t, momo.viewer)}`)).status).toBe(403);
    }
  });

  // ------------------------------------------------------------------------------------------
  // Add User and the welcome link

  it('Add User: 201, active without a password, audit, and a Welcome email with a single-use link and no password', async () => {
    const before = await count(t, 'audit_log', (q) => q.where('action', '=', 'user.create'));
    const res = await t.api(momo.admin, 'POST', '/users', { name: 'Momo Night Operator', email: ' Night.Ops@Momo.example ', role: 'operator', process_id: igniteId });
    expect(res.status).toBe(201);
    const u = await json<UserJson>(res);
    // An admin's process_id is ignored: the user joins the admin's process.
    expect(u).toMatchObject({ name: 'Momo Night Operator', email: 'night.ops@momo.example', role: 'operator', process_id: momoId, is_active: true });
    expect(u.created_at).toBe(t.clock.now().toISOString());
    const row = await t.db.selectFrom('users').select(['password_hash']).where('id', '=', u.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toBeNull();
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'user.create'))).toBe(before + 1);

    const mails = await t.db.selectFrom('email_outbox').selectAll().where('to_address', '=', 'night.ops@momo.example').execute();
    expect(mails.length).toBe(1);
    expect(mails[0].template).toBe('user.welcome');
    expect(mails[0].text).toContain(`${BASE}/welcome?token=`);
    expect(mails[0].text).not.toMatch(/^(temporary )?password:/im);
    expect(mails[0].process_id).toBeNull();

    const token = await welcomeToken(t, 'night.ops@momo.example');
    const page = await t.request(`/welcome?token=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Welcome, Momo Night Operator');

    // Weak password: 422, the link still works.
    const weak = await form(null, '/welcome', { token, password: 'short', confirm_password: 'short' });
    expect(weak.status).toBe(422);
    const set = await form(null, '/welcome', { token, password: 'NightShift42', confirm_password: 'NightShift42' });
    expect(set.status).toBe(200);
    expect(await set.text()).toContain('Your password is set');
    expect((await t.request('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'night.ops@momo.example', password: 'NightShift42' }),
    })).status).toBe(200);

    // Single use: the same link answers "no longer works" and changes nothing.
    const again = await form(null, '/welcome', { token, password: 'Hijacked999', confirm_password: 'Hijacked999' });
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('This link no longer works');
    expect((await t.request(`/welcome?token=${token}`)).status).toBe(404);
    // The outbox no longer holds a live link.
    const after = await t.db.selectFrom('email_outbox').select('text').where('to_address', '=', 'night.ops@momo.example').executeTakeFirstOrThrow();
    expect(after.text).not.toContain(token);
  });

  it('a welcome link expires after 72 hours; "Resend welcome email" replaces it', async () => {
    const u = await json<UserJson>(await t.api(momo.admin, 'POST', '/users', { name: 'Late Joiner', email: 'late.joiner@momo.example', role: 'viewer' }));
    const first = await welcomeToken(t, u.email);
    // Sessions last 12 hours: the clock goes back after this test so the other tests' sessions hold.
    const start = t.clock.now();
    t.clock.advance(73 * 3_600_000);
    try {
      const adminToken = await freshToken(momo.admin, 'Admin@123');
      expect((await t.request(`/welcome?token=${first}`)).status).toBe(404);
      expect((await form(null, '/welcome', { token: first, password: 'LateButOk1', confirm_password: 'LateButOk1' })).status).toBe(404);

      const resent = await bearer(adminToken, 'POST', `/users/${u.id}/welcome`);
      expect(resent.status).toBe(202);
      const second = await welcomeToken(t, u.email);
      expect(second).not.toBe(first);
      expect((await form(null, '/welcome', { token: second, password: 'LateButOk1', confirm_password: 'LateButOk1' })).status).toBe(200);
      // Once a password is set there is nothing to resend.
      expect((await bearer(adminToken, 'POST', `/users/${u.id}/welcome`)).status).toBe(409);
      expect((await t.request('/welcome?token=not-a-token')).status).toBe(404);
    } finally {
      t.clock.set(start);
    }
  });

  it('Add User refuses bad input with 422/409 and changes nothing', async () => {
    const before = await snapshot(t);
    const cases: [unknown, string[]][] = [
      [{}, ['name', 'email', 'role']],
      [{ name: '', email: '', role: '' }, ['name', 'email', 'role']],
      [{ name: 'x'.repeat(121), email: 'ok@momo.example', role: 'viewer' }, ['name']],
      [{ name: 123, email: ['a@b.c'], role: 'viewer' }, ['name', 'email']],
      [{ name: 'Ok', email: 'not-an-email', role: 'viewer' }, ['email']],
      [{ name: 'Ok', email: `${'a'.repeat(250)}@x.io`, role: 'viewer' }, ['email']],
      [{ name: 'Ok', email: 'ok@momo.example', role: 'wizard' }, ['role']],
    ];
    for (const [body, fields] of cases) {
      const res = await t.api(momo.admin, 'POST', '/users', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      const err = await json<ErrorJson>(res);
      expect(err.error.code).toBe('validation_failed');
      expect(Object.keys(err.error.fields ?? {}).sort()).toEqual([...fields].sort());
    }
    const dup = await t.api(momo.admin, 'POST', '/users', { name: 'Dup', email: ignite.viewer.toUpperCase(), role: 'viewer' });
    expect(dup.status).toBe(409);
    expect((await json<ErrorJson>(dup)).error.fields?.email).toContain('already uses');
    expect((await t.api(momo.admin, 'POST', '/users', 'not json')).status).toBe(400);
    expect((await t.api(momo.admin, 'POST', '/users', [1, 2])).status).toBe(400);
    // The super admin must say which process when viewing all of them; an unknown one is refused.
    const noProcess = await t.api(SUPER_ADMIN, 'POST', '/users', { name: 'Floating', email: 'floating@x.example', role: 'viewer' });
    expect(noProcess.status).toBe(422);
    expect((await json<ErrorJson>(noProcess)).error.fields?.process_id).toBeTruthy();
    expect((await t.api(SUPER_ADMIN, 'POST', '/users', { name: 'Floating', email: 'floating@x.example', role: 'viewer', process_id: 999999 })).status).toBe(422);
    for (const who of [momo.viewer, momo.client, momo.operator, momo.manager]) {
      expect((await t.api(who, 'POST', '/users', { name: 'Nope', email: 'nope@x.example', role: 'viewer' })).status, who).toBe(403);
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('only a super admin grants super_admin; the super admin adds users to any process', async () => {
    const before = await snapshot(t);
    const res = await t.api(momo.admin, 'POST', '/users', { name: 'Sneaky', email: 'sneaky@momo.example', role: 'super_admin' });
    expect(res.status).toBe(403);
    const viewerId = await userId(t, momo.viewer);
    expect((await t.api(momo.admin, 'PATCH', `/users/${viewerId}`, { role: 'super_admin' })).status).toBe(403);
    expect(await snapshot(t)).toEqual(before);

    const made = await t.api(SUPER_ADMIN, 'POST', '/users', { name: 'Sanlam Admin Two', email: 'admin2@sanlam.example', role: 'admin', process_id: await processId(t, 'sanlam') });
    expect(made.status).toBe(201);
    expect((await json<UserJson>(made)).process_slug).toBe('sanlam');
    // An admin may make another admin of their own process.
    const second = await t.api(momo.admin, 'POST', '/users', { name: 'Momo Admin Two', email: 'admin2@momo.example', role: 'admin' });
    expect(second.status).toBe(201);
  });

  it('an admin cannot see or edit another process’s users (404), nor touch the super admin account (403)', async () => {
    const igniteViewer = await userId(t, ignite.viewer);
    const before = await snapshot(t);
    expect((await t.api(momo.admin, 'GET', `/users/${igniteViewer}`)).status).toBe(404);
    expect((await t.api(momo.admin, 'PATCH', `/users/${igniteViewer}`, { role: 'manager' })).status).toBe(404);
    expect((await t.api(momo.admin, 'PATCH', `/users/${igniteViewer}`, { is_active: false })).status).toBe(404);
    expect((await t.api(momo.admin, 'PATCH', `/users/${igniteViewer}/email`, { email: 'stolen@x.example' })).status).toBe(404);
    expect((await t.api(momo.admin, 'POST', `/users/${igniteViewer}/welcome`)).status).toBe(404);
    expect((await t.page(momo.admin, `/users/${igniteViewer}`)).status).toBe(404);
    expect((await form(momo.admin, `/users/${igniteViewer}`, { role: 'manager' }, { htmx: true })).status).toBe(404);
    expect((await t.api(momo.admin, 'PATCH', '/users/99999999', { name: 'x' })).status).toBe(404);
    expect((await t.api(momo.admin, 'PATCH', '/users/abc', { name: 'x' })).status).toBe(404);

    const superId = await userId(t, SUPER_ADMIN);
    const igniteAdmin = await t.api(ignite.admin, 'PATCH', `/users/${superId}`, { is_active: false });
    expect(igniteAdmin.status).toBe(403);
    expect((await t.api(ignite.admin, 'PATCH', `/users/${superId}/email`, { email: 'x@x.example' })).status).toBe(403);
    expect(await snapshot(t)).toEqual(before);
  });

  it('PATCH /users/:id validates every field and answers 422 without changing anything', async () => {
    const id = await userId(t, momo.viewer);
    const before = await snapshot(t);
    for (const body of [{ name: '' }, { name: 'x'.repeat(121) }, { role: 'root' }, { is_active: 'perhaps' }, { name: 7 }]) {
      const res = await t.api(momo.admin, 'PATCH', `/users/${id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect(await snapshot(t)).toEqual(before);
    const same = await t.api(momo.admin, 'PATCH', `/users/${id}`, {});
    expect(same.status).toBe(200);
  });

  // ------------------------------------------------------------------------------------------
  // Roles and deactivation take effect at once

  it('a role change applies on the user’s next request: their old sessions are refused and they sign in again with the new role', async () => {
    const email = 'role.change@momo.example';
    const u = await json<UserJson>(await t.api(momo.admin, 'POST', '/users', { name: 'Role Change', email, role: 'viewer' }));
    await form(null, '/welcome', { token: await welcomeToken(t, email), password: 'RoleChange1', confirm_password: 'RoleChange1' });
    t.clock.advance(1000);
    const token = await freshToken(email, 'RoleChange1');
    expect((await bearer(token, 'GET', '/me')).status).toBe(200);
    t.clock.advance(1000);
    const res = await t.api(momo.admin, 'PATCH', `/users/${u.id}`, { role: 'manager' });
    expect(res.status).toBe(200);
    expect((await json<UserJson>(res)).role).toBe('manager');
    expect((await bearer(token, 'GET', '/me')).status).toBe(401);
    t.clock.advance(1000);
    const again = await freshToken(email, 'RoleChange1');
    expect((await json<UserJson>(await bearer(again, 'GET', '/me'))).role).toBe('manager');
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'user.role_change').where('entity_id', '=', u.id))).toBe(1);
  });

  /** A new user of Momo who has chosen their password. */
  async function member(email: string, role: string, password: string): Promise<UserJson> {
    const u = await json<UserJson>(await t.api(momo.admin, 'POST', '/users', { name: `Member ${email}`, email, role }));
    expect((await form(null, '/welcome', { token: await welcomeToken(t, email), password, confirm_password: password })).status).toBe(200);
    t.clock.advance(1000);
    return u;
  }

  it('deactivation refuses the user’s open session at once; they cannot sign in; reactivation lets them back', async () => {
    const u = await member('leaver@momo.example', 'viewer', 'Leaver2026');
    const cookie = await freshCookie(u.email, 'Leaver2026');
    const token = await freshToken(u.email, 'Leaver2026');
    expect((await t.request('/incidents', { headers: { cookie } })).status).toBe(200);
    t.clock.advance(1000);
    const res = await t.api(momo.admin, 'PATCH', `/users/${u.id}`, { is_active: false });
    expect(res.status).toBe(200);
    expect((await json<UserJson>(res)).is_active).toBe(false);

    const page = await t.request('/incidents', { headers: { cookie } });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toContain('/login');
    expect((await bearer(token, 'GET', '/incidents')).status).toBe(401);
    const login = await t.request('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: u.email, password: 'Leaver2026' }),
    });
    expect(login.status).toBe(403);
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'user.deactivate').where('entity_id', '=', u.id))).toBe(1);

    t.clock.advance(1000);
    expect((await t.api(momo.admin, 'PATCH', `/users/${u.id}`, { is_active: true })).status).toBe(200);
    // The session from before deactivation stays dead; a new sign-in works.
    expect((await t.request('/incidents', { headers: { cookie } })).status).toBe(302);
    t.clock.advance(1000);
    await freshToken(u.email, 'Leaver2026');
  });

  it('nobody changes their own role or deactivates themselves; the last active super admin cannot be demoted or deactivated', async () => {
    const adminId = await userId(t, momo.admin);
    const own = await t.api(momo.admin, 'PATCH', `/users/${adminId}`, { role: 'viewer' });
    expect(own.status).toBe(409);
    expect((await t.api(momo.admin, 'PATCH', `/users/${adminId}`, { is_active: false })).status).toBe(409);

    const superId = await userId(t, SUPER_ADMIN);
    const demote = await t.api(SUPER_ADMIN, 'PATCH', `/users/${superId}`, { role: 'admin' });
    expect(demote.status).toBe(409);
    expect((await json<ErrorJson>(demote)).error.message).toContain('last active super admin');
    expect((await t.api(SUPER_ADMIN, 'PATCH', `/users/${superId}`, { is_active: false })).status).toBe(409);

    // A super admin may deactivate or demote another super admin.
    const make = async (email: string, password: string) => {
      const u = await json<UserJson>(await t.api(SUPER_ADMIN, 'POST', '/users', { name: email, email, role: 'super_admin', process_id: igniteId }));
      expect((await form(null, '/welcome', { token: await welcomeToken(t, email), password, confirm_password: password })).status).toBe(200);
      return u;
    };
    const b = await make('super2@d2c.example', 'SuperTwo22');
    const c = await make('super3@d2c.example', 'SuperThree3');
    t.clock.advance(1000);
    const bToken = await freshToken(b.email, 'SuperTwo22');
    expect((await bearer(bToken, 'PATCH', `/users/${c.id}`, { is_active: false })).status).toBe(200);
    expect((await bearer(bToken, 'PATCH', `/users/${c.id}`, { is_active: true, role: 'admin' })).status).toBe(200);
    // With the seed super admin gone inactive, B is the last one: it cannot step down.
    await t.db.updateTable('users').set({ is_active: false }).where('id', '=', superId).execute();
    try {
      const last = await bearer(bToken, 'PATCH', `/users/${b.id}`, { role: 'admin' });
      expect(last.status).toBe(409);
      expect((await json<ErrorJson>(last)).error.message).toContain('last active super admin');
      expect((await bearer(bToken, 'PATCH', `/users/${b.id}`, { is_active: false })).status).toBe(409);
    } finally {
      await t.db.updateTable('users').set({ is_active: true }).where('id', '=', superId).execute();
    }
  });

  // ------------------------------------------------------------------------------------------
  // Email change

  it('an admin changes a user’s email: Email Changed to the old and the new address; the address must be unique', async () => {
    const email = 'mover@momo.example';
    const u = await json<UserJson>(await t.api(momo.admin, 'POST', '/users', { name: 'Mover', email, role: 'operator' }));
    const taken = await t.api(momo.admin, 'PATCH', `/users/${u.id}/email`, { email: momo.manager });
    expect(taken.status).toBe(409);
    expect((await json<ErrorJson>(taken)).error.fields?.email).toBeTruthy();
    expect((await t.api(momo.admin, 'PATCH', `/users/${u.id}/email`, { email: 'nope' })).status).toBe(422);
    expect((await t.api(momo.admin, 'PATCH', `/users/${u.id}/email`, {})).status).toBe(422);

    const res = await t.api(momo.admin, 'PATCH', `/users/${u.id}/email`, { email: 'Moved@Momo.example' });
    expect(res.status).toBe(200);
    expect((await json<UserJson>(res)).email).toBe('moved@momo.example');
    const mails = await t.db.selectFrom('email_outbox').select(['to_address', 'template', 'text']).where('template', '=', 'user.email_changed')
      .where('entity_id', '=', u.id).orderBy('to_address').execute();
    expect(mails.map((m) => m.to_address)).toEqual(['moved@momo.example', 'mover@momo.example']);
    expect(mails.every((m) => m.text.includes('mover@momo.example') && m.text.includes('moved@momo.example'))).toBe(true);
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'user.email_change').where('entity_id', '=', u.id))).toBe(1);
  });

  it('every user may change their own email through the API; not anyone else’s', async () => {
    const me = await userId(t, momo.client);
    const other = await userId(t, momo.operator);
    expect((await t.api(momo.client, 'PATCH', `/users/${other}/email`, { email: 'x@momo.example' })).status).toBe(403);
    expect((await t.api(momo.viewer, 'PATCH', `/users/${other}/email`, { email: 'x@momo.example' })).status).toBe(403);
    const res = await t.api(momo.client, 'PATCH', `/users/${me}/email`, { email: 'stakeholder2@momo.com' });
    expect(res.status).toBe(200);
    // A wrong current password, when given, is refused.
    const wrong = await t.api(momo.client, 'PATCH', `/users/${me}/email`, { email: 'stakeholder3@momo.com', current_password: 'nope' });
    expect(wrong.status).toBe(422);
    // Back, so other tests can sign in as the client.
    await t.db.updateTable('users').set({ email: momo.client }).where('id', '=', me).execute();
  });

  // ------------------------------------------------------------------------------------------
  // Pages: profile (Figure 5.3) and own profile

  it('the profile page shows the role dropdown of Figure 5.3 and acts through htmx with toasts; HTML in names is escaped', async () => {
    const u = await json<UserJson>(await t.api(momo.admin, 'POST', '/users', { name: '<script>alert(1)</script> Eve', email: 'eve@momo.example', role: 'viewer' }));
    const page = await t.page(momo.admin, `/users/${u.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Eve');
    for (const label of ['Viewer', 'Operator', 'Manager', 'Admin', 'Client']) expect(html).toContain(`>${label}</option>`);
    expect(html).not.toContain('>Super Admin</option>');
    expect(html).toContain('hx-confirm="Deactivate');
    expect(html).toContain('Resend welcome email');

    const role = await form(momo.admin, `/users/${u.id}`, { role: 'operator' }, { htmx: true });
    expect(role.status).toBe(200);
    expect(role.headers.get('hx-trigger')).toContain('is now Operator');
    expect(await role.text()).toContain('id="profile"');

    const off = await form(momo.admin, `/users/${u.id}`, { is_active: 'false' }, { htmx: true });
    expect(off.status).toBe(200);
    expect(off.headers.get('hx-trigger')).toContain('deactivated');
    expect(await off.text()).toContain('Reactivate user');

    const bad = await form(momo.admin, `/users/${u.id}/email`, { email: momo.manager }, { htmx: true });
    expect(bad.status).toBe(409);
    expect(await bad.text()).toContain('Another account already uses this email address.');

    const superPage = await (await t.page(SUPER_ADMIN, `/users/${u.id}`)).text();
    expect(superPage).toContain('>Super Admin</option>');
    // An admin opening their own id lands on their profile.
    const self = await t.page(momo.admin, `/users/${await userId(t, momo.admin)}`);
    expect(self.status).toBe(302);
    expect(self.headers.get('location')).toBe('/profile');
  });

  it('every role opens its own profile; changes its name; the email change asks for the current password', async () => {
    for (const who of [momo.viewer, momo.client, momo.operator, momo.manager, momo.admin, SUPER_ADMIN]) {
      const res = await t.page(who, '/profile');
      expect(res.status, who).toBe(200);
      const html = await res.text();
      expect(html).toContain(who);
      expect(html).toContain('data-testid="password-form"');
      expect(html).toContain('href="/profile"');
    }
    const renamed = await form(momo.operator, '/profile', { name: 'Momo Operator (nights)' }, { htmx: true });
    expect(renamed.status).toBe(200);
    expect(await renamed.text()).toContain('Momo Operator (nights)');
    expect((await form(momo.operator, '/profile', { name: '' }, { htmx: true })).status).toBe(422);
    await t.db.updateTable('users').set({ name: 'Momo Operator' }).where('email', '=', momo.operator).execute();

    const noPassword = await form(momo.operator, '/profile/email', { email: 'ops2@momo.example' }, { htmx: true });
    expect(noPassword.status).toBe(422);
    expect(await noPassword.text()).toContain('Enter your current password to confirm.');
    const wrong = await form(momo.operator, '/profile/email', { email: 'ops2@momo.example', current_password: 'Wrong@123' }, { htmx: true });
    expect(wrong.status).toBe(422);
    expect(await count(t, 'email_outbox', (q) => q.where('to_address', '=', 'ops2@momo.example'))).toBe(0);
  });

  it('own password change from the profile: current password required, other sessions signed out, this one kept', async () => {
    t.clock.advance(1000);
    const other = await freshToken(momo.manager, 'Operator@123');
    const cookie = await freshCookie(momo.manager, 'Operator@123');
    const wrong = await form(null, '/profile/password', { current_password: 'nope', new_password: 'Manager2026', confirm_password: 'Manager2026' }, { htmx: true, cookie });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain('That is not your current password.');
    t.clock.advance(1000);
    const ok = await form(null, '/profile/password', { current_password: 'Operator@123', new_password: 'Manager2026', confirm_password: 'Manager2026' }, { htmx: true, cookie });
    expect(ok.status).toBe(200);
    const newCookie = (ok.headers.get('set-cookie') ?? '').split(';')[0];
    expect(newCookie).toContain('d2c_session=');
    expect((await bearer(other, 'GET', '/me')).status).toBe(401);
    expect((await t.request('/profile', { headers: { cookie: newCookie } })).status).toBe(200);
    // Back to the demo password, and the cached sessions of the other tests valid again.
    const demoHash = (await t.db.selectFrom('users').select('password_hash').where('email', '=', momo.operator).executeTakeFirstOrThrow()).password_hash;
    await t.db.updateTable('users').set({ password_hash: demoHash, tokens_valid_after: new Date(0) }).where('email', '=', momo.manager).execute();
  });

  it('every user route, tried as each role of Momo and as the admin of another process', async () => {
    const target = await json<UserJson>(await t.api(momo.admin, 'POST', '/users', { name: 'Matrix Target', email: 'matrix@momo.example', role: 'viewer' }));
    const expected: [string, string, number][] = [
      ['viewer', momo.viewer, 403], ['client', momo.client, 403], ['operator', momo.operator, 403], ['manager', momo.manager, 403],
      ['admin', momo.admin, 200], ['super_admin', SUPER_ADMIN, 200], ['other process admin', ignite.admin, 404],
    ];
    for (const [role, who, status] of expected) {
      expect((await t.api(who, 'GET', `/users/${target.id}`)).status, `GET ${role}`).toBe(status);
      expect((await t.api(who, 'PATCH', `/users/${target.id}`, { name: `Matrix ${role}` })).status, `PATCH ${role}`).toBe(status);
      expect((await t.api(who, 'PATCH', `/users/${target.id}/email`, { email: `matrix-${role.replace(/\W/g, '')}@momo.example` })).status, `email ${role}`).toBe(status);
      expect((await t.api(who, 'POST', `/users/${target.id}/welcome`)).status, `welcome ${role}`).toBe(status === 200 ? 202 : status);
      const page = await t.page(who, `/users/${target.id}`);
      expect(page.status, `page ${role}`).toBe(status);
      const modal = await t.request('/users/new', { headers: { cookie: await t.cookie(who), 'hx-request': 'true', 'hx-target': 'modal' } });
      expect(modal.status, `new ${role}`).toBe(status === 404 ? 200 : status);
      expect((await form(who, `/users/${target.id}`, { role: 'operator' }, { htmx: true })).status, `form ${role}`).toBe(status);
      expect((await t.page(who, '/profile')).status, `profile ${role}`).toBe(200);
    }
    const modal = await (await t.request('/users/new', { headers: { cookie: await t.cookie(SUPER_ADMIN), 'hx-request': 'true', 'hx-target': 'modal' } })).text();
    expect(modal).toContain('role="dialog"');
    expect(modal).toContain('name="process_id"');
    expect(modal).toContain('No password is sent by email.');
  });

  it('PATCH /me renames the signed-in user, any role', async () => {
    for (const who of [momo.viewer, momo.client, momo.operator, momo.manager, momo.admin, SUPER_ADMIN, ignite.admin]) {
      const res = await t.api(who, 'PATCH', '/me', { name: 'Renamed Person' });
      expect(res.status, who).toBe(200);
      expect((await json<UserJson>(res)).name).toBe('Renamed Person');
    }
    expect((await t.api(momo.viewer, 'PATCH', '/me', { name: '' })).status).toBe(422);
    expect((await t.api(null, 'PATCH', '/me', { name: 'x' })).status).toBe(401);
  });
});
