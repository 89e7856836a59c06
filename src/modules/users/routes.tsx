import { Hono } from 'hono';
import { Modal } from '../../../views/components/Modal.js';
import { AppShell } from '../../../views/layout/AppShell.js';
import { UserList, type UserListProps } from '../../../views/users/UserList.js';
import { UserProfile, type ProfileForm, type ProfileProps } from '../../../views/users/UserProfile.js';
import { UserCreateForm, UsersPage } from '../../../views/users/UsersPage.js';
import { WelcomeDonePage, WelcomePage } from '../../../views/users/WelcomePage.js';
import { requireAuth, requirePermission, setSessionCookie } from '../../auth/session.js';
import { issueToken } from '../../auth/tokens.js';
import { ROLES, type Role } from '../../db/schema.js';
import { badRequest, DomainError, notFound } from '../../errors.js';
import { readForm, readJson } from '../../http/api.js';
import { actorOf, type AppEnv, type Ctx } from '../../http/env.js';
import { flash, htmxTarget, isHtmx, renderPage, shellProps, toast } from '../../http/render.js';
import { decodeCursor, pageCursor, page, parseLimit, type Cursor } from '../../pagination.js';
import { ROLE_LABELS } from '../../roles.js';
import { changeOwnPassword } from '../account/service.js';
import { findUser, listUsers, ownUser, roleCounts, type UserFilters, type UserRow } from './queries.js';
import { serializeUser } from './serialize.js';
import {
  changeEmail, createUser, grantableRoles, resendWelcome, setPasswordWithWelcome, updateOwnName, updateUser, type UserContext,
} from './service.js';
import { findWelcomeToken } from './tokens.js';

// One page holds the demo's 41 accounts, so the list opens as Figure 5.1 does: the super admin and
// every process admin visible without paging.
const PAGE_SIZE = 50;

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw notFound('User');
  return Number(raw);
}

function userContext(c: Ctx): UserContext {
  const { config, dialect } = c.get('deps');
  return { appUrl: config.appUrl, dialect };
}

/** Filters from the query string; unknown values are a 400 on the API and ignored on pages. */
function parseFilters(c: Ctx, strict: boolean): UserFilters {
  const q = c.req.query();
  const f: UserFilters = {};
  const bad = (m: string) => {
    if (strict) throw badRequest(m);
  };
  if (q.role) {
    if ((ROLES as readonly string[]).includes(q.role)) f.role = q.role as Role;
    else bad(`role must be one of: ${ROLES.join(', ')}.`);
  }
  if (q.status) {
    if (q.status === 'active' || q.status === 'inactive') f.status = q.status;
    else bad('status must be active or inactive.');
  }
  if (q.q) f.q = q.q.slice(0, 200);
  return f;
}

function filterQuery(f: UserFilters): string {
  const p = new URLSearchParams();
  if (f.role) p.set('role', f.role);
  if (f.status) p.set('status', f.status);
  if (f.q) p.set('q', f.q);
  return p.toString();
}

const cursorKey = (r: UserRow) => ({ at: r.created_at, id: r.id });

async function listProps(c: Ctx): Promise<UserListProps> {
  const filters = parseFilters(c, false);
  const cursor = pageCursor(c.req.query('cursor'));
  const rows = await listUsers(c.get('deps').db, actorOf(c), filters, cursor, PAGE_SIZE);
  const { items, next } = page(rows, PAGE_SIZE, cursorKey);
  return { rows: items, next, filters, query: filterQuery(filters) };
}

async function createFormProps(c: Ctx) {
  const actor = actorOf(c);
  const processes = actor.role === 'super_admin'
    ? await c.get('deps').db.selectFrom('processes').select(['id', 'name']).orderBy('name').execute()
    : undefined;
  const values = actor.role === 'super_admin' && actor.viewProcessId ? { process_id: String(actor.viewProcessId) } : undefined;
  return { actor, roles: grantableRoles(actor), processes, values };
}

function framed(node: unknown) {
  return <div class="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-5 shadow-sm">{node}</div>;
}

/** The profile, as an htmx swap or a full page. */
async function profileResponse(c: Ctx, props: ProfileProps, status: 200 | 403 | 409 | 422 = 200) {
  if (isHtmx(c)) return c.html(<UserProfile {...props} />, status);
  const title = props.mode === 'self' ? 'My profile' : props.user.name;
  return renderPage(c, (
    <AppShell {...await shellProps(c, title)}>
      {props.mode === 'admin' ? <a href="/users" class="mb-3 inline-block text-sm text-teal hover:underline">← All users</a> : null}
      <UserProfile {...props} />
    </AppShell>
  ), status);
}

async function adminProfileProps(c: Ctx, id: number, failed?: ProfileProps['failed']): Promise<ProfileProps> {
  const actor = actorOf(c);
  const user = await findUser(c.get('deps').db, actor, id);
  if (!user) throw notFound('User');
  return { actor, user, mode: 'admin', roles: grantableRoles(actor), failed };
}

async function selfProfileProps(c: Ctx, failed?: ProfileProps['failed']): Promise<ProfileProps> {
  const actor = actorOf(c);
  return { actor, user: await ownUser(c.get('deps').db, actor.userId), mode: 'self', roles: [], failed };
}

/** Runs a profile change; a refused one (403, 409, 422) re-renders the profile with its message on that form. */
async function profileAction(
  c: Ctx,
  form: ProfileForm,
  values: Record<string, string>,
  run: () => Promise<string>,
  props: (failed?: ProfileProps['failed']) => Promise<ProfileProps>,
) {
  try {
    const message = await run();
    if (isHtmx(c)) {
      toast(c, message, ['users:changed']);
      return profileResponse(c, await props());
    }
    flash(c, message);
    return c.redirect(c.req.path.replace(/\/(email|welcome|password)$/, ''), 302);
  } catch (err) {
    if (!(err instanceof DomainError) || ![403, 409, 422].includes(err.status)) throw err;
    const failed = { form, fields: err.fields, message: err.fields ? undefined : err.message, values };
    if (isHtmx(c) && !err.fields) toast(c, err.message, [], 'error');
    return profileResponse(c, await props(failed), err.status as 403 | 409 | 422);
  }
}

export const userPages = new Hono<AppEnv>();
userPages.use('/users', requireAuth, requirePermission('users.view'));
userPages.use('/users/*', requireAuth, requirePermission('users.view'));

userPages.get('/users', async (c) => {
  const list = await listProps(c);
  if (isHtmx(c) && htmxTarget(c) === 'user-list') return c.html(<UserList {...list} />);
  const counts = await roleCounts(c.get('deps').db, actorOf(c));
  return renderPage(c, <UsersPage shell={await shellProps(c, 'User Management')} list={list} counts={counts} />);
});

userPages.get('/users/new', requirePermission('users.manage'), async (c) => {
  const form = <UserCreateForm {...await createFormProps(c)} />;
  if (isHtmx(c)) return c.html(<Modal title="Add User">{form}</Modal>);
  return renderPage(c, <AppShell {...await shellProps(c, 'Add User')}>{framed(form)}</AppShell>);
});

userPages.post('/users', requirePermission('users.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const form = await readForm(c);
  try {
    const user = await createUser(db, actorOf(c), form, clock(), userContext(c));
    const message = `${user.name} added; the welcome email is on its way`;
    if (isHtmx(c)) {
      c.header('HX-Redirect', `/users/${user.id}`);
      flash(c, message);
      return c.body(null, 200);
    }
    flash(c, message);
    return c.redirect(`/users/${user.id}`, 302);
  } catch (err) {
    if (!(err instanceof DomainError) || ![403, 409, 422].includes(err.status)) throw err;
    const props = { ...await createFormProps(c), values: form, errors: err.fields, error: err.fields ? undefined : err.message };
    const body = <UserCreateForm {...props} />;
    const status = err.status as 403 | 409 | 422;
    if (isHtmx(c)) return c.html(body, status === 403 ? 422 : status);
    return renderPage(c, <AppShell {...await shellProps(c, 'Add User')}>{framed(body)}</AppShell>, status);
  }
});

userPages.get('/users/:id', async (c) => {
  const id = parseId(c.req.param('id'));
  if (id === actorOf(c).userId) return c.redirect('/profile', 302);
  return profileResponse(c, await adminProfileProps(c, id));
});

userPages.post('/users/:id', requirePermission('users.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const id = parseId(c.req.param('id'));
  const form = await readForm(c);
  const kind: ProfileForm = form.role !== undefined ? 'role' : form.is_active !== undefined ? 'access' : 'name';
  return profileAction(c, kind, form, async () => {
    const before = await findUser(db, actorOf(c), id);
    const user = await updateUser(db, actorOf(c), id, form, clock(), userContext(c));
    if (kind === 'role') return before?.role === user.role ? 'Role unchanged' : `${user.name} is now ${ROLE_LABELS[user.role]}`;
    if (kind === 'access') return user.is_active ? `${user.name} reactivated` : `${user.name} deactivated and signed out`;
    return 'Name saved';
  }, (failed) => adminProfileProps(c, id, failed));
});

userPages.post('/users/:id/email', requirePermission('users.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const id = parseId(c.req.param('id'));
  const form = await readForm(c);
  return profileAction(c, 'email', form, async () => {
    const user = await changeEmail(db, actorOf(c), id, form, clock(), userContext(c));
    return `Email changed to ${user.email}; both addresses are told`;
  }, (failed) => adminProfileProps(c, id, failed));
});

userPages.post('/users/:id/welcome', requirePermission('users.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const id = parseId(c.req.param('id'));
  return profileAction(c, 'welcome', {}, async () => {
    const user = await resendWelcome(db, actorOf(c), id, clock(), userContext(c));
    return `A new welcome email is on its way to ${user.email}`;
  }, (failed) => adminProfileProps(c, id, failed));
});

// ------------------------------------------------------------------ own profile (every role)

userPages.get('/profile', requireAuth, async (c) => profileResponse(c, await selfProfileProps(c)));

userPages.post('/profile', requireAuth, async (c) => {
  const { db, clock } = c.get('deps');
  const form = await readForm(c);
  return profileAction(c, 'name', form, async () => {
    await updateOwnName(db, actorOf(c), form, clock());
    return 'Name saved';
  }, (failed) => selfProfileProps(c, failed));
});

userPages.post('/profile/email', requireAuth, async (c) => {
  const { db, clock } = c.get('deps');
  const form = await readForm(c);
  const actor = actorOf(c);
  return profileAction(c, 'email', { email: form.email ?? '' }, async () => {
    const user = await changeEmail(db, actor, actor.userId, form, clock(), userContext(c), { requireCurrentPassword: true });
    return `Your email is now ${user.email}; both addresses are told`;
  }, (failed) => selfProfileProps(c, failed));
});

userPages.post('/profile/password', requireAuth, async (c) => {
  const { db, clock, config } = c.get('deps');
  const form = await readForm(c);
  const actor = actorOf(c);
  const now = clock();
  return profileAction(c, 'password', {}, async () => {
    await changeOwnPassword(db, actor, form, now);
    // This session continues with a token issued after the change; every older one is revoked.
    setSessionCookie(c, await issueToken({ userId: actor.userId, processId: actor.processId, role: actor.role, processSlug: actor.processSlug },
      config.jwtSecret, new Date(now.getTime() + 1)));
    return 'Password changed; your other sessions are signed out';
  }, (failed) => selfProfileProps(c, failed));
});

// ------------------------------------------------------------------ welcome link (public)

userPages.get('/welcome', async (c) => {
  const { db, clock } = c.get('deps');
  const token = (c.req.query('token') ?? '').slice(0, 100);
  const found = token ? await findWelcomeToken(db, token, clock()) : undefined;
  c.header('Cache-Control', 'no-store');
  return renderPage(c, <WelcomePage token={token} user={found ? { name: found.name, email: found.email } : null} />, found ? 200 : 404);
});

userPages.post('/welcome', async (c) => {
  const { db, clock } = c.get('deps');
  const form = await readForm(c);
  const token = (form.token ?? '').slice(0, 100);
  c.header('Cache-Control', 'no-store');
  try {
    const { email } = await setPasswordWithWelcome(db, token, form, clock());
    return renderPage(c, <WelcomeDonePage email={email} />);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    if (err.status === 404) return renderPage(c, <WelcomePage token={token} user={null} />, 404);
    const found = await findWelcomeToken(db, token, clock());
    return renderPage(c, <WelcomePage token={token} user={found ? { name: found.name, email: found.email } : null} errors={err.fields} />, 422);
  }
});

/* ---------------------------------------------------------------- API */

export const userApi = new Hono<AppEnv>();

userApi.get('/users', requireAuth, requirePermission('users.view'), async (c) => {
  const { db } = c.get('deps');
  const actor = actorOf(c);
  const limit = parseLimit(c.req.query('limit'));
  const rows = await listUsers(db, actor, parseFilters(c, true), decodeCursor(c.req.query('cursor')), limit);
  const { items, next } = page(rows, limit, cursorKey);
  return c.json({ items: items.map(serializeUser), next_cursor: next, role_counts: await roleCounts(db, actor) });
});

userApi.post('/users', requireAuth, requirePermission('users.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const user = await createUser(db, actorOf(c), await readJson(c), clock(), userContext(c));
  return c.json(serializeUser(user), 201);
});

userApi.get('/users/:id', requireAuth, requirePermission('users.view'), async (c) => {
  const user = await findUser(c.get('deps').db, actorOf(c), parseId(c.req.param('id')));
  if (!user) throw notFound('User');
  return c.json(serializeUser(user));
});

userApi.patch('/users/:id', requireAuth, requirePermission('users.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const user = await updateUser(db, actorOf(c), parseId(c.req.param('id')), await readJson(c), clock(), userContext(c));
  return c.json(serializeUser(user), 200);
});

/** Admin+ for the users within reach, or any signed-in user for their own address. */
userApi.patch('/users/:id/email', requireAuth, async (c) => {
  const { db, clock } = c.get('deps');
  const user = await changeEmail(db, actorOf(c), parseId(c.req.param('id')), await readJson(c), clock(), userContext(c));
  return c.json(serializeUser(user), 200);
});

userApi.post('/users/:id/welcome', requireAuth, requirePermission('users.manage'), async (c) => {
  const { db, clock } = c.get('deps');
  const user = await resendWelcome(db, actorOf(c), parseId(c.req.param('id')), clock(), userContext(c));
  return c.json(serializeUser(user), 202);
});

/** The signed-in user renames themself (any role). */
userApi.patch('/me', requireAuth, async (c) => {
  const { db, clock } = c.get('deps');
  const user = await updateOwnName(db, actorOf(c), await readJson(c), clock());
  return c.json(serializeUser(user), 200);
});

