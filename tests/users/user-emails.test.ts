import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchOutbox } from '../../src/mail/dispatcher.js';
import { createMailer, type Mailer } from '../../src/mail/transport.js';
import { accountsOf, BASE, createTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const momo = accountsOf('momo');

/** The Welcome and Email Changed rows of the email matrix, delivered through a real SMTP server on loopback. */
describe.each(DIALECTS)('user emails over SMTP on %s', (dialect) => {
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

  const deliver = () => dispatchOutbox(t.db, mailer, t.clock.now());
  const setPassword = (path: string, password: string) => t.request(path, {
    method: 'POST', headers: { origin: BASE, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: new URL(path, BASE).searchParams.get('token') ?? '', password, confirm_password: password }).toString(),
  });

  it('the Welcome email arrives with a set-password link (no password) that works exactly once', async () => {
    const res = await t.api(momo.admin, 'POST', '/users', { name: 'Welcome Wendy', email: 'wendy@momo.example', role: 'operator' });
    expect(res.status).toBe(201);
    await deliver();
    const mail = sink.to('wendy@momo.example');
    expect(mail.length).toBe(1);
    expect(mail[0].from).toContain('D2C OPs Platform');
    expect(mail[0].subject).toContain('choose your password');
    const link = /(http:\/\/localhost:3000\/welcome\?token=[A-Za-z0-9_-]+)/.exec(mail[0].text ?? '')![1];
    expect(mail[0].html).toContain(link.replace(/&/g, '&amp;'));
    expect(mail[0].text).not.toMatch(/^(temporary )?password:/im);
    // The plain-text part has no button to point at.
    expect(mail[0].text).not.toMatch(/button/i);

    const path = link.slice(BASE.length);
    const page = await t.request(path);
    expect(page.status).toBe(200);
    const posted = await setPassword(`/welcome?${new URL(link).searchParams.toString()}`, 'Wendy2026ok');
    expect(posted.status).toBe(200);
    const login = await t.request('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'wendy@momo.example', password: 'Wendy2026ok' }),
    });
    expect(login.status).toBe(200);
    const reuse = await setPassword(`/welcome?${new URL(link).searchParams.toString()}`, 'Stolen2026x');
    expect(reuse.status).toBe(404);
    expect((await t.request(path)).status).toBe(404);
  });

  it('Email Changed goes to the old and the new address', async () => {
    const id = (await t.db.selectFrom('users').select('id').where('email', '=', momo.viewer).executeTakeFirstOrThrow()).id;
    sink.clear();
    const res = await t.api(momo.admin, 'PATCH', `/users/${id}/email`, { email: 'viewer.new@momo.example' });
    expect(res.status).toBe(200);
    await deliver();
    const old = sink.to(momo.viewer);
    const fresh = sink.to('viewer.new@momo.example');
    expect(old.length).toBe(1);
    expect(fresh.length).toBe(1);
    expect(old[0].subject).toBe('Your D2C OPs email address was changed');
    expect(old[0].text).toContain('viewer.new@momo.example');
    expect(old[0].text).toContain('Momo Admin');
    expect(fresh[0].subject).toBe('This is now your D2C OPs sign-in email');
    expect(fresh[0].text).toContain(momo.viewer);
    // The old address no longer signs in; the new one does, with the same password.
    const login = (email: string) => t.request('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'Viewer@123' }),
    });
    expect((await login(momo.viewer)).status).toBe(401);
    expect((await login('viewer.new@momo.example')).status).toBe(200);
  });
});
