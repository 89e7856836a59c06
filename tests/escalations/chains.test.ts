import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { countRows, json, processOf, setOnCall, userId } from './helpers.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

/** Escalation chains: the API and the pages, who may use them, and what bad input gets. */
describe.each(DIALECTS)('escalation chains on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let tz: string;
  let seeded: number;
  let op: number;
  let mgr: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    ({ id: momoId, timezone: tz } = await processOf(t, 'momo'));
    seeded = (await t.db.selectFrom('escalation_chains').select('id').where('process_id', '=', momoId).executeTakeFirstOrThrow()).id;
    op = await userId(t, momo.operator);
    mgr = await userId(t, momo.manager);
  });
  afterAll(async () => t?.close());

  async function form(email: string, path: string, fields: [string, string][], htmx = true) {
    const headers: Record<string, string> = { cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded' };
    if (htmx) Object.assign(headers, { 'hx-request': 'true', 'hx-target': 'chain-form' });
    return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  }

  async function get(email: string, path: string, hx?: string) {
    const headers: Record<string, string> = { cookie: await t.cookie(email) };
    if (hx) Object.assign(headers, { 'hx-request': 'true', 'hx-target': hx });
    return t.request(path, { headers });
  }

  it('a manager creates a chain: 201 with its tiers in order, an audit entry, and it is listed', async () => {
    const res = await t.api(momo.manager, 'POST', '/escalation-chains', {
      name: 'Payments', trigger_severity: 2,
      tiers: [
        { delay_minutes: 0, channels: ['email'], user_id: op },
        { delay_minutes: 10, channels: ['email', 'webhook'], user_id: mgr, webhook_url: 'https://hooks.example.com/x' },
        { delay_minutes: 25, channels: ['email'] },
      ],
    });
    expect(res.status).toBe(201);
    const chain = await json(res);
    expect(chain).toMatchObject({ name: 'Payments', trigger_severity: 2, process_id: momoId, is_active: true, execution_count: 0, last_fired_at: null });
    expect(chain.tiers.map((x: any) => [x.position, x.delay_minutes, x.channels, x.user_id, x.user_name, x.webhook_url])).toEqual([
      [1, 0, ['email'], op, 'Momo Operator', null],
      [2, 10, ['email', 'webhook'], mgr, 'Momo Manager', 'https://hooks.example.com/x'],
      [3, 25, ['email'], null, null, null],
    ]);
    expect(await countRows(t, 'audit_log', (q) => q.where('action', '=', 'escalation_chain.create').where('entity_id', '=', chain.id))).toBe(1);
    const list = await json(await t.api(momo.manager, 'GET', '/escalation-chains'));
    expect(list.items.map((c: any) => c.name)).toEqual(['Payments', 'Sev1 Escalation']);
    expect(list.next_cursor).toBeNull();
    const paged = await json(await t.api(momo.manager, 'GET', '/escalation-chains?limit=1'));
    expect(paged.items).toHaveLength(1);
    const rest = await json(await t.api(momo.manager, 'GET', `/escalation-chains?limit=1&cursor=${paged.next_cursor}`));
    expect(rest.items.map((c: any) => c.name)).toEqual(['Sev1 Escalation']);

    // Editing keeps the tiers that stay (same ids), so their firings still count.
    const patched = await json(await t.api(momo.manager, 'PATCH', `/escalation-chains/${chain.id}`, {
      name: 'Payments (edited)', trigger_severity: null, tiers: [{ delay_minutes: 5, channels: ['email'], user_id: mgr }],
    }));
    expect(patched.name).toBe('Payments (edited)');
    expect(patched.trigger_severity).toBeNull();
    expect(patched.tiers.map((x: any) => [x.id, x.delay_minutes, x.user_id])).toEqual([[chain.tiers[0].id, 5, mgr]]);
    expect((await t.api(momo.manager, 'DELETE', `/escalation-chains/${chain.id}`)).status).toBe(204);
    expect((await t.api(momo.manager, 'GET', `/escalation-chains/${chain.id}`)).status).toBe(404);
    expect(await countRows(t, 'escalation_tiers', (q) => q.where('chain_id', '=', chain.id))).toBe(0);
  });

  it('refuses bad input with a message per field and saves nothing', async () => {
    const before = await countRows(t, 'escalation_chains');
    const tiersBefore = await countRows(t, 'escalation_tiers');
    const other = await userId(t, ignite.operator);
    const client = await userId(t, momo.client);
    const cases: [unknown, string][] = [
      [{ name: '', tiers: [{ delay_minutes: 0 }] }, 'name'],
      [{ name: 'x'.repeat(121), tiers: [{ delay_minutes: 0 }] }, 'name'],
      [{ name: 42, tiers: [{ delay_minutes: 0 }] }, 'name'],
      [{ name: 'No tiers', tiers: [] }, 'tiers'],
      [{ name: 'Tiers not a list', tiers: 'soon' }, 'tiers'],
      [{ name: 'Too many', tiers: Array.from({ length: 11 }, () => ({ delay_minutes: 0 })) }, 'tiers'],
      [{ name: 'Negative', tiers: [{ delay_minutes: -5 }] }, 'tiers[0].delay_minutes'],
      [{ name: 'Words', tiers: [{ delay_minutes: 'ten' }] }, 'tiers[0].delay_minutes'],
      [{ name: 'Huge', tiers: [{ delay_minutes: 43_201 }] }, 'tiers[0].delay_minutes'],
      [{ name: 'Backwards', tiers: [{ delay_minutes: 30 }, { delay_minutes: 10 }] }, 'tiers[1].delay_minutes'],
      [{ name: 'Other process user', tiers: [{ delay_minutes: 0, user_id: other }] }, 'tiers[0].user_id'],
      [{ name: 'Client paged', tiers: [{ delay_minutes: 0, user_id: client }] }, 'tiers[0].user_id'],
      [{ name: 'Unknown user', tiers: [{ delay_minutes: 0, user_id: 999_999 }] }, 'tiers[0].user_id'],
      [{ name: 'Bad user id', tiers: [{ delay_minutes: 0, user_id: 'me' }] }, 'tiers[0].user_id'],
      [{ name: 'Pager', tiers: [{ delay_minutes: 0, channels: ['pager'] }] }, 'tiers[0].channels'],
      [{ name: 'No channel', tiers: [{ delay_minutes: 0, channels: [] }] }, 'tiers[0].channels'],
      [{ name: 'Hook without URL', tiers: [{ delay_minutes: 0, channels: ['webhook'] }] }, 'tiers[0].webhook_url'],
      [{ name: 'FTP hook', tiers: [{ delay_minutes: 0, channels: ['webhook'], webhook_url: 'ftp://x.example.com/' }] }, 'tiers[0].webhook_url'],
      [{ name: 'Junk hook', tiers: [{ delay_minutes: 0, channels: ['webhook'], webhook_url: 'not a url' }] }, 'tiers[0].webhook_url'],
      [{ name: 'Sev 7', trigger_severity: 7, tiers: [{ delay_minutes: 0 }] }, 'trigger_severity'],
      [{ name: 'sev1 escalation', tiers: [{ delay_minutes: 0 }] }, 'name'],
      [{ name: 'Tier not object', tiers: ['first'] }, 'tiers[0]'],
    ];
    for (const [body, field] of cases) {
      const res = await t.api(momo.manager, 'POST', '/escalation-chains', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      const err = (await json(res)).error;
      expect(err.code).toBe('validation_failed');
      expect(Object.keys(err.fields), JSON.stringify(body).slice(0, 80)).toContain(field);
    }
    expect((await t.api(momo.manager, 'POST', '/escalation-chains', '{"name": ')).status).toBe(400);
    expect((await t.api(momo.manager, 'POST', '/escalation-chains', '[1,2]')).status).toBe(400);
    // Editing with bad input changes nothing either.
    const patch = await t.api(momo.manager, 'PATCH', `/escalation-chains/${seeded}`, { name: 'Renamed', tiers: [{ delay_minutes: -1 }] });
    expect(patch.status).toBe(422);
    const still = await json(await t.api(momo.manager, 'GET', `/escalation-chains/${seeded}`));
    expect(still.name).toBe('Sev1 Escalation');
    expect(still.tiers).toHaveLength(3);
    expect(await countRows(t, 'escalation_chains')).toBe(before);
    expect(await countRows(t, 'escalation_tiers')).toBe(tiersBefore);
  });

  it('only managers and above may open or change chains; another process\'s chain is a 404', async () => {
    const body = { name: 'Role check', tiers: [{ delay_minutes: 0 }] };
    for (const who of [momo.viewer, momo.client, momo.operator]) {
      expect((await t.api(who, 'GET', '/escalation-chains')).status, who).toBe(403);
      expect((await t.api(who, 'POST', '/escalation-chains', body)).status, who).toBe(403);
      expect((await t.api(who, 'GET', `/escalation-chains/${seeded}`)).status, who).toBe(403);
      expect((await t.api(who, 'PATCH', `/escalation-chains/${seeded}`, { name: 'x' })).status, who).toBe(403);
      expect((await t.api(who, 'DELETE', `/escalation-chains/${seeded}`)).status, who).toBe(403);
      expect((await t.api(who, 'GET', `/escalation-chains/${seeded}/executions`)).status, who).toBe(403);
      expect((await t.api(who, 'GET', `/escalation-chains/${seeded}/dry-run`)).status, who).toBe(403);
      expect((await get(who, '/escalations')).status, who).toBe(403);
      expect((await get(who, `/escalations/${seeded}`)).status, who).toBe(403);
      expect((await form(who, '/escalations', [['name', 'x'], ['tier_delay_minutes_0', '0']])).status, who).toBe(403);
      expect((await form(who, `/escalations/${seeded}/delete`, [])).status, who).toBe(403);
    }
    const pages = ['/escalations', '/escalations/new', `/escalations/${seeded}`, `/escalations/${seeded}/edit`, `/escalations/${seeded}/dry-run`];
    for (const who of [momo.viewer, momo.client, momo.operator]) {
      for (const path of pages) expect((await get(who, path)).status, `${who} ${path}`).toBe(403);
      expect((await form(who, `/escalations/${seeded}`, [['name', 'x']])).status, who).toBe(403);
    }
    for (const who of [momo.manager, momo.admin, SUPER_ADMIN]) {
      for (const path of pages) expect((await get(who, path)).status, `${who} ${path}`).toBe(200);
    }
    expect((await t.api(null, 'GET', '/escalation-chains')).status).toBe(401);
    expect((await t.request('/escalations')).status).toBe(302);
    // Another process: not found, never its data.
    for (const path of ['', '/executions', '/dry-run']) {
      const res = await t.api(ignite.manager, 'GET', `/escalation-chains/${seeded}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('Sev1 Escalation');
    }
    expect((await t.api(ignite.manager, 'PATCH', `/escalation-chains/${seeded}`, { name: 'Hijack' })).status).toBe(404);
    expect((await t.api(ignite.manager, 'DELETE', `/escalation-chains/${seeded}`)).status).toBe(404);
    expect((await get(ignite.manager, `/escalations/${seeded}`)).status).toBe(404);
    expect((await get(ignite.manager, `/escalations/${seeded}/edit`, 'modal')).status).toBe(404);
    expect((await get(ignite.manager, `/escalations/${seeded}/dry-run`, 'modal')).status).toBe(404);
    expect((await form(ignite.manager, `/escalations/${seeded}`, [['name', 'Hijack'], ['tier_delay_minutes_0', '0'], ['tier_email_0', '1']])).status).toBe(404);
    expect((await form(ignite.manager, `/escalations/${seeded}/delete`, [])).status).toBe(404);
    const igniteList = await json(await t.api(ignite.manager, 'GET', '/escalation-chains'));
    expect(igniteList.items.every((c: any) => c.process_slug === 'ignite')).toBe(true);

    // Admins manage their own process's chains; the super admin any, naming the process.
    const admin = await t.api(momo.admin, 'POST', '/escalation-chains', { ...body, name: 'Admin made' });
    expect(admin.status).toBe(201);
    expect((await t.api(momo.admin, 'DELETE', `/escalation-chains/${(await json(admin)).id}`)).status).toBe(204);
    const noProcess = await t.api(SUPER_ADMIN, 'POST', '/escalation-chains', body);
    expect(noProcess.status).toBe(422);
    expect((await json(noProcess)).error.fields.process_id).toBeTruthy();
    const sa = await json(await t.api(SUPER_ADMIN, 'POST', '/escalation-chains', { ...body, process_id: momoId, tiers: [{ delay_minutes: 0, user_id: op }] }));
    expect(sa.process_slug).toBe('momo');
    const all = await json(await t.api(SUPER_ADMIN, 'GET', '/escalation-chains?limit=200'));
    expect(new Set(all.items.map((c: any) => c.process_slug)).size).toBe(8);
    const onlyMomo = await json(await t.api(SUPER_ADMIN, 'GET', '/escalation-chains?process=momo'));
    expect(onlyMomo.items.every((c: any) => c.process_slug === 'momo')).toBe(true);
    expect((await t.api(SUPER_ADMIN, 'DELETE', `/escalation-chains/${sa.id}`)).status).toBe(204);
  });

  it('a chain used by an automation rule cannot be deleted until the rule lets go of it', async () => {
    const res = await t.api(momo.manager, 'DELETE', `/escalation-chains/${seeded}`);
    expect(res.status).toBe(409);
    expect((await json(res)).error.message).toContain('Escalate Sev 1 after 30min');
    const page = await form(momo.manager, `/escalations/${seeded}/delete`, []);
    expect(page.status).toBe(409);
    expect(page.headers.get('hx-trigger')).toContain('Escalate Sev 1 after 30min');
    expect((await t.api(momo.manager, 'GET', `/escalation-chains/${seeded}`)).status).toBe(200);
  });

  it('three deletes of one chain at once: one 204, then 404, and one audit entry (MySQL answered 204 three times)', async () => {
    const chain = await json(await t.api(momo.manager, 'POST', '/escalation-chains', { name: 'Deleted at once', tiers: [{ delay_minutes: 5, channels: ['email'] }] }));
    const results = await Promise.all([momo.manager, momo.admin, momo.manager].map((who) => t.api(who, 'DELETE', `/escalation-chains/${chain.id}`)));
    expect(results.map((r) => r.status).sort()).toEqual([204, 404, 404]);
    const audits = await t.db.selectFrom('audit_log').select('id').where('action', '=', 'escalation_chain.delete').where('entity_id', '=', chain.id).execute();
    expect(audits).toHaveLength(1);
  });

  it('the dry run says who is paged at which minute, resolves the on-call person at that time and flags tiers that reach nobody', async () => {
    const now = t.clock.now();
    await setOnCall(t, momoId, tz, now, { primary: mgr });
    const run = await json(await t.api(momo.manager, 'GET', `/escalation-chains/${seeded}/dry-run?severity=1`));
    expect(run.applies).toBe(true);
    expect(run.note).toBeNull();
    expect(run.tiers.map((s: any) => [s.delay_minutes, s.at, s.target?.name ?? null, s.via, s.reaches_nobody])).toEqual([
      [0, now.toISOString(), 'Momo Operator', 'tier user', false],
      [15, new Date(now.getTime() + 15 * 60_000).toISOString(), 'Momo Manager', 'tier user', false],
      [30, new Date(now.getTime() + 30 * 60_000).toISOString(), 'Momo Manager', 'on-call primary', false],
    ]);
    expect(run.rules.map((r: any) => r.name)).toEqual(['Escalate Sev 1 after 30min']);
    expect(run.oncall[0]).toMatchObject({ from: now.toISOString(), primary: 'Momo Manager', backup: null });
    // Nobody on call after midnight: the fallback then is nobody.
    expect(run.oncall.some((o: any) => o.primary === null)).toBe(true);

    const other = await json(await t.api(momo.manager, 'GET', `/escalation-chains/${seeded}/dry-run?severity=3`));
    expect(other.applies).toBe(false);
    expect(other.note).toContain('Sev 1');
    expect((await t.api(momo.manager, 'GET', `/escalation-chains/${seeded}/dry-run?severity=9`)).status).toBe(400);

    // A tier that fires after the on-call day ends reaches nobody: flagged.
    const late = await json(await t.api(momo.manager, 'POST', '/escalation-chains', {
      name: 'Late night', trigger_severity: 2, tiers: [{ delay_minutes: 0 }, { delay_minutes: 24 * 60 }],
    }));
    const lateRun = await json(await t.api(momo.manager, 'GET', `/escalation-chains/${late.id}/dry-run`));
    expect(lateRun.severity).toBe(2);
    expect(lateRun.tiers.map((s: any) => [s.target?.name ?? null, s.via, s.reaches_nobody])).toEqual([
      ['Momo Manager', 'on-call primary', false],
      [null, null, true],
    ]);
    const html = await (await get(momo.manager, `/escalations/${late.id}/dry-run`, 'modal')).text();
    expect(html).toContain('role="dialog"');
    expect(html).toContain('reaches nobody');
    expect(html).toContain('1 tier would reach nobody');
    await t.api(momo.manager, 'DELETE', `/escalation-chains/${late.id}`);
  });

  it('pages: the list shows tiers (names escaped), the modal form adds tiers, re-renders errors and creates, edits and deletes', async () => {
    const list = await (await get(momo.manager, '/escalations')).text();
    expect(list).toContain('Sev1 Escalation');
    expect(list).toContain('after 15 min');
    expect(list).toContain('Momo Operator');
    expect(list).toContain('On-call');
    expect(list).toContain('hx-confirm');
    const modal = await (await get(momo.manager, '/escalations/new', 'modal')).text();
    expect(modal).toContain('New Escalation Chain');
    expect(modal).toContain('name="tier_delay_minutes_0"');
    expect(modal).toContain('+ Add Tier');

    // "+ Add Tier" re-renders the form with a second row (after 15 more minutes), saving nothing.
    const before = await countRows(t, 'escalation_chains');
    const added = await form(momo.manager, '/escalations', [
      ['name', 'Typed so far'], ['trigger_severity', '2'], ['tier_delay_minutes_0', '5'], ['tier_user_id_0', String(op)], ['tier_email_0', '1'],
      ['_action', 'add_tier'],
    ]);
    expect(added.status).toBe(200);
    const addedHtml = await added.text();
    expect(addedHtml).toContain('name="tier_delay_minutes_1"');
    expect(addedHtml).toContain('value="20"');
    expect(addedHtml).toContain('value="Typed so far"');
    expect(await countRows(t, 'escalation_chains')).toBe(before);

    // Errors come back on their fields.
    const bad = await form(momo.manager, '/escalations', [
      ['name', ''], ['tier_delay_minutes_0', '-3'], ['tier_email_0', '1'], ['tier_delay_minutes_1', '5'], ['tier_webhook_1', '1'], ['tier_webhook_url_1', 'nope'],
    ]);
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain('data-field-error="name"');
    expect(badHtml).toContain('data-field-error="tier_delay_minutes_0"');
    expect(badHtml).toContain('data-field-error="tier_webhook_url_1"');
    expect(badHtml).toContain('aria-invalid="true"');
    expect(await countRows(t, 'escalation_chains')).toBe(before);

    // Created: the modal closes with a toast and the list refreshes.
    const created = await form(momo.manager, '/escalations', [
      ['name', '<script>alert(1)</script> chain'], ['trigger_severity', '3'], ['tier_delay_minutes_0', '0'], ['tier_user_id_0', String(op)],
      ['tier_email_0', '1'], ['tier_delay_minutes_1', '20'], ['tier_user_id_1', ''], ['tier_email_1', '1'], ['_action', 'save'],
    ]);
    expect(created.status).toBe(200);
    expect(created.headers.get('hx-trigger')).toContain('escalations:changed');
    expect(created.headers.get('hx-retarget')).toBe('#modal');
    const chain = await t.db.selectFrom('escalation_chains').selectAll().where('name', '=', '<script>alert(1)</script> chain').executeTakeFirstOrThrow();
    expect(chain.trigger_severity).toBe(3);
    const shown = await (await get(momo.manager, '/escalations')).text();
    expect(shown).toContain('&lt;script&gt;alert(1)&lt;/script&gt; chain');
    expect(shown).not.toContain('<script>alert(1)</script>');

    const edit = await (await get(momo.manager, `/escalations/${chain.id}/edit`, 'modal')).text();
    expect(edit).toContain('Edit Escalation Chain');
    expect(edit).toContain('name="tier_delay_minutes_1"');
    const saved = await form(momo.manager, `/escalations/${chain.id}`, [
      ['name', 'Renamed chain'], ['trigger_severity', '3'], ['tier_delay_minutes_0', '0'], ['tier_email_0', '1'], ['_action', 'save'],
    ]);
    expect(saved.status).toBe(200);
    const after = await json(await t.api(momo.manager, 'GET', `/escalation-chains/${chain.id}`));
    expect(after.name).toBe('Renamed chain');
    expect(after.tiers).toHaveLength(1);

    const detail = await (await get(momo.manager, `/escalations/${chain.id}`)).text();
    expect(detail).toContain('Dry run');
    expect(detail).toContain('No firings yet');

    const del = await form(momo.manager, `/escalations/${chain.id}/delete`, []);
    expect(del.status).toBe(200);
    expect(del.headers.get('hx-trigger')).toContain('deleted');
    expect((await t.api(momo.manager, 'GET', `/escalation-chains/${chain.id}`)).status).toBe(404);
  });

  it('an empty list says what chains are for', async () => {
    const res = await t.api(SUPER_ADMIN, 'GET', '/escalation-chains?process=ignite');
    const ids = (await json(res)).items.map((c: any) => c.id);
    const igniteId = (await processOf(t, 'ignite')).id;
    await t.db.deleteFrom('automation_rules').where('process_id', '=', igniteId).where('action_type', '=', 'escalate_chain').execute();
    for (const id of ids) expect((await t.api(ignite.manager, 'DELETE', `/escalation-chains/${id}`)).status).toBe(204);
    const html = await (await get(ignite.manager, '/escalations')).text();
    expect(html).toContain('No escalation chains yet');
  });
});
