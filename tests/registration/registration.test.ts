import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dispatchOutbox } from '../../src/mail/dispatcher.js';
import { createMailer, type Mailer } from '../../src/mail/transport.js';
import { accountsOf, BASE, createTestApp, demoPassword, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

interface ErrorJson {
  error: { code: string; message: string; fields?: Record<string, string> };
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

type Table = 'users' | 'approvals' | 'audit_log' | 'email_outbox' | 'verification_codes';

async function count(t: TestApp, table: Table, where?: (q: any) => any): Promise<number> {
  let q: any = t.db.selectFrom(table).select(sql<number>`count(*)`.as('n'));
  if (where) q = where(q);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

async function snapshot(t: TestApp) {
  return Promise.all((['users', 'approvals', 'audit_log', 'email_outbox', 'verification_codes'] as Table[]).map((tb) => count(t, tb)));
}

/** The code in the newest code email to an address, read from the outbox. */
async function codeFor(t: TestApp, email: string): Promise<string> {
  const mail = await t.db.selectFrom('email_outbox').select(['subject']).where('to_address', '=', email)
    .where('template', 'in', ['auth.register_code', 'auth.reset_code']).orderBy('id', 'desc').executeTakeFirstOrThrow();
  const m = /(\d{6})/.exec(mail.subject);
  if (!m) throw new Error(`no code in "${mail.subject}"`);
  return m[1];
}

/** A wrong code that differs from the right one. */
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe.each(DIALECTS)('registration and recovery on %s', (dialect) => {
  let t: TestApp;
  let sink: SmtpSink;
  let mailer: Mailer;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    sink = await startSmtpSink();
    mailer = createMailer(sink.smtpConfig());
    await t.db.deleteFrom('email_outbox').execute();
  });
  afterAll(async () => {
    mailer?.close();
    await sink?.stop();
    await t?.close();
  });
  beforeEach(async () => {
    // Each test starts with fresh rate-limit windows (every request here comes from one "IP").
    await t.db.deleteFrom('rate_limits').execute();
    t.clock.advance(60 * 60_000);
  });

  const pub = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => t.request(`/api/v1${path}`, {
    method, headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const deliver = () => dispatchOutbox(t.db, mailer, t.clock.now());

  async function form(path: string, fields: Record<string, string>) {
    return t.request(path, {
      method: 'POST', headers: { origin: BASE, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(),
    });
  }

  it('registers in 3 steps over real SMTP: code, inactive account and access request; approval activates and emails; first login works', async () => {
    const email = 'jane.client@momo-partner.example';
    const res = await pub('POST', '/auth/register', { name: 'Jane Client', email: 'Jane.Client@Momo-Partner.example', process_slug: 'momo', phone: '+27 82 555 0100' });
    expect(res.status).toBe(202);
    await deliver();
    const otp = sink.to(email);
    expect(otp.length).toBe(1);
    expect(otp[0].from).toContain('D2C OPs Platform');
    const code = /(\d{6})/.exec(otp[0].subject)![1];
    expect(otp[0].text).toContain(code);
    expect(otp[0].text).toContain('15 minutes');
    // Hashed at rest: the table holds no code.
    const stored = await t.db.selectFrom('verification_codes').selectAll().where('email', '=', email).execute();
    expect(stored.length).toBe(1);
    expect(stored[0].code_hash).not.toContain(code);
    expect(stored[0].code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await count(t, 'users', (q) => q.where('email', '=', email))).toBe(0);

    expect((await pub('POST', '/auth/verify-code', { email, code, purpose: 'register' })).status).toBe(200);
    const done = await pub('POST', '/auth/set-password', { email, code, password: 'JaneClient1' });
    expect(done.status).toBe(200);
    expect(await json<{ completed: string }>(done)).toMatchObject({ completed: 'register', status: 'pending_approval' });

    const user = await t.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ name: 'Jane Client', role: 'client', is_active: false, phone: '+27 82 555 0100' });
    const momoId = (await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id;
    expect(user.process_id).toBe(momoId);
    const approval = await t.db.selectFrom('approvals').selectAll().where('subject_user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(approval).toMatchObject({ type: 'access', status: 'pending', submitted_by: user.id, process_id: momoId });
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'user.register').where('entity_id', '=', user.id))).toBe(1);
    // Used: the outbox no longer holds the code.
    const kept = await t.db.selectFrom('email_outbox').select(['subject', 'text']).where('to_address', '=', email).where('template', '=', 'auth.register_code').executeTakeFirstOrThrow();
    expect(kept.subject + kept.text).not.toContain(code);

    await deliver();
    expect(sink.to(momo.manager).some((m) => m.subject.includes('Jane Client'))).toBe(true);
    expect(sink.to(momo.admin).some((m) => m.subject.includes('Jane Client'))).toBe(true);
    expect(sink.to(email).some((m) => /waiting for approval/i.test(m.subject))).toBe(true);

    const early = await pub('POST', '/auth/login', { email, password: 'JaneClient1' });
    expect(early.status).toBe(403);

    const approved = await t.api(momo.manager, 'PATCH', `/approvals/${approval.id}`, { status: 'approved' });
    expect(approved.status).toBe(200);
    await deliver();
    expect(sink.to(email).some((m) => m.subject === 'Your access has been approved')).toBe(true);
    const login = await pub('POST', '/auth/login', { email, password: 'JaneClient1' });
    expect(login.status).toBe(200);
    expect((await json<{ user: { role: string } }>(login)).user.role).toBe('client');
    // The code is single use.
    expect((await pub('POST', '/auth/set-password', { email, code, password: 'Another123' })).status).toBe(422);
  });

  it('answers the same for known and unknown emails: register, forgot-password, resend, verify-code', async () => {
    const pairs: [string, unknown, unknown][] = [
      ['/auth/register', { name: 'X Person', email: momo.viewer, process_slug: 'momo' }, { name: 'X Person', email: 'nobody-here@momo.example', process_slug: 'momo' }],
      ['/auth/forgot-password', { email: momo.operator }, { email: 'nobody-at-all@momo.example' }],
      ['/auth/verify-code', { email: momo.operator, code: '000000', purpose: 'reset' }, { email: 'nobody-at-all@momo.example', code: '000000', purpose: 'reset' }],
      ['/auth/verify-code', { email: momo.viewer, code: '123456', purpose: 'register' }, { email: 'nobody-here@momo.example', code: '123456', purpose: 'register' }],
      ['/auth/set-password', { email: momo.operator, code: '000000', password: 'Whatever12' }, { email: 'nobody-at-all@momo.example', code: '000000', password: 'Whatever12' }],
    ];
    for (const [path, known, unknown] of pairs) {
      const a = await pub('POST', path, known);
      const b = await pub('POST', path, unknown);
      expect(a.status, path).toBe(b.status);
      expect(await a.text(), path).toBe(await b.text());
    }
    t.clock.advance(61_000);
    const r1 = await pub('POST', '/auth/resend-code', { email: momo.viewer, purpose: 'register' });
    const r2 = await pub('POST', '/auth/resend-code', { email: 'nobody-here@momo.example', purpose: 'register' });
    expect(r1.status).toBe(202);
    expect(r2.status).toBe(202);
    expect(await r1.text()).toBe(await r2.text());
    // The known address's owner hears about it; no code goes to them.
    const toViewer = await t.db.selectFrom('email_outbox').select('template').where('to_address', '=', momo.viewer).execute();
    expect(toViewer.map((m) => m.template)).toContain('auth.account_exists');
    expect(toViewer.map((m) => m.template)).not.toContain('auth.register_code');
    // Nobody is mailed for an unknown reset.
    expect(await count(t, 'email_outbox', (q) => q.where('to_address', '=', 'nobody-at-all@momo.example'))).toBe(0);
  });

  it('a code stops after 5 wrong tries, even when 10 guesses arrive at once; codes expire after 15 minutes', async () => {
    const email = 'brute@momo-partner.example';
    await pub('POST', '/auth/register', { name: 'Brute Force', email, process_slug: 'momo' });
    const code = await codeFor(t, email);
    for (let i = 0; i < 5; i++) {
      const res = await pub('POST', '/auth/verify-code', { email, code: wrong(code), purpose: 'register' });
      expect(res.status).toBe(422);
      expect((await json<ErrorJson>(res)).error.fields?.code).toBeTruthy();
    }
    const right = await pub('POST', '/auth/verify-code', { email, code, purpose: 'register' });
    expect(right.status).toBe(422);
    expect((await pub('POST', '/auth/set-password', { email, code, password: 'Brute12345' })).status).toBe(422);
    expect(await count(t, 'users', (q) => q.where('email', '=', email))).toBe(0);

    // Ten concurrent wrong guesses on a fresh code: five are compared, the rest refused unread.
    t.clock.advance(61_000);
    await t.db.deleteFrom('rate_limits').execute();
    await pub('POST', '/auth/resend-code', { email, purpose: 'register' });
    const fresh = await codeFor(t, email);
    expect(fresh).not.toBe(code);
    const guesses = await Promise.all(Array.from({ length: 10 }, () => pub('POST', '/auth/verify-code', { email, code: wrong(fresh), purpose: 'register' })));
    expect(guesses.every((g) => g.status === 422)).toBe(true);
    const row = await t.db.selectFrom('verification_codes').select('attempts').where('email', '=', email).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(row.attempts).toBe(5);
    // Not the rate limit (cleared here) but the code's own limit refuses even the right code now.
    await t.db.deleteFrom('rate_limits').execute();
    expect((await pub('POST', '/auth/verify-code', { email, code: fresh, purpose: 'register' })).status).toBe(422);

    // Expiry.
    t.clock.advance(61_000);
    await t.db.deleteFrom('rate_limits').execute();
    await pub('POST', '/auth/resend-code', { email, purpose: 'register' });
    const late = await codeFor(t, email);
    t.clock.advance(15 * 60_000 + 1000);
    expect((await pub('POST', '/auth/verify-code', { email, code: late, purpose: 'register' })).status).toBe(422);
  });

  it('resend is throttled (a minute apart) and only the newest code works; a code is bound to its purpose', async () => {
    const email = 'resend@momo-partner.example';
    expect((await pub('POST', '/auth/register', { name: 'Re Send', email, process_slug: 'momo' })).status).toBe(202);
    const first = await codeFor(t, email);
    const early = await pub('POST', '/auth/resend-code', { email, purpose: 'register' });
    expect(early.status).toBe(429);
    expect((await json<ErrorJson>(early)).error.code).toBe('rate_limited');
    t.clock.advance(61_000);
    expect((await pub('POST', '/auth/resend-code', { email, purpose: 'register' })).status).toBe(202);
    const second = await codeFor(t, email);
    expect((await pub('POST', '/auth/verify-code', { email, code: first, purpose: 'register' })).status).toBe(422);
    expect((await pub('POST', '/auth/verify-code', { email, code: second, purpose: 'register' })).status).toBe(200);
    // The first code's email no longer shows it.
    const old = await t.db.selectFrom('email_outbox').select('subject').where('to_address', '=', email).orderBy('id').executeTakeFirstOrThrow();
    expect(old.subject).not.toContain(first);

    // A reset code cannot complete a registration, nor the other way round.
    await pub('POST', '/auth/forgot-password', { email: momo.operator });
    const reset = await codeFor(t, momo.operator);
    expect((await pub('POST', '/auth/verify-code', { email: momo.operator, code: reset, purpose: 'register' })).status).toBe(422);
    expect((await pub('POST', '/auth/verify-code', { email, code: second, purpose: 'reset' })).status).toBe(422);
  });

  it('forgot-password asked again within a minute answers 202 (API.md: always) and the code already sent still works', async () => {
    await t.db.deleteFrom('rate_limits').execute();
    const email = momo.manager;
    expect((await pub('POST', '/auth/forgot-password', { email })).status).toBe(202);
    const code = await codeFor(t, email);
    const mailsBefore = await t.db.selectFrom('email_outbox').select('id').where('to_address', '=', email).where('template', '=', 'auth.reset_code').execute();
    t.clock.advance(5_000);
    const again = await pub('POST', '/auth/forgot-password', { email });
    expect(again.status).toBe(202);
    const unknown = [await pub('POST', '/auth/forgot-password', { email: 'twice@nowhere.example' }), await pub('POST', '/auth/forgot-password', { email: 'twice@nowhere.example' })];
    expect(unknown.map((r) => r.status)).toEqual([202, 202]);
    const mailsAfter = await t.db.selectFrom('email_outbox').select('id').where('to_address', '=', email).where('template', '=', 'auth.reset_code').execute();
    expect(mailsAfter.length).toBe(mailsBefore.length);
    expect((await pub('POST', '/auth/verify-code', { email, code, purpose: 'reset' })).status).toBe(200);
    // "Resend code" is still told to wait.
    expect((await pub('POST', '/auth/resend-code', { email, purpose: 'reset' })).status).toBe(429);
  });

  it('code checks are rate limited per email and per IP (429), and sends per email', async () => {
    const email = 'limited@momo-partner.example';
    await pub('POST', '/auth/register', { name: 'Limited', email, process_slug: 'momo' });
    let last: Response | null = null;
    for (let i = 0; i < 11; i++) last = await pub('POST', '/auth/verify-code', { email, code: '999999', purpose: 'register' });
    expect(last!.status).toBe(429);
    expect((await json<ErrorJson>(last!)).error.code).toBe('rate_limited');

    await t.db.deleteFrom('rate_limits').execute();
    for (let i = 0; i < 60; i++) {
      const res = await pub('POST', '/auth/verify-code', { email: `ip-${i}@momo-partner.example`, code: '999999', purpose: 'reset' });
      expect(res.status).toBe(422);
    }
    expect((await pub('POST', '/auth/verify-code', { email: 'ip-61@momo-partner.example', code: '999999', purpose: 'reset' })).status).toBe(429);

    await t.db.deleteFrom('rate_limits').execute();
    const sends: number[] = [];
    for (let i = 0; i < 11; i++) {
      t.clock.advance(61_000);
      sends.push((await pub('POST', '/auth/forgot-password', { email: momo.viewer })).status);
    }
    expect(sends.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(sends[10]).toBe(429);
  });

  it('forgot password over real SMTP: the code arrives, the new password works, every session is signed out', async () => {
    const oldToken = await t.token(ignite.operator);
    expect((await t.request('/api/v1/me', { headers: { authorization: `Bearer ${oldToken}` } })).status).toBe(200);
    sink.clear();
    expect((await pub('POST', '/auth/forgot-password', { email: ' OPS.Ignite@d2ctelcare.com ' })).status).toBe(202);
    await deliver();
    const mail = sink.to(ignite.operator);
    expect(mail.length).toBe(1);
    expect(mail[0].subject).toMatch(/password reset code/);
    const code = /(\d{6})/.exec(mail[0].subject)![1];

    expect((await pub('POST', '/auth/set-password', { email: ignite.operator, code, password: 'short' })).status).toBe(422);
    t.clock.advance(1000);
    const res = await pub('POST', '/auth/set-password', { email: ignite.operator, code, password: 'NewIgnite2026' });
    expect(res.status).toBe(200);
    expect((await json<{ completed: string }>(res)).completed).toBe('reset');
    expect((await t.request('/api/v1/me', { headers: { authorization: `Bearer ${oldToken}` } })).status).toBe(401);
    t.clock.advance(1000);
    expect((await pub('POST', '/auth/login', { email: ignite.operator, password: demoPassword(ignite.operator) })).status).toBe(401);
    expect((await pub('POST', '/auth/login', { email: ignite.operator, password: 'NewIgnite2026' })).status).toBe(200);
    await deliver();
    expect(sink.to(ignite.operator).some((m) => m.subject === 'Your D2C OPs password was reset')).toBe(true);
    expect(await count(t, 'audit_log', (q) => q.where('action', '=', 'user.password_reset'))).toBe(1);
  });

  it('refuses bad input with 400/422 and changes nothing', async () => {
    const before = await snapshot(t);
    const cases: [string, unknown, number, string[]][] = [
      ['/auth/register', {}, 422, ['name', 'email', 'process_slug']],
      ['/auth/register', { name: '', email: '', process_slug: '' }, 422, ['name', 'email', 'process_slug']],
      ['/auth/register', { name: 'x'.repeat(121), email: 'a@b.example', process_slug: 'momo' }, 422, ['name']],
      ['/auth/register', { name: 42, email: true, process_slug: ['momo'] }, 422, ['name', 'email', 'process_slug']],
      ['/auth/register', { name: 'Ok', email: 'not an email', process_slug: 'momo' }, 422, ['email']],
      ['/auth/register', { name: 'Ok', email: 'ok@b.example', process_slug: 'atlantis' }, 422, ['process_slug']],
      ['/auth/register', { name: '', email: 'nope', process_slug: 'atlantis' }, 422, ['name', 'email', 'process_slug']],
      ['/auth/register', { name: 'Ok', email: 'ok@b.example', process_slug: 'momo', phone: '<b>call me</b>' }, 422, ['phone']],
      ['/auth/forgot-password', { email: '' }, 422, ['email']],
      ['/auth/forgot-password', { email: `${'a'.repeat(250)}@b.example` }, 422, ['email']],
      ['/auth/verify-code', { email: 'a@b.example', code: '12ab56', purpose: 'register' }, 422, ['code']],
      ['/auth/verify-code', { email: 'a@b.example', code: '123456', purpose: 'login' }, 422, ['purpose']],
      ['/auth/verify-code', {}, 422, ['email', 'code', 'purpose']],
      ['/auth/set-password', { email: 'a@b.example', code: '123456', password: 'x'.repeat(80) }, 422, ['password']],
      ['/auth/set-password', { email: 'a@b.example', code: '123456', password: 'nodigitshere' }, 422, ['password']],
      ['/auth/resend-code', { email: 'a@b.example' }, 422, ['purpose']],
    ];
    for (const [path, body, status, fields] of cases) {
      const res = await pub('POST', path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect(Object.keys((await json<ErrorJson>(res)).error.fields ?? {}).sort(), path).toEqual([...fields].sort());
    }
    for (const path of ['/auth/register', '/auth/forgot-password', '/auth/verify-code', '/auth/set-password', '/auth/resend-code']) {
      expect((await pub('POST', path, '{not json')).status, path).toBe(400);
      expect((await pub('POST', path, '[1]')).status, path).toBe(400);
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('signed-in users of every role (and of another process) get the same public answers', async () => {
    for (const who of [momo.viewer, momo.client, momo.operator, momo.manager, momo.admin, SUPER_ADMIN, ignite.admin]) {
      t.clock.advance(61_000);
      await t.db.deleteFrom('rate_limits').execute();
      const token = await t.token(who);
      const auth = { authorization: `Bearer ${token}` };
      const a = await pub('POST', '/auth/forgot-password', { email: 'someone@momo-partner.example' }, auth);
      expect(a.status, who).toBe(202);
      const v = await pub('POST', '/auth/verify-code', { email: 'someone@momo-partner.example', code: '111111', purpose: 'reset' }, auth);
      expect(v.status, who).toBe(422);
      const r = await pub('POST', '/auth/register', { name: 'Someone', email: `someone-${who.replace(/\W/g, '')}@x.example`, process_slug: 'momo' }, auth);
      expect(r.status, who).toBe(202);
    }
  });

  it('the registration pages walk Details -> Verify -> Password with field errors; HTML is escaped', async () => {
    const page = await t.request('/register');
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const s of ['Details', 'Verify', 'Password', 'Stakeholder registration', 'value="momo"', 'name="phone"']) expect(html).toContain(s);
    expect(page.headers.get('cache-control')).toBe('no-store');

    const bad = await form('/register', { name: '<img src=x onerror=alert(1)>', email: 'nope', process_slug: 'momo' });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain('Enter a valid email address');
    expect(badHtml).not.toContain('<img src=x');
    expect(badHtml).toContain('&lt;img src=x onerror=alert(1)&gt;');

    // Every wrong field is named at once, the unknown process with the others; the input is kept.
    const all = await form('/register', { name: '', email: 'nope', process_slug: 'atlantis', phone: '+27 82 555 0100' });
    expect(all.status).toBe(422);
    const allHtml = await all.text();
    for (const field of ['name', 'email', 'process_slug']) expect(allHtml).toContain(`data-field-error="${field}"`);
    expect(allHtml).toContain('Choose your process from the list.');
    expect(allHtml).toContain('value="+27 82 555 0100"');

    const email = 'pages@momo-partner.example';
    const step2 = await form('/register', { name: 'Page Person', email, process_slug: 'momo', phone: '' });
    expect(step2.status).toBe(200);
    const s2 = await step2.text();
    expect(s2).toContain('We sent a 6-digit code to');
    expect(s2).toContain('Resend code');
    const code = await codeFor(t, email);
    const wrongPage = await form('/register/verify', { email, code: wrong(code) });
    expect(wrongPage.status).toBe(422);
    expect(await wrongPage.text()).toContain('That code is wrong or no longer valid');
    const tooSoon = await form('/register/resend', { email });
    expect(tooSoon.status).toBe(429);
    expect(await tooSoon.text()).toContain('less than a minute ago');

    const step3 = await form('/register/verify', { email, code });
    expect(step3.status).toBe(200);
    const s3 = await step3.text();
    expect(s3).toContain('Choose a password');
    expect(s3).toContain('At least 8 characters');
    expect(s3).toContain(`value="${code}"`);
    const weak = await form('/register/password', { email, code, password: 'abc', confirm_password: 'abc' });
    expect(weak.status).toBe(422);
    const mismatch = await form('/register/password', { email, code, password: 'PagePerson1', confirm_password: 'PagePerson2' });
    expect(mismatch.status).toBe(422);
    expect(await mismatch.text()).toContain('do not match');
    const done = await form('/register/password', { email, code, password: 'PagePerson1', confirm_password: 'PagePerson1' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Registration received');
    expect(await count(t, 'users', (q) => q.where('email', '=', email).where('is_active', '=', false))).toBe(1);

    // Registering the same address again emails its owner, and the page looks the same.
    t.clock.advance(61_000);
    const again = await form('/register', { name: 'Page Person', email, process_slug: 'momo' });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('We sent a 6-digit code to');

    // Signed in: /register goes home.
    const home = await t.page(momo.viewer, '/register');
    expect(home.status).toBe(302);
  });

  it('the forgot-password pages: email -> code -> new password', async () => {
    const email = 'viewer.sanlam@d2ctelcare.com';
    const start = await t.request('/forgot-password');
    expect(start.status).toBe(200);
    expect(await start.text()).toContain('Forgot your password?');
    const step2 = await form('/forgot-password', { email });
    expect(step2.status).toBe(200);
    expect(await step2.text()).toContain('has an account, a 6-digit code is on its way');
    const unknown = await form('/forgot-password', { email: 'ghost@sanlam.example' });
    expect(unknown.status).toBe(200);
    const code = await codeFor(t, email);
    const step3 = await form('/forgot-password/verify', { email, code });
    expect(step3.status).toBe(200);
    expect(await step3.text()).toContain('Choose a new password');
    const done = await form('/forgot-password/reset', { email, code, password: 'SanlamView9', confirm_password: 'SanlamView9' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Your password has been reset');
    t.clock.advance(1000);
    expect((await pub('POST', '/auth/login', { email, password: 'SanlamView9' })).status).toBe(200);
    // Code emails stay out of the processes' Email Logs.
    const codeMails = await t.db.selectFrom('email_outbox').select('process_id').where('template', 'in', ['auth.register_code', 'auth.reset_code']).execute();
    expect(codeMails.length).toBeGreaterThan(0);
    expect(codeMails.every((m) => m.process_id === null)).toBe(true);
  });
});
