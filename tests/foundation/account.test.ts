import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');

describe.each(DIALECTS)('changing one\'s own password on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const post = async (cookie: string, fields: Record<string, string>) => t.request('/account/password', {
    method: 'POST',
    headers: { cookie, origin: BASE, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

  it('an account flagged to change its password can open nothing else until it has', async () => {
    await t.db.updateTable('users').set({ must_change_password: true }).where('email', '=', momo.viewer).execute();
    const cookie = await t.cookie(momo.viewer);
    const home = await t.request('/', { headers: { cookie } });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/account/password');
    const page = await t.request('/account/password', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('still has its default password');
  });

  it('the API holds the same line: a flagged account gets only GET /me until the password is changed', async () => {
    await t.db.updateTable('users').set({ must_change_password: true }).where('email', '=', momo.operator).execute();
    const token = await t.token(momo.operator);
    const auth = { authorization: `Bearer ${token}` };
    expect((await t.request('/api/v1/me', { headers: auth })).status).toBe(200);
    for (const [method, path, body] of [
      ['GET', '/api/v1/incidents', undefined], ['GET', '/api/v1/dashboard', undefined],
      ['POST', '/api/v1/incidents', { title: 'Default password at work', severity: 2 }], ['PATCH', '/api/v1/me', { name: 'Renamed' }],
    ] as const) {
      const res = await t.request(path, { method, headers: { ...auth, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(((await res.json()) as { error: { code: string; message: string } }).error.message).toContain('/account/password');
    }
    expect(await t.db.selectFrom('incidents').select('id').where('title', '=', 'Default password at work').execute()).toHaveLength(0);
    await t.db.updateTable('users').set({ must_change_password: false }).where('email', '=', momo.operator).execute();
    expect((await t.request('/api/v1/incidents', { headers: auth })).status).toBe(200);
  });

  it('the API changes the password too (POST /api/v1/me/password): a flagged account gets a new token and its way back', async () => {
    await t.db.updateTable('users').set({ must_change_password: true }).where('email', '=', momo.admin).execute();
    const old = { authorization: `Bearer ${await t.token(momo.admin)}`, 'content-type': 'application/json' };
    const change = (headers: Record<string, string>, body: unknown) => t.request('/api/v1/me/password', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    expect((await change({ 'content-type': 'application/json' }, { current_password: 'Admin@123', new_password: 'Fresh@2026x' })).status).toBe(401);
    expect((await change(old, '{"current_password":')).status).toBe(400);
    for (const [body, field] of [
      [{ current_password: 'Wrong@123', new_password: 'Fresh@2026x' }, 'current_password'],
      [{ current_password: 'Admin@123' }, 'new_password'],
      [{ current_password: 'Admin@123', new_password: 'short' }, 'new_password'],
      [{ current_password: 'Admin@123', new_password: 12345678 }, 'new_password'],
      [{ current_password: 'Admin@123', new_password: 'Fresh@2026x', confirm_password: 'Fresh@2026y' }, 'confirm_password'],
    ] as const) {
      const res = await change(old, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(((await res.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty(field);
    }
    expect((await t.request('/api/v1/incidents', { headers: old })).status).toBe(403); // still flagged
    t.clock.advance(1000);
    const res = await change(old, { current_password: 'Admin@123', new_password: 'Fresh@2026x' });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    expect((await t.request('/api/v1/incidents', { headers: old })).status).toBe(401); // older tokens revoked
    expect((await t.request('/api/v1/incidents', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const login = await t.request('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: momo.admin, password: 'Fresh@2026x' }),
    });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { must_change_password: boolean }).must_change_password).toBe(false);
  });

  it.each([
    ['a wrong current password', { current_password: 'Nope@1234', new_password: 'Fresh@2026x', confirm_password: 'Fresh@2026x' }, 'current_password'],
    ['a short new password', { current_password: 'Viewer@123', new_password: 'a1', confirm_password: 'a1' }, 'new_password'],
    ['a password over 72 bytes', { current_password: 'Viewer@123', new_password: 'é1'.repeat(40), confirm_password: 'é1'.repeat(40) }, 'new_password'],
    ['a mismatched confirmation', { current_password: 'Viewer@123', new_password: 'Fresh@2026x', confirm_password: 'Fresh@2026y' }, 'confirm_password'],
    ['the same password again', { current_password: 'Viewer@123', new_password: 'Viewer@123', confirm_password: 'Viewer@123' }, 'new_password'],
  ])('refuses %s with a message on that field and changes nothing', async (_name, fields, field) => {
    const before = await t.db.selectFrom('users').select('password_hash').where('email', '=', momo.viewer).executeTakeFirstOrThrow();
    const res = await post(await t.cookie(momo.viewer), fields);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(`data-field-error="${field}"`);
    const after = await t.db.selectFrom('users').select('password_hash').where('email', '=', momo.viewer).executeTakeFirstOrThrow();
    expect(after.password_hash).toBe(before.password_hash);
  });

  it('a good change clears the flag, keeps this session, and revokes older tokens', async () => {
    const oldToken = await t.token(momo.viewer);
    t.clock.advance(1000);
    const res = await post(await t.cookie(momo.viewer), { current_password: 'Viewer@123', new_password: 'Fresh@2026x', confirm_password: 'Fresh@2026x' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    const newCookie = (res.headers.get('set-cookie') ?? '').split(',').map((s) => s.trim()).find((s) => s.startsWith('d2c_session='))!.split(';')[0];
    expect((await t.request('/', { headers: { cookie: newCookie } })).status).toBe(200);
    expect((await t.request('/api/v1/me', { headers: { authorization: `Bearer ${oldToken}` } })).status).toBe(401);
    const login = await t.request('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: momo.viewer, password: 'Fresh@2026x' }),
    });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { must_change_password: boolean }).must_change_password).toBe(false);
    const viewer = await t.db.selectFrom('users').select('id').where('email', '=', momo.viewer).executeTakeFirstOrThrow();
    const audit = await t.db.selectFrom('audit_log').select('action').where('action', '=', 'user.password_change').where('entity_id', '=', viewer.id).execute();
    expect(audit).toHaveLength(1);
  });
});
