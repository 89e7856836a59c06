import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');
const ROLES = [momo.viewer, momo.client, momo.operator, momo.manager, momo.admin, SUPER_ADMIN, ignite.viewer];

async function count(t: TestApp, table: 'oncall_schedules' | 'oncall_rotations' | 'audit_log'): Promise<number> {
  return Number((await t.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
}

describe.each(DIALECTS)('on-call pages on %s', (dialect) => {
  let t: TestApp;
  let ids: Record<string, number>;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    ids = {};
    for (const [k, email] of Object.entries(momo)) {
      ids[k] = (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    }
    ids.igniteOperator = (await t.db.selectFrom('users').select('id').where('email', '=', ignite.operator).executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  async function post(email: string, path: string, fields: Record<string, string>, htmx = true) {
    const headers: Record<string, string> = { cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded' };
    if (htmx) headers['hx-request'] = 'true';
    return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  }

  async function get(email: string, path: string, hxTarget?: string) {
    const headers: Record<string, string> = { cookie: await t.cookie(email) };
    if (hxTarget) Object.assign(headers, { 'hx-request': 'true', 'hx-target': hxTarget });
    return t.request(path, { headers });
  }

  it('every role sees the schedule of its own process with the on-call-now card; only managers+ get the add and remove buttons', async () => {
    for (const email of ROLES) {
      const res = await t.page(email, '/oncall');
      expect(res.status, email).toBe(200);
      const html = await res.text();
      expect(html).toContain('On call now');
      expect(html).toContain('data-testid="oncall-table"');
      const manage = [momo.manager, momo.admin, SUPER_ADMIN].includes(email);
      expect(html.includes('data-testid="add-oncall"'), email).toBe(manage);
      expect(html.includes('data-action="delete"'), email).toBe(manage);
      if (email === ignite.viewer) {
        expect(html).toContain('Ignite Operator');
        expect(html).not.toContain('Momo Operator');
      }
    }
    // Today (9 May in Johannesburg) the demo seed has the manager primary, the operator backup, the admin escalation.
    const html = await (await t.page(momo.viewer, '/oncall')).text();
    expect(html).toMatch(/data-testid="oncall-now-primary">\s*Momo Manager/);
    expect(html).toMatch(/data-testid="oncall-now-backup">\s*Momo Operator/);
    expect(html).toMatch(/data-testid="oncall-now-escalation">\s*Momo Admin/);
    // The super_admin on "All processes" sees one line per process and a Process column.
    const all = await (await t.page(SUPER_ADMIN, '/oncall')).text();
    for (const name of ['Ignite', 'Momo', 'Muzanu']) expect(all).toContain(`data-process="${name.toLowerCase()}"`);
    expect(all).toMatch(/<th[^>]*>Process<\/th>/);
    // Everyone else sees it too, with their own process: section 6.11 lists Date, Person, Role and Process.
    expect(html).toMatch(/<th[^>]*>Process<\/th>/);
    expect(html).toMatch(/<td[^>]*>Momo<\/td>/);
    expect((await t.request('/oncall')).status).toBe(302);
  });

  it('the coverage warning names the days without a primary for staff, not for clients', async () => {
    for (const email of [momo.viewer, momo.operator, momo.manager]) {
      const html = await (await t.page(email, '/oncall')).text();
      expect(html, email).toContain('data-testid="coverage-warning"');
      // The seed covers up to 19 May; 20 to 22 May of the next 14 days have no primary.
      expect(html).toContain('3 days of the next 14 have no primary on call: Wed 20 May 2026, Thu 21 May 2026, Fri 22 May 2026.');
    }
    expect(await (await t.page(momo.client, '/oncall')).text()).not.toContain('coverage-warning');
  });

  it('the date range filters the list; bad dates fall back to the default two weeks', async () => {
    const res = await get(momo.viewer, '/oncall?from=2026-05-10&to=2026-05-11', 'oncall-list');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain('<html');
    const dates = [...html.matchAll(/data-date="([\d-]+)"/g)].map((m) => m[1]);
    expect(new Set(dates)).toEqual(new Set(['2026-05-10', '2026-05-11']));
    const bad = await (await t.page(momo.viewer, '/oncall?from=nonsense&to=2026-99-99')).text();
    expect(bad).toContain('value="2026-05-09"');
    expect(bad).toContain('value="2026-05-22"');
    const empty = await (await get(momo.viewer, '/oncall?from=2027-01-01&to=2027-01-14', 'oncall-list')).text();
    expect(empty).toContain('Nobody is on call in these dates');
  });

  it('the Add modal (person, role, date) is for managers and above; others get 403', async () => {
    const res = await get(momo.manager, '/oncall/new', 'modal');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Add On-Call Schedule');
    expect(html).toContain('name="user_id"');
    expect(html).toContain('<option value="primary" selected="">Primary</option>');
    expect(html).toContain('name="date" type="date"');
    expect(html).toContain('Momo Operator (Operator)');
    expect(html).not.toContain('Momo Viewer');
    expect(html).not.toContain('Ignite');
    for (const email of [momo.viewer, momo.client, momo.operator]) {
      expect((await t.page(email, '/oncall/new')).status, email).toBe(403);
      expect((await t.page(email, '/oncall/rotations/new')).status, email).toBe(403);
    }
    // The super_admin on "All processes" chooses the process first.
    const sa = await (await get(SUPER_ADMIN, '/oncall/new', 'modal')).text();
    expect(sa).toContain('name="process_id"');
    expect(sa).toContain('Choose the process first.');
    const saMomo = await (await get(SUPER_ADMIN, `/oncall/new?process_id=${(await t.db.selectFrom('processes').select('id').where('slug', '=', 'momo').executeTakeFirstOrThrow()).id}`, 'oncall-form')).text();
    expect(saMomo).toContain('Momo Operator (Operator)');
  });

  it('adding through the form: a toast, the modal closes, the lists refresh; errors re-render the form with messages', async () => {
    const before = await count(t, 'oncall_schedules');
    const ok = await post(momo.manager, '/oncall', { user_id: String(ids.operator), role: 'primary', date: '2026-06-01' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('hx-retarget')).toBe('#modal');
    const trigger = JSON.parse(ok.headers.get('hx-trigger')!);
    expect(trigger.toast.message).toBe('Momo Operator is primary on call on Mon 1 Jun 2026');
    expect(trigger['oncall:changed']).toBe(true);
    expect(await count(t, 'oncall_schedules')).toBe(before + 1);

    const dup = await post(momo.manager, '/oncall', { user_id: String(ids.manager), role: 'primary', date: '2026-06-01' });
    expect(dup.status).toBe(409);
    const dupHtml = await dup.text();
    expect(dupHtml).toContain('data-form-error');
    expect(dupHtml).toContain('Momo Operator is already the primary on call on Mon 1 Jun 2026');
    const bad = await post(momo.manager, '/oncall', { user_id: String(ids.igniteOperator), role: 'primary', date: '2026-02-30' });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain('data-field-error="user_id"');
    expect(badHtml).toContain('data-field-error="date"');
    expect(badHtml).toContain('value="2026-02-30"');
    expect(await count(t, 'oncall_schedules')).toBe(before + 1);
    // Without htmx: a redirect with a flash, or the form page with the errors.
    const plain = await post(momo.admin, '/oncall', { user_id: String(ids.manager), role: 'backup', date: '2026-06-01' }, false);
    expect(plain.status).toBe(302);
    expect(plain.headers.get('location')).toBe('/oncall?from=2026-06-01');
    expect((await post(momo.admin, '/oncall', { user_id: '', role: 'backup', date: '' }, false)).status).toBe(422);
    for (const email of [momo.viewer, momo.client, momo.operator]) {
      expect((await post(email, '/oncall', { user_id: String(ids.operator), role: 'backup', date: '2026-06-02' })).status, email).toBe(403);
    }
    expect(await count(t, 'oncall_schedules')).toBe(before + 2);
  });

  it('names in any script reach the toast intact (no 500 from a non-Latin-1 header)', async () => {
    await t.db.updateTable('users').set({ name: 'Łukasz Żółć 東京 🚀' }).where('id', '=', ids.operator).execute();
    try {
      const res = await post(momo.manager, '/oncall', { user_id: String(ids.operator), role: 'escalation', date: '2026-06-03' });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.headers.get('hx-trigger')!).toast.message).toBe('Łukasz Żółć 東京 🚀 is escalation on call on Wed 3 Jun 2026');
      const row = await t.db.selectFrom('oncall_schedules').select('id').where('date', '=', '2026-06-03').where('role', '=', 'escalation').executeTakeFirstOrThrow();
      const del = await post(momo.manager, `/oncall/${row.id}/delete`, {});
      expect(del.status).toBe(200);
      expect(JSON.parse(del.headers.get('hx-trigger')!).toast.message).toBe('Łukasz Żółć 東京 🚀 removed from the schedule on Wed 3 Jun 2026');
    } finally {
      await t.db.updateTable('users').set({ name: 'Momo Operator' }).where('id', '=', ids.operator).execute();
    }
  });

  it('removing asks for confirmation, answers with a toast and refreshes; another process gets 404, viewers 403', async () => {
    const row = await t.db.selectFrom('oncall_schedules').select('id').where('date', '=', '2026-06-01').where('role', '=', 'backup').executeTakeFirstOrThrow();
    const list = await (await get(momo.manager, '/oncall?from=2026-06-01&to=2026-06-01', 'oncall-list')).text();
    expect(list).toContain(`hx-post="/oncall/${row.id}/delete"`);
    expect(list).toContain('hx-confirm="Remove Momo Manager (backup) from the on-call schedule on Mon 1 Jun 2026?"');
    for (const email of [momo.viewer, momo.client, momo.operator]) expect((await post(email, `/oncall/${row.id}/delete`, {})).status, email).toBe(403);
    for (const email of [ignite.manager, ignite.admin]) expect((await post(email, `/oncall/${row.id}/delete`, {})).status, email).toBe(404);
    expect((await post(momo.manager, '/oncall/999999/delete', {})).status).toBe(404);
    const res = await post(momo.manager, `/oncall/${row.id}/delete`, {});
    expect(res.status).toBe(200);
    expect(JSON.parse(res.headers.get('hx-trigger')!)['oncall:changed']).toBe(true);
    expect(await t.db.selectFrom('oncall_schedules').select('id').where('id', '=', row.id).executeTakeFirst()).toBeUndefined();
  });

  it('a rotation from the form: members in order, text shown escaped, generated shifts in the schedule; generate again keeps them', async () => {
    const rotationsBefore = await count(t, 'oncall_rotations');
    const name = '<script>alert("x")</script> Weekly & more';
    const res = await post(momo.manager, '/oncall/rotations', {
      name, role: 'backup', member_1: String(ids.operator), member_2: '', member_3: String(ids.admin),
      start_date: '2026-07-06', handoff_time: '08:00', shift_days: '7', weeks: '10',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.headers.get('hx-trigger')!).toast.message).toContain('12 shifts written');
    expect(await count(t, 'oncall_rotations')).toBe(rotationsBefore + 1);
    const r = await t.db.selectFrom('oncall_rotations').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(r.member_ids)).toEqual([ids.operator, ids.admin]);

    const page = await (await t.page(momo.viewer, '/oncall')).text();
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Weekly &amp; more');
    const schedule = await (await get(momo.viewer, '/oncall?from=2026-07-06&to=2026-07-15', 'oncall-list')).text();
    expect(schedule).toContain('08:00 → 08:00 next day');

    const gen = await post(momo.manager, `/oncall/rotations/${r.id}/generate`, { weeks: '10' });
    expect(gen.status).toBe(200);
    const genHtml = await gen.text();
    expect(genHtml).toContain('data-testid="generate-result"');
    expect(genHtml).toContain('0 shifts written, 12 already there');
    const badGen = await post(momo.manager, `/oncall/rotations/${r.id}/generate`, { weeks: '99' });
    expect(badGen.status).toBe(422);
    expect(await badGen.text()).toContain('Weeks to generate must be between 1 and 26.');
    const bad = await post(momo.manager, '/oncall/rotations', { name: '', role: 'backup', start_date: 'x', handoff_time: '25:00', shift_days: '0' });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    for (const f of ['name', 'member_ids', 'start_date', 'handoff_time', 'shift_days']) expect(badHtml).toContain(`data-field-error="${f}"`);
    expect(await count(t, 'oncall_rotations')).toBe(rotationsBefore + 1);
    for (const email of [momo.viewer, momo.client, momo.operator]) {
      expect((await post(email, `/oncall/rotations/${r.id}/generate`, { weeks: '1' })).status, email).toBe(403);
      expect((await post(email, `/oncall/rotations/${r.id}/delete`, {})).status, email).toBe(403);
    }
    expect((await post(ignite.manager, `/oncall/rotations/${r.id}/generate`, { weeks: '1' })).status).toBe(404);
    expect((await post(ignite.manager, `/oncall/rotations/${r.id}/delete`, {})).status).toBe(404);
    const del = await post(momo.admin, `/oncall/rotations/${r.id}/delete`, {});
    expect(del.status).toBe(200);
    expect(JSON.parse(del.headers.get('hx-trigger')!).toast.message).toContain('12 coming shifts removed');
  });

  it('form pages and posts by role: managers, admins and the super_admin only; another process cannot reach this one', async () => {
    for (const email of [momo.manager, momo.admin, SUPER_ADMIN, ignite.manager]) {
      expect((await t.page(email, '/oncall/new')).status, email).toBe(200);
      expect((await t.page(email, '/oncall/rotations/new')).status, email).toBe(200);
    }
    const rotationsBefore = await count(t, 'oncall_rotations');
    const rowsBefore = await count(t, 'oncall_schedules');
    const body = { name: 'Role matrix', role: 'escalation', member_1: String(ids.operator), start_date: '2026-09-01', handoff_time: '09:00', shift_days: '1', weeks: '0' };
    for (const email of [momo.viewer, momo.client, momo.operator]) {
      expect((await post(email, '/oncall/rotations', body)).status, email).toBe(403);
    }
    // Another process's manager cannot use this process's people.
    const foreign = await post(ignite.manager, '/oncall/rotations', body);
    expect(foreign.status).toBe(422);
    expect(await foreign.text()).toContain('data-field-error="member_ids"');
    const foreignRow = await post(ignite.manager, '/oncall', { user_id: String(ids.operator), role: 'backup', date: '2026-09-01' });
    expect(foreignRow.status).toBe(422);
    expect(await foreignRow.text()).toContain('Choose an active operator, manager or admin of this process.');
    expect(await count(t, 'oncall_rotations')).toBe(rotationsBefore);
    expect(await count(t, 'oncall_schedules')).toBe(rowsBefore);
    expect((await post(momo.admin, '/oncall/rotations', body)).status).toBe(200);
    const plain = await post(momo.manager, '/oncall/rotations', { ...body, name: 'Role matrix 2' }, false);
    expect(plain.status).toBe(302);
    expect(await count(t, 'oncall_rotations')).toBe(rotationsBefore + 2);
    expect(await count(t, 'oncall_schedules')).toBe(rowsBefore);
  });

  it('the partials refresh for every role (now card, coverage, rotations)', async () => {
    for (const email of ROLES) {
      expect((await get(email, '/oncall/now', 'oncall-now')).status, email).toBe(200);
      expect((await get(email, '/oncall/coverage', 'oncall-coverage')).status, email).toBe(200);
      expect((await get(email, '/oncall/rotations', 'rotation-list')).status, email).toBe(200);
    }
    expect((await t.page(momo.viewer, '/oncall/rotations')).status).toBe(302);
  });

  it('the dashboard shows who is on call now to everyone, and the coverage warning to managers and above only', async () => {
    for (const email of ROLES) {
      const html = await (await t.page(email, '/')).text();
      expect(html, email).toContain('data-testid="oncall-now"');
      const manager = [momo.manager, momo.admin, SUPER_ADMIN].includes(email);
      expect(html.includes('data-testid="coverage-warning"'), email).toBe(manager);
    }
    const mgr = await (await t.page(momo.manager, '/')).text();
    expect(mgr).toMatch(/data-testid="oncall-now-primary">\s*Momo Manager/);
    expect(mgr).toContain('Fix the schedule');
    // The JSON twin.
    type Dash = { on_call_now: { process_slug: string; primary: { name: string } | null }[] | null; oncall_coverage: { days_without_primary: string[] }[] | null };
    const viewer = (await (await t.api(momo.viewer, 'GET', '/dashboard')).json()) as Dash;
    expect(viewer.on_call_now).toEqual([expect.objectContaining({ process_slug: 'momo', primary: { id: ids.manager, name: 'Momo Manager', email: momo.manager } })]);
    expect(viewer.oncall_coverage).toBeNull();
    const manager = (await (await t.api(momo.manager, 'GET', '/dashboard')).json()) as Dash;
    expect(manager.oncall_coverage?.[0].days_without_primary).toEqual(['2026-05-20', '2026-05-21', '2026-05-22']);
  });
});
