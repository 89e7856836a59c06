import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { countRows, json, processOf } from '../escalations/helpers.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');

/** Automation rules: the API and the pages, who may use them, and what bad input gets. */
describe.each(DIALECTS)('automation rules on %s', (dialect) => {
  let t: TestApp;
  let momoId: number;
  let momoChain: number;
  let igniteChain: number;
  let sev1Rule: number;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    momoId = (await processOf(t, 'momo')).id;
    const igniteId = (await processOf(t, 'ignite')).id;
    momoChain = (await t.db.selectFrom('escalation_chains').select('id').where('process_id', '=', momoId).executeTakeFirstOrThrow()).id;
    igniteChain = (await t.db.selectFrom('escalation_chains').select('id').where('process_id', '=', igniteId).executeTakeFirstOrThrow()).id;
    sev1Rule = (await t.db.selectFrom('automation_rules').select('id').where('process_id', '=', momoId).where('trigger_type', '=', 'severity_unresolved').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => t?.close());

  async function form(email: string, path: string, fields: [string, string][], target = 'rule-form') {
    const headers: Record<string, string> = {
      cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true', 'hx-target': target,
    };
    return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  }

  async function get(email: string, path: string, hx?: string) {
    const headers: Record<string, string> = { cookie: await t.cookie(email) };
    if (hx) Object.assign(headers, { 'hx-request': 'true', 'hx-target': hx });
    return t.request(path, { headers });
  }

  it('lists the seeded rules with their real execution counts', async () => {
    const list = await json(await t.api(momo.manager, 'GET', '/automation-rules'));
    const byName = new Map(list.items.map((r: any) => [r.name, r]));
    const sev1: any = byName.get('Escalate Sev 1 after 30min');
    expect(sev1).toMatchObject({ trigger_type: 'severity_unresolved', trigger_config: { severity: 1, minutes: 30 }, action_type: 'escalate_chain', action_config: { chain_id: momoChain }, is_active: true });
    expect(sev1.execution_count).toBe(await countRows(t, 'automation_executions', (q) => q.where('rule_id', '=', sev1.id)));
    const digest: any = byName.get('Nightly SLA Digest');
    expect(digest).toMatchObject({ trigger_type: 'schedule', action_type: 'email_digest', execution_count: 0, last_run_at: null });
    expect(digest.next_run_at).toMatch(/T05:00:00\.000Z$/);
    const log = await json(await t.api(momo.manager, 'GET', `/automation-rules/${sev1.id}/executions`));
    expect(log.items).toHaveLength(sev1.execution_count);
    expect(log.items[0].result).toContain('Sev1 Escalation');
  });

  it('creates each kind of rule; the record is the body plus execution_count and last_run_at', async () => {
    const bodies = [
      { name: 'Sev 2 after an hour', trigger_type: 'severity_unresolved', trigger_config: { severity: 2, minutes: 60 }, action_type: 'email_roles', action_config: { roles: ['manager', 'admin'] }, is_active: true },
      { name: 'Morning digest', trigger_type: 'schedule', trigger_config: { cron: '30 8 * * 1-5', timezone: 'Europe/London' }, action_type: 'email_digest', action_config: { roles: ['operator'] }, is_active: false },
      { name: 'Gateway trouble', trigger_type: 'custom', trigger_config: { severity: [1, 2], status: ['open'], title_contains: 'gateway', min_age_minutes: 10, process: 'momo' }, action_type: 'escalate_chain', action_config: { chain_id: momoChain }, is_active: true },
    ];
    for (const body of bodies) {
      const res = await t.api(momo.manager, 'POST', '/automation-rules', body);
      expect(res.status, body.name).toBe(201);
      const rule = await json(res);
      expect(rule).toMatchObject({ ...body, process_id: momoId, execution_count: 0, last_run_at: null });
      expect(await countRows(t, 'audit_log', (q) => q.where('action', '=', 'automation_rule.create').where('entity_id', '=', rule.id))).toBe(1);
      expect((await t.api(momo.manager, 'DELETE', `/automation-rules/${rule.id}`)).status).toBe(204);
    }
    // A severity given as one number is stored as a list.
    const one = await json(await t.api(momo.manager, 'POST', '/automation-rules', {
      name: 'Sev 3 titles', trigger_type: 'custom', trigger_config: { severity: 3, title_contains: 'disk' }, action_type: 'email_roles', action_config: { roles: ['operator'] }, is_active: true,
    }));
    expect(one.trigger_config).toEqual({ severity: [3], title_contains: 'disk' });
    await t.api(momo.manager, 'DELETE', `/automation-rules/${one.id}`);
  });

  it('refuses bad input with a message per field and saves nothing', async () => {
    const before = await countRows(t, 'automation_rules');
    const ok = { name: 'Valid', trigger_type: 'severity_unresolved', trigger_config: { severity: 1, minutes: 30 }, action_type: 'escalate_chain', action_config: { chain_id: momoChain }, is_active: true };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...ok, name: '' }, 'name'],
      [{ ...ok, name: 'y'.repeat(121) }, 'name'],
      [{ ...ok, trigger_type: 'whenever' }, 'trigger_type'],
      [{ ...ok, trigger_config: 'sev1' }, 'trigger_config'],
      [{ ...ok, trigger_config: { severity: 1, minutes: -5 } }, 'trigger_config.minutes'],
      [{ ...ok, trigger_config: { severity: 0, minutes: 5 } }, 'trigger_config.severity'],
      [{ ...ok, trigger_config: { severity: 1, minutes: 'soon' } }, 'trigger_config.minutes'],
      [{ ...ok, trigger_type: 'schedule', trigger_config: { cron: 'every morning' }, action_type: 'email_digest', action_config: { roles: ['admin'] } }, 'trigger_config.cron'],
      [{ ...ok, trigger_type: 'schedule', trigger_config: { cron: '61 * * * *' }, action_type: 'email_digest', action_config: { roles: ['admin'] } }, 'trigger_config.cron'],
      [{ ...ok, trigger_type: 'schedule', trigger_config: { cron: '*/10 * * * * *' }, action_type: 'email_digest', action_config: { roles: ['admin'] } }, 'trigger_config.cron'],
      [{ ...ok, trigger_type: 'schedule', trigger_config: { cron: '0 0 30 2 *' }, action_type: 'email_digest', action_config: { roles: ['admin'] } }, 'trigger_config.cron'],
      [{ ...ok, trigger_type: 'schedule', trigger_config: { cron: '0 7 * * *', timezone: 'Mars/Olympus' }, action_type: 'email_digest', action_config: { roles: ['admin'] } }, 'trigger_config.timezone'],
      [{ ...ok, trigger_type: 'schedule', trigger_config: { cron: '0 7 * * *' } }, 'action_type'],
      [{ ...ok, trigger_type: 'custom', trigger_config: {} }, 'trigger_config'],
      [{ ...ok, trigger_type: 'custom', trigger_config: { colour: 'red' } }, 'trigger_config.colour'],
      [{ ...ok, trigger_type: 'custom', trigger_config: { status: ['stuck'] } }, 'trigger_config.status'],
      [{ ...ok, trigger_type: 'custom', trigger_config: { process: 'ignite' } }, 'trigger_config.process'],
      [{ ...ok, trigger_type: 'custom', trigger_config: { title_contains: 'z'.repeat(201) } }, 'trigger_config.title_contains'],
      [{ ...ok, action_type: 'page_everyone' }, 'action_type'],
      [{ ...ok, action_config: { chain_id: igniteChain } }, 'action_config.chain_id'],
      [{ ...ok, action_config: { chain_id: 999_999 } }, 'action_config.chain_id'],
      [{ ...ok, action_config: { chain_id: 'first' } }, 'action_config.chain_id'],
      [{ ...ok, action_type: 'email_digest', action_config: { roles: [] } }, 'action_config.roles'],
      [{ ...ok, action_type: 'email_roles', action_config: { roles: ['client'] } }, 'action_config.roles'],
      [{ ...ok, is_active: 'maybe' }, 'is_active'],
    ];
    for (const [body, field] of cases) {
      const res = await t.api(momo.manager, 'POST', '/automation-rules', body);
      expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(422);
      expect(Object.keys((await json(res)).error.fields), JSON.stringify(body).slice(0, 120)).toContain(field);
    }
    expect((await t.api(momo.manager, 'POST', '/automation-rules', '{oops')).status).toBe(400);
    // An edit to another process's chain is refused the same way; nothing changes.
    const patch = await t.api(momo.manager, 'PATCH', `/automation-rules/${sev1Rule}`, { action_config: { chain_id: igniteChain } });
    expect(patch.status).toBe(422);
    expect((await json(await t.api(momo.manager, 'GET', `/automation-rules/${sev1Rule}`))).action_config).toEqual({ chain_id: momoChain });
    expect(await countRows(t, 'automation_rules')).toBe(before);
  });

  it('pausing and editing: PATCH is_active, the page toggle swaps the row, edits keep the history', async () => {
    const paused = await json(await t.api(momo.manager, 'PATCH', `/automation-rules/${sev1Rule}`, { is_active: false }));
    expect(paused.is_active).toBe(false);
    expect(await countRows(t, 'audit_log', (q) => q.where('action', '=', 'automation_rule.deactivate').where('entity_id', '=', sev1Rule))).toBe(1);
    const row = await form(momo.manager, `/automation/${sev1Rule}/toggle`, [['is_active', 'true']], `rule-${sev1Rule}`);
    expect(row.status).toBe(200);
    const html = await row.text();
    expect(html).toMatch(/^<tr data-rule=/);
    expect(html).toContain('aria-checked="true"');
    expect(html).toContain('Active');
    expect(row.headers.get('hx-trigger')).toContain('activated');
    const count = (await json(await t.api(momo.manager, 'GET', `/automation-rules/${sev1Rule}`))).execution_count;
    const edited = await json(await t.api(momo.manager, 'PATCH', `/automation-rules/${sev1Rule}`, { trigger_config: { severity: 1, minutes: 20 } }));
    expect(edited.trigger_config).toEqual({ severity: 1, minutes: 20 });
    expect(edited.execution_count).toBe(count);
    // Changing the trigger type needs its settings.
    const noConfig = await t.api(momo.manager, 'PATCH', `/automation-rules/${sev1Rule}`, { trigger_type: 'schedule' });
    expect(noConfig.status).toBe(422);
    await t.api(momo.manager, 'PATCH', `/automation-rules/${sev1Rule}`, { trigger_config: { severity: 1, minutes: 30 } });
  });

  it('only managers and above may use rules; another process\'s rule is a 404', async () => {
    const body = { name: 'Role check', trigger_type: 'severity_unresolved', trigger_config: { severity: 2, minutes: 5 }, action_type: 'email_roles', action_config: { roles: ['admin'] }, is_active: true };
    for (const who of [momo.viewer, momo.client, momo.operator]) {
      expect((await t.api(who, 'GET', '/automation-rules')).status, who).toBe(403);
      expect((await t.api(who, 'POST', '/automation-rules', body)).status, who).toBe(403);
      expect((await t.api(who, 'GET', `/automation-rules/${sev1Rule}`)).status, who).toBe(403);
      expect((await t.api(who, 'PATCH', `/automation-rules/${sev1Rule}`, { is_active: false })).status, who).toBe(403);
      expect((await t.api(who, 'DELETE', `/automation-rules/${sev1Rule}`)).status, who).toBe(403);
      expect((await t.api(who, 'GET', `/automation-rules/${sev1Rule}/executions`)).status, who).toBe(403);
      expect((await get(who, '/automation')).status, who).toBe(403);
      expect((await get(who, `/automation/${sev1Rule}`)).status, who).toBe(403);
      expect((await form(who, `/automation/${sev1Rule}/toggle`, [['is_active', 'false']])).status, who).toBe(403);
      expect((await form(who, '/automation', [['name', 'x']])).status, who).toBe(403);
    }
    const pages = ['/automation', '/automation/new', `/automation/${sev1Rule}`, `/automation/${sev1Rule}/edit`];
    for (const who of [momo.viewer, momo.client, momo.operator]) {
      for (const path of pages) expect((await get(who, path)).status, `${who} ${path}`).toBe(403);
      expect((await form(who, `/automation/${sev1Rule}`, [['name', 'x']])).status, who).toBe(403);
      expect((await form(who, `/automation/${sev1Rule}/delete`, [])).status, who).toBe(403);
    }
    for (const who of [momo.manager, momo.admin, SUPER_ADMIN]) {
      for (const path of pages) expect((await get(who, path)).status, `${who} ${path}`).toBe(200);
    }
    expect((await t.api(null, 'GET', '/automation-rules')).status).toBe(401);
    expect((await get(ignite.manager, `/automation/${sev1Rule}/edit`, 'modal')).status).toBe(404);
    expect((await form(ignite.manager, `/automation/${sev1Rule}`, [['name', 'Hijack'], ['trigger_type', 'severity_unresolved'], ['severity', '1'], ['minutes', '5'], ['action_type', 'email_digest'], ['roles', 'admin']])).status).toBe(404);
    for (const path of ['', '/executions']) {
      const res = await t.api(ignite.manager, 'GET', `/automation-rules/${sev1Rule}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('Escalate Sev 1');
    }
    expect((await t.api(ignite.manager, 'PATCH', `/automation-rules/${sev1Rule}`, { is_active: false })).status).toBe(404);
    expect((await t.api(ignite.manager, 'DELETE', `/automation-rules/${sev1Rule}`)).status).toBe(404);
    expect((await get(ignite.manager, `/automation/${sev1Rule}`)).status).toBe(404);
    expect((await form(ignite.manager, `/automation/${sev1Rule}/toggle`, [['is_active', 'false']])).status).toBe(404);
    expect((await form(ignite.manager, `/automation/${sev1Rule}/delete`, [])).status).toBe(404);
    expect((await json(await t.api(momo.manager, 'GET', `/automation-rules/${sev1Rule}`))).is_active).toBe(true);

    const admin = await t.api(momo.admin, 'POST', '/automation-rules', body);
    expect(admin.status).toBe(201);
    await t.api(momo.admin, 'DELETE', `/automation-rules/${(await json(admin)).id}`);
    expect((await t.api(SUPER_ADMIN, 'POST', '/automation-rules', body)).status).toBe(422);
    const sa = await json(await t.api(SUPER_ADMIN, 'POST', '/automation-rules', { ...body, process_id: momoId }));
    expect(sa.process_slug).toBe('momo');
    // A super admin's rule still may only use a chain of the rule's process.
    const cross = await t.api(SUPER_ADMIN, 'POST', '/automation-rules', { ...body, process_id: momoId, action_type: 'escalate_chain', action_config: { chain_id: igniteChain } });
    expect(cross.status).toBe(422);
    const all = await json(await t.api(SUPER_ADMIN, 'GET', '/automation-rules?limit=200'));
    expect(new Set(all.items.map((r: any) => r.process_slug)).size).toBe(8);
    expect((await t.api(SUPER_ADMIN, 'DELETE', `/automation-rules/${sa.id}`)).status).toBe(204);
  });

  it('pages: the table (names escaped), the New Rule modal, errors on their fields, create, log and delete', async () => {
    const page = await (await get(momo.manager, '/automation')).text();
    expect(page).toContain('data-testid="rule-table"');
    expect(page).toContain('Sev 1 unresolved after 30 min');
    expect(page).toContain('Escalate via chain Sev1 Escalation');
    expect(page).toContain('Email digest to manager, admin');
    expect(page).toContain('role="switch"');
    const modal = await (await get(momo.manager, '/automation/new', 'modal')).text();
    expect(modal).toContain('New Automation Rule');
    expect(modal).toContain('Severity unresolved after N minutes');
    expect(modal).toContain('Sev1 Escalation');

    const before = await countRows(t, 'automation_rules');
    const bad = await form(momo.manager, '/automation', [
      ['name', ''], ['trigger_type', 'schedule'], ['cron', 'at seven'], ['action_type', 'email_digest'], ['is_active', 'false'], ['is_active', 'true'],
    ]);
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain('data-field-error="name"');
    expect(badHtml).toContain('data-field-error="cron"');
    expect(badHtml).toContain('value="at seven"');
    expect(await countRows(t, 'automation_rules')).toBe(before);

    const created = await form(momo.manager, '/automation', [
      ['name', '<img src=x onerror=alert(1)> watch'], ['trigger_type', 'custom'], ['c_severity', '1'], ['c_severity', '2'], ['c_title_contains', 'gateway'],
      ['action_type', 'email_roles'], ['roles', 'manager'], ['roles', 'admin'], ['is_active', 'false'], ['is_active', 'true'],
    ]);
    expect(created.status).toBe(200);
    expect(created.headers.get('hx-trigger')).toContain('automation:changed');
    const rule = await t.db.selectFrom('automation_rules').selectAll().where('name', '=', '<img src=x onerror=alert(1)> watch').executeTakeFirstOrThrow();
    expect(JSON.parse(rule.trigger_config)).toEqual({ severity: [1, 2], title_contains: 'gateway' });
    expect(JSON.parse(rule.action_config)).toEqual({ roles: ['manager', 'admin'] });
    expect(rule.is_active).toBe(true);
    const shown = await (await get(momo.manager, '/automation')).text();
    expect(shown).toContain('&lt;img src=x onerror=alert(1)&gt; watch');
    expect(shown).not.toContain('<img src=x');
    expect(shown).toContain('Custom: Sev 1/2, title contains “gateway”');

    const edit = await (await get(momo.manager, `/automation/${rule.id}/edit`, 'modal')).text();
    expect(edit).toContain('Edit Automation Rule');
    expect(edit).toContain('value="gateway"');
    const log = await (await get(momo.manager, `/automation/${rule.id}`)).text();
    expect(log).toContain('Not executed yet');
    const del = await form(momo.manager, `/automation/${rule.id}/delete`, [], 'rule-list');
    expect(del.status).toBe(200);
    expect((await t.api(momo.manager, 'GET', `/automation-rules/${rule.id}`)).status).toBe(404);
  });

  it('deleting a rule removes its execution log; an empty list says what rules are for', async () => {
    const ids = (await json(await t.api(ignite.manager, 'GET', '/automation-rules'))).items.map((r: any) => r.id);
    for (const id of ids) expect((await t.api(ignite.manager, 'DELETE', `/automation-rules/${id}`)).status).toBe(204);
    for (const id of ids) expect(await countRows(t, 'automation_executions', (q) => q.where('rule_id', '=', id))).toBe(0);
    expect(await (await get(ignite.manager, '/automation')).text()).toContain('No automation rules yet');
  });
});
