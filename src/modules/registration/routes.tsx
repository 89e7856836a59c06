import { Hono } from 'hono';
import { StepPage, type Flow, type StepPageProps } from '../../../views/registration/RegisterPage.js';
import { clientIp } from '../../auth/session.js';
import { DomainError } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import type { AppEnv, Ctx } from '../../http/env.js';
import { renderPage } from '../../http/render.js';
import { forgotPassword, register, resendCode, setPassword, verifyCode, type AuthContext } from './service.js';

function authContext(c: Ctx): AuthContext {
  const { config } = c.get('deps');
  return { appUrl: config.appUrl, secret: config.jwtSecret, ip: clientIp(c), userAgent: c.req.header('user-agent') ?? null };
}

/** The one answer to a code request, known address or not. */
const CODE_SENT = {
  status: 'code_sent',
  message: 'If this address can be used, a 6-digit code is on its way to it. It expires in 15 minutes.',
};

async function processes(c: Ctx) {
  return c.get('deps').db.selectFrom('processes').select(['slug', 'name']).orderBy('name').execute();
}

/** Step pages are never cached: they carry the email (and on step 3 the code) in hidden fields. */
async function step(c: Ctx, props: StepPageProps, status: 200 | 409 | 422 | 429 = 200) {
  c.header('Cache-Control', 'no-store');
  const withProcesses = props.flow === 'register' && props.step === 'details' ? { ...props, processes: await processes(c) } : props;
  return renderPage(c, <StepPage {...withProcesses} />, status);
}

/** Renders a refused step again: field messages on the form, anything else as the page's error. */
function refused(c: Ctx, err: unknown, props: StepPageProps) {
  if (!(err instanceof DomainError) || ![409, 422, 429].includes(err.status)) throw err;
  return step(c, { ...props, errors: err.fields, error: err.fields ? undefined : err.message }, err.status as 409 | 422 | 429);
}

const email = (form: Record<string, string>) => (form.email ?? '').slice(0, 254);

/** Steps 2 and 3 and "Resend code" of one flow: the same shape for registration and recovery. */
function flowRoutes(app: Hono<AppEnv>, flow: Flow, base: string, finish: string) {
  const purpose = flow === 'register' ? 'register' : 'reset';

  app.post(`${base}/resend`, async (c) => {
    const { db, clock } = c.get('deps');
    const form = await readForm(c);
    const values = { email: email(form) };
    try {
      await resendCode(db, { email: form.email, purpose }, clock(), authContext(c));
      return step(c, { flow, step: 'verify', values, notice: 'A new code is on its way. Only the newest code works.' });
    } catch (err) {
      if (err instanceof DomainError && err.status === 422 && err.fields?.email) return refused(c, err, { flow, step: 'details', values });
      return refused(c, err, { flow, step: 'verify', values });
    }
  });

  app.post(`${base}/verify`, async (c) => {
    const { db, clock } = c.get('deps');
    const form = await readForm(c);
    const values = { email: email(form), code: (form.code ?? '').replace(/\s+/g, '').slice(0, 6) };
    try {
      await verifyCode(db, { email: form.email, code: form.code, purpose }, clock(), authContext(c));
      return step(c, { flow, step: 'password', values });
    } catch (err) {
      return refused(c, err, { flow, step: 'verify', values: { email: values.email } });
    }
  });

  app.post(`${base}${finish}`, async (c) => {
    const { db, clock } = c.get('deps');
    const form = await readForm(c);
    const values = { email: email(form), code: (form.code ?? '').slice(0, 6) };
    try {
      await setPassword(db, { email: form.email, code: form.code, password: form.password, confirm_password: form.confirm_password, purpose }, clock(), authContext(c));
      return step(c, { flow, step: 'done', values: { email: values.email } });
    } catch (err) {
      // A code that stopped working (expired, used meanwhile) sends the user back to step 2.
      if (err instanceof DomainError && err.fields?.code) return refused(c, err, { flow, step: 'verify', values: { email: values.email } });
      if (err instanceof DomainError && err.status === 409) return refused(c, err, { flow, step: 'details', values: { email: values.email } });
      return refused(c, err, { flow, step: 'password', values });
    }
  });
}

export const registrationPages = new Hono<AppEnv>();

registrationPages.get('/register', async (c) => {
  if (c.get('actor')) return c.redirect('/', 302);
  return step(c, { flow: 'register', step: 'details' });
});

registrationPages.post('/register', async (c) => {
  const { db, clock } = c.get('deps');
  const form = await readForm(c);
  const values = { name: (form.name ?? '').slice(0, 120), email: email(form), process_slug: (form.process_slug ?? '').slice(0, 64), phone: (form.phone ?? '').slice(0, 40) };
  try {
    await register(db, form, clock(), authContext(c));
    return step(c, { flow: 'register', step: 'verify', values: { email: values.email.trim().toLowerCase() } });
  } catch (err) {
    return refused(c, err, { flow: 'register', step: 'details', values });
  }
});

registrationPages.get('/forgot-password', async (c) => {
  if (c.get('actor')) return c.redirect('/profile', 302);
  return step(c, { flow: 'reset', step: 'details' });
});

registrationPages.post('/forgot-password', async (c) => {
  const { db, clock } = c.get('deps');
  const form = await readForm(c);
  const values = { email: email(form) };
  try {
    await forgotPassword(db, form, clock(), authContext(c));
    return step(c, { flow: 'reset', step: 'verify', values: { email: values.email.trim().toLowerCase() } });
  } catch (err) {
    return refused(c, err, { flow: 'reset', step: 'details', values });
  }
});

flowRoutes(registrationPages, 'register', '/register', '/password');
flowRoutes(registrationPages, 'reset', '/forgot-password', '/reset');

/* ---------------------------------------------------------------- API (public) */

export const registrationApi = new Hono<AppEnv>();

registrationApi.post('/auth/register', async (c) => {
  const { db, clock } = c.get('deps');
  await register(db, await readJson(c), clock(), authContext(c));
  return c.json(CODE_SENT, 202);
});

registrationApi.post('/auth/resend-code', async (c) => {
  const { db, clock } = c.get('deps');
  await resendCode(db, await readJson(c), clock(), authContext(c));
  return c.json(CODE_SENT, 202);
});

registrationApi.post('/auth/forgot-password', async (c) => {
  const { db, clock } = c.get('deps');
  await forgotPassword(db, await readJson(c), clock(), authContext(c));
  return c.json(CODE_SENT, 202);
});

registrationApi.post('/auth/verify-code', async (c) => {
  const { db, clock } = c.get('deps');
  await verifyCode(db, await readJson(c), clock(), authContext(c));
  return c.json({ verified: true }, 200);
});

registrationApi.post('/auth/set-password', async (c) => {
  const { db, clock } = c.get('deps');
  const done = await setPassword(db, await readJson(c), clock(), authContext(c));
  return c.json(done.purpose === 'register'
    ? { completed: 'register', status: 'pending_approval', message: 'Registration complete. You can sign in once the operations team approves your access request.' }
    : { completed: 'reset', status: 'password_reset', message: 'Password reset. Every session of the account was signed out; sign in with the new password.' }, 200);
});
