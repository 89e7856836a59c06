import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, demoPassword, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const other = accountsOf('sanlam');

describe.each(DIALECTS)('signing out ends that session for good, on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  /** A session of its own, a second later than the last one (tokens of the same millisecond are one token). */
  async function browserSession(email: string): Promise<string> {
    t.clock.advance(1000);
    const res = await t.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE },
      body: new URLSearchParams({ email, password: demoPassword(email) }).toString(),
    });
    expect(res.status).toBe(302);
    return (res.headers.get('set-cookie') ?? '').split(';')[0];
  }

  async function apiToken(email: string): Promise<string> {
    t.clock.advance(1000);
    const res = await t.request('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: demoPassword(email) }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  }

  const me = (token: string) => t.request('/api/v1/me', { headers: { authorization: `Bearer ${token}` } });
  const logoutApi = (token?: string) => t.request('/api/v1/auth/logout', { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
  const logoutPage = (cookie: string) => t.request('/logout', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE, cookie }, body: '',
  });

  it('a copy of a signed-out session cookie opens nothing, while the same user\'s other sessions stay signed in', async () => {
    const laptop = await browserSession(momo.operator);
    const phone = await browserSession(momo.operator);
    expect((await t.request('/incidents', { headers: { cookie: laptop } })).status).toBe(200);

    const out = await logoutPage(laptop);
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('/login?signed_out');

    const replay = await t.request('/incidents', { headers: { cookie: laptop } });
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toMatch(/^\/login\?next=/);
    expect((await t.request('/incidents', { headers: { cookie: phone } })).status).toBe(200);
  });

  it('POST /api/v1/auth/logout answers 204 for every role and the token then gets 401', async () => {
    for (const email of [SUPER_ADMIN, momo.admin, momo.manager, momo.operator, momo.viewer, momo.client]) {
      const token = await apiToken(email);
      expect((await me(token)).status).toBe(200);
      const res = await logoutApi(token);
      expect(res.status, email).toBe(204);
      expect((await me(token)).status, email).toBe(401);
      expect((await logoutApi(token)).status, email).toBe(401);
    }
  });

  it('signing out touches only the token sent: another user, in this process or another, stays signed in', async () => {
    const mine = await apiToken(momo.manager);
    const colleague = await apiToken(momo.operator);
    const elsewhere = await apiToken(other.admin);
    expect((await logoutApi(mine)).status).toBe(204);
    expect((await me(colleague)).status).toBe(200);
    expect((await me(elsewhere)).status).toBe(200);
  });

  it('without a valid token the API answers 401 and changes nothing; the page just clears the cookie', async () => {
    const before = await t.db.selectFrom('revoked_tokens').selectAll().execute();
    expect((await logoutApi()).status).toBe(401);
    expect((await logoutApi('not-a-token')).status).toBe(401);
    const page = await logoutPage('d2c_session=garbage');
    expect(page.status).toBe(302);
    expect(page.headers.get('set-cookie')).toMatch(/d2c_session=;/);
    expect(await t.db.selectFrom('revoked_tokens').selectAll().execute()).toEqual(before);
  });

  it('an account that must still change its default password can sign out through the API', async () => {
    await t.db.updateTable('users').set({ must_change_password: true }).where('email', '=', momo.viewer).execute();
    try {
      const token = await apiToken(momo.viewer);
      expect((await t.request('/api/v1/incidents', { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
      expect((await logoutApi(token)).status).toBe(204);
      expect((await me(token)).status).toBe(401);
    } finally {
      await t.db.updateTable('users').set({ must_change_password: false }).where('email', '=', momo.viewer).execute();
    }
  });

  it('keeps a signed-out token only until it would have expired anyway', async () => {
    const old = await apiToken(momo.admin);
    expect((await logoutApi(old)).status).toBe(204);
    const rowsFor = async (id: number) => t.db.selectFrom('revoked_tokens').selectAll().where('user_id', '=', id).execute();
    const admin = await t.db.selectFrom('users').select('id').where('email', '=', momo.admin).executeTakeFirstOrThrow();
    const [kept] = await rowsFor(admin.id);
    expect(kept.expires_at.getTime() - Number(kept.issued_at_ms)).toBe(12 * 3600_000);

    t.clock.advance(12 * 3600_000 + 1000);
    const next = await apiToken(momo.admin);
    expect((await logoutApi(next)).status).toBe(204);
    const left = await rowsFor(admin.id);
    expect(left).toHaveLength(1);
    expect(Number(left[0].issued_at_ms)).toBe(t.clock.now().getTime());
  });
});
