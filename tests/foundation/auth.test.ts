import { sign } from 'hono/jwt';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../src/auth/tokens.js';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE, ...headers },
    body: new URLSearchParams(fields).toString(),
  };
}

function json(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

async function auditCount(t: TestApp): Promise<number> {
  const r = await t.db.selectFrom('audit_log').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

describe.each(DIALECTS)('sign-in on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('API login returns a token and the user, and /me answers with it', async () => {
    const res = await t.request('/api/v1/auth/login', json({ email: 'ADMIN.MOMO@d2ctelcare.com ', password: 'Admin@123' }));
    expect(res.status).toBe(200);
    const body = await res.json() as { token: string; user: Record<string, unknown> };
    expect(body.user).toMatchObject({ email: momo.admin, role: 'admin', process_slug: 'momo', name: 'Momo Admin' });
    expect(body.user).not.toHaveProperty('password_hash');
    const me = await t.request('/api/v1/me', { headers: { authorization: `Bearer ${body.token}` } });
    expect(me.status).toBe(200);
    const meBody = await me.json() as Record<string, unknown>;
    expect(meBody).toMatchObject({ email: momo.admin, role: 'admin', process_slug: 'momo', is_active: true });
    expect(String(meBody.created_at)).toMatch(/Z$/);
  });

  it('wrong password and unknown email get the same generic 401', async () => {
    const a = await t.request('/api/v1/auth/login', json({ email: momo.viewer, password: 'Wrong@123' }));
    const b = await t.request('/api/v1/auth/login', json({ email: 'nobody@nowhere.example', password: 'Wrong@123' }));
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(await a.json()).toEqual(await b.json());
  });

  it.each([
    ['empty fields', { email: '', password: '' }, 422],
    ['missing fields', {}, 422],
    ['wrong types', { email: 42, password: ['x'] }, 422],
    ['a 10 kB email', { email: `${'a'.repeat(10_000)}@x.com`, password: 'Admin@123' }, 422],
    ['SQL in the email', { email: "' OR 1=1 --", password: "' OR '1'='1" }, 401],
    ['HTML in the email', { email: '<script>alert(1)</script>', password: 'x' }, 401],
  ])('API login with %s answers %i and changes nothing', async (_name, body, status) => {
    const before = await auditCount(t);
    const res = await t.request('/api/v1/auth/login', json(body));
    expect(res.status).toBe(status);
    const err = (await res.json()) as { error: { code: string; message: string; fields?: Record<string, string> } };
    expect(err.error.code).toBe(status === 422 ? 'validation_failed' : 'unauthenticated');
    if (status === 422) expect(Object.keys(err.error.fields ?? {}).length).toBeGreaterThan(0);
    expect(await auditCount(t)).toBe(before);
  });

  it('malformed JSON is a 400, not a 500', async () => {
    const res = await t.request('/api/v1/auth/login', json('{"email": '));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    const arr = await t.request('/api/v1/auth/login', json('[1,2]'));
    expect(arr.status).toBe(400);
  });

  it('the sign-in form shows one generic message for wrong credentials and escapes what was typed', async () => {
    const res = await t.request('/login', form({ email: '<b>x</b>@example.com', password: 'nope-nope' }));
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('Invalid email or password.');
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;@example.com');
  });

  it('the sign-in form re-renders with a message per empty field', async () => {
    const res = await t.request('/login', form({ email: '', password: '' }));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Enter your email address.');
    expect(html).toContain('Enter your password.');
  });

  it('signing in through the form sets an HttpOnly SameSite=Lax cookie and returns to the asked page', async () => {
    const res = await t.request('/login', form({ email: momo.operator, password: 'Operator@123', next: '/incidents' }));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/incidents');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^d2c_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const evil = await t.request('/login', form({ email: momo.operator, password: 'Operator@123', next: '//evil.example/x' }));
    expect(evil.headers.get('location')).toBe('/');
  });

  it('never sends the browser to another site after sign-in, whatever ?next= holds', async () => {
    // Browsers drop tabs and line breaks inside a Location and read "\\" as "/": each of these would
    // have left the site as "//evil.example".
    for (const next of ['/\t/evil.example', '/\n/evil.example', '/\r\n/evil.example', '/\\evil.example', '/\t\\evil.example', '/%09/x\\y',
      'https://evil.example', '//evil.example', ' /x']) {
      const res = await t.request('/login', form({ email: momo.operator, password: 'Operator@123', next }));
      expect(res.status, JSON.stringify(next)).toBe(302);
      expect(res.headers.get('location'), JSON.stringify(next)).toBe('/');
      const signedIn = await t.request(`/login?next=${encodeURIComponent(next)}`, { headers: { cookie: await t.cookie(momo.operator) } });
      expect(signedIn.status, JSON.stringify(next)).toBe(302);
      expect(signedIn.headers.get('location'), JSON.stringify(next)).toBe('/');
    }
    // Local paths with a query still work.
    const ok = await t.request('/login', form({ email: momo.operator, password: 'Operator@123', next: '/incidents?status=open&q=a%20b' }));
    expect(ok.headers.get('location')).toBe('/incidents?status=open&q=a%20b');
  });

  it('pages redirect to sign-in when signed out; the API answers 401', async () => {
    const page = await t.request('/incidents');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login?next=%2Fincidents');
    const api = await t.request('/api/v1/dashboard');
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });

  it('refuses forged, alg:none, expired and garbage tokens', async () => {
    const claims = { userId: 1, processId: 1, role: 'super_admin', processSlug: 'ignite', iatMs: Date.now(), iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 };
    const forged = await sign(claims, 'another-secret-another-secret-another-secret', 'HS256');
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    const hs512 = await sign(claims, TEST_SECRET, 'HS512');
    const expired = await issueToken({ userId: 1, processId: 1, role: 'super_admin', processSlug: 'ignite' }, TEST_SECRET, new Date(t.clock.now().getTime() - 13 * 3600_000));
    for (const token of [forged, none, hs512, expired, 'garbage', '']) {
      const res = await t.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, token).toBe(401);
    }
    const cookieRes = await t.request('/', { headers: { cookie: `d2c_session=${forged}` } });
    expect(cookieRes.status).toBe(302);
  });

  it('refuses a token once it expires, even one that has been accepted before', async () => {
    const token = await t.token(momo.viewer);
    expect((await t.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    t.clock.advance(12 * 3600_000 + 1000);
    try {
      expect((await t.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    } finally {
      t.clock.advance(-(12 * 3600_000 + 1000));
    }
  });

  it("refuses a deactivated user's token on the very next request, and a token older than a revocation", async () => {
    const token = await t.token(momo.viewer);
    expect((await t.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await t.db.updateTable('users').set({ is_active: false }).where('email', '=', momo.viewer).execute();
    expect((await t.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const login = await t.request('/api/v1/auth/login', json({ email: momo.viewer, password: 'Viewer@123' }));
    expect(login.status).toBe(403);
    await t.db.updateTable('users').set({ is_active: true }).where('email', '=', momo.viewer).execute();
    expect((await t.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await t.db.updateTable('users').set({ tokens_valid_after: new Date(t.clock.now().getTime() + 1000) }).where('email', '=', momo.viewer).execute();
    expect((await t.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('a role change takes effect on the next request', async () => {
    const token = await t.token(momo.manager);
    const before = await t.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect(((await before.json()) as { role: string }).role).toBe('manager');
    await t.db.updateTable('users').set({ role: 'viewer' }).where('email', '=', momo.manager).execute();
    const page = await t.request('/escalations', { headers: { authorization: `Bearer ${token}` } });
    expect(page.status).toBe(403);
    await t.db.updateTable('users').set({ role: 'manager' }).where('email', '=', momo.manager).execute();
  });

  it('refuses cross-site form posts and allows same-origin ones', async () => {
    const cookie = await t.cookie(SUPER_ADMIN);
    const cross = await t.request('/switch-process', form({ process: 'momo' }, { cookie, origin: 'https://evil.example' }));
    expect(cross.status).toBe(403);
    expect(cross.headers.get('set-cookie') ?? '').not.toContain('d2c_view=momo');
    const fetchSite = await t.request('/switch-process', form({ process: 'momo' }, { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }));
    expect(fetchSite.status).toBe(403);
    const crossLogin = await t.request('/login', form({ email: momo.operator, password: 'Operator@123' }, { origin: 'https://evil.example' }));
    expect(crossLogin.status).toBe(403);
    const same = await t.request('/switch-process', form({ process: 'momo' }, { cookie, 'sec-fetch-site': 'same-origin' }));
    expect(same.status).toBe(302);
    expect(same.headers.get('set-cookie')).toContain('d2c_view=momo');
  });

  it('sign-out clears the session cookie', async () => {
    // A session of its own (t.cookie's is shared by the other tests, and signing out ends it).
    const login = await t.request('/login', form({ email: momo.operator, password: 'Operator@123' }));
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const res = await t.request('/logout', form({}, { cookie }));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login?signed_out');
    expect(res.headers.get('set-cookie')).toMatch(/d2c_session=;/);
  });

  it('rate limits failed sign-ins per email, stored in the database', async () => {
    const email = momo.client;
    for (let i = 0; i < 10; i++) {
      const r = await t.request('/api/v1/auth/login', json({ email, password: `Wrong@${i}` }));
      expect(r.status).toBe(401);
    }
    const limited = await t.request('/api/v1/auth/login', json({ email, password: 'Client@123' }));
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    const row = await t.db.selectFrom('rate_limits').selectAll().where('key', '=', `login:email:${email}`).executeTakeFirstOrThrow();
    expect(row.count).toBe(10);
    // The window passes: the right password works again.
    t.clock.advance(16 * 60_000);
    const ok = await t.request('/api/v1/auth/login', json({ email, password: 'Client@123' }));
    expect(ok.status).toBe(200);
  });

  it('rate limits an email of any allowed length (a 249-character one was never counted on MySQL)', async () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(180)}.com`;
    for (let i = 0; i < 10; i++) {
      expect((await t.request('/api/v1/auth/login', json({ email, password: `Wrong@${i}` }))).status).toBe(401);
    }
    const limited = await t.request('/api/v1/auth/login', json({ email, password: 'Wrong@10' }));
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('refuses passwords longer than bcrypt reads instead of truncating them', async () => {
    const res = await t.request('/api/v1/auth/login', json({ email: momo.operator, password: 'Operator@123' + 'x'.repeat(80) }));
    expect(res.status).toBe(401);
  });
});
