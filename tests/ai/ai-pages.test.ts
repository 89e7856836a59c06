// The AI Insights page, its htmx fragments, the chat endpoint of the Assistant tab and the popup, on
// both databases (local analysis: no API key configured).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf, BASE, createTestApp, SUPER_ADMIN, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { seeded, sev3Pair } from './util.js';

const momo = accountsOf('momo');
const ignite = accountsOf('ignite');
const EVERY_ROLE = [momo.viewer, momo.client, momo.operator, momo.manager, momo.admin, SUPER_ADMIN];

describe.each(DIALECTS)('AI Insights pages on %s', (dialect) => {
  let t: TestApp;
  let gateway: { id: number; title: string };
  beforeAll(async () => {
    t = await createTestApp(dialect);
    gateway = await seeded(t, 'momo', 'API Gateway Timeout', 'open');
  });
  afterAll(async () => t?.close());

  async function get(email: string, path: string, hxTarget?: string) {
    const headers: Record<string, string> = { cookie: await t.cookie(email) };
    if (hxTarget) Object.assign(headers, { 'hx-request': 'true', 'hx-target': hxTarget });
    return t.request(path, { headers });
  }

  async function post(email: string, path: string, fields: Record<string, string>, htmx = true) {
    const headers: Record<string, string> = {
      cookie: await t.cookie(email), origin: BASE, 'content-type': 'application/x-www-form-urlencoded',
    };
    if (htmx) headers['hx-request'] = 'true';
    return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  }

  it('every role opens the page, with a picker of the incidents they can see and the two tabs', async () => {
    for (const email of EVERY_ROLE) {
      const res = await get(email, '/ai-insights');
      expect(res.status, email).toBe(200);
      const html = await res.text();
      expect(html).toContain('data-testid="incident-picker"');
      expect(html).toContain('Pick an incident to analyse');
      expect(html).toContain('data-tab="assistant"');
      expect(html).toContain(`#${gateway.id} · Sev 1 · ${gateway.title}`);
    }
    const other = await (await get(ignite.viewer, '/ai-insights')).text();
    expect(other).not.toContain('Momo');
    expect(other).toContain('Ignite API Gateway Timeout');
    // The super admin on "All processes" sees the process in each option.
    expect(await (await get(SUPER_ADMIN, '/ai-insights')).text()).toContain(`${gateway.title} · Momo`);
    const signedOut = await t.request('/ai-insights');
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get('location')).toMatch(/^\/login/);
  });

  it('an incident without cached insights loads them through htmx; afterwards the page shows them at once', async () => {
    const pair = await sev3Pair(t, 'momo');
    const first = await (await get(momo.viewer, `/ai-insights?incident=${pair.open}`)).text();
    expect(first).toContain('data-testid="insight-loader"');
    expect(first).toContain(`hx-post="/ai-insights/${pair.open}"`);
    expect(first).toContain('hx-trigger="load"');

    const panels = await post(momo.viewer, `/ai-insights/${pair.open}`, {});
    expect(panels.status).toBe(200);
    const html = await panels.text();
    expect(html).not.toContain('<aside');
    for (const title of ['Root Cause', 'Recommended Actions', 'Similar Past Incidents', 'Prevention Tips']) expect(html).toContain(title);
    expect(html).toContain('data-source="local"');
    expect(html).toContain('Local analysis');
    expect(html).toContain(`data-similar-id="${pair.resolved}"`);
    expect(html).toContain(`href="/incidents/${pair.resolved}"`);
    expect(html).toContain('data-testid="regenerate"');
    expect(html).toContain('<time datetime=');
    expect(panels.headers.get('hx-trigger')).toBeNull();

    const again = await (await get(momo.viewer, `/ai-insights?incident=${pair.open}`)).text();
    expect(again).toContain('data-testid="insight-panels"');
    expect(again).not.toContain('data-testid="insight-loader"');
    expect(again).toContain(`<option value="${pair.open}" selected`);
  });

  it('the picker swaps only the insights area; Regenerate toasts; without htmx it redirects', async () => {
    const frag = await (await get(momo.viewer, `/ai-insights?incident=${gateway.id}`, 'insights')).text();
    expect(frag).not.toContain('<aside');
    expect(frag).not.toContain('data-testid="incident-picker"');
    expect(frag).toMatch(/insight-(loader|panels)/);
    const empty = await (await get(momo.viewer, '/ai-insights?incident=', 'insights')).text();
    expect(empty).toContain('Pick an incident to analyse');

    const regen = await post(momo.operator, `/ai-insights/${gateway.id}`, { refresh: '1' });
    expect(regen.status).toBe(200);
    expect(regen.headers.get('hx-trigger')).toContain('Analysis regenerated');
    const plain = await post(momo.operator, `/ai-insights/${gateway.id}`, { refresh: '1' }, false);
    expect(plain.status).toBe(302);
    expect(plain.headers.get('location')).toBe(`/ai-insights?incident=${gateway.id}`);
  });

  it("another process's incident is a 404, to read or to analyse; bad ids too", async () => {
    expect((await get(ignite.viewer, `/ai-insights?incident=${gateway.id}`)).status).toBe(404);
    expect((await get(ignite.manager, `/ai-insights?incident=${gateway.id}`, 'insights')).status).toBe(404);
    const hx = await post(ignite.admin, `/ai-insights/${gateway.id}`, { refresh: '1' });
    expect(hx.status).toBe(404);
    expect(hx.headers.get('hx-trigger')).toContain('not found');
    expect((await post(ignite.client, `/ai-insights/${gateway.id}`, {}, false)).status).toBe(404);
    expect((await post(momo.viewer, '/ai-insights/999999', {})).status).toBe(404);
    expect((await post(momo.viewer, '/ai-insights/x1', {})).status).toBe(404);
    // A malformed number in the query is ignored rather than an error.
    expect((await get(momo.viewer, '/ai-insights?incident=abc')).status).toBe(200);
    // Posting from another site is refused.
    const cross = await t.request(`/ai-insights/${gateway.id}`, {
      method: 'POST', headers: { cookie: await t.cookie(momo.viewer), origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: '',
    });
    expect(cross.status).toBe(403);
  });

  it('the assistant tab answers through htmx with the exchange to append; every role may use it', async () => {
    const tab = await (await get(momo.viewer, '/ai-insights?tab=assistant')).text();
    expect(tab).toContain('data-testid="assistant-tab"');
    expect(tab).toContain('id="assistant-log"');
    for (const q of ['What is open?', 'Who is on call?', 'How do I escalate?']) expect(tab).toContain(`value="${q}"`);
    expect(tab).toContain('Summarise incident #…');
    expect(tab).toContain('local answers (no AI model configured)');
    // No popup on this page: the tab is the assistant here.
    expect(tab).not.toContain('data-chat-popup');

    for (const email of [...EVERY_ROLE, ignite.viewer]) {
      const res = await post(email, '/ai-insights/chat', { message: 'What is open?' });
      expect(res.status, email).toBe(200);
      const html = await res.text();
      expect(html).toContain('data-chat-role="user"');
      expect(html).toMatch(/data-chat-reply="true" data-source="local"/);
      expect(html).not.toContain('<aside');
    }
    const reply = await (await post(momo.viewer, '/ai-insights/chat', { message: 'What is open?' })).text();
    expect(reply).toContain(`href="/incidents/${gateway.id}"`);
    expect(reply).toContain('<ul');
  });

  it('chat messages with HTML are shown escaped; empty or too long ones get a clear message and no answer', async () => {
    const res = await post(momo.viewer, '/ai-insights/chat', { message: '<script>alert(1)</script> what is open?' });
    const html = await res.text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; what is open?');
    expect(html).not.toContain('<script>alert');

    const empty = await post(momo.viewer, '/ai-insights/chat', { message: '  ' });
    expect(empty.status).toBe(422);
    const emptyHtml = await empty.text();
    expect(emptyHtml).toContain('data-chat-error');
    expect(emptyHtml).toContain('Message is required.');
    expect(emptyHtml).not.toContain('data-chat-reply');

    const long = await post(momo.viewer, '/ai-insights/chat', { message: 'x'.repeat(20_000) });
    expect(long.status).toBe(422);
    expect(await long.text()).toContain('at most 2,000 characters');

    // Without htmx the whole page comes back with the exchange in the log.
    const plain = await post(momo.viewer, '/ai-insights/chat', { message: 'Who is on call?' }, false);
    expect(plain.status).toBe(200);
    const page = await plain.text();
    expect(page).toContain('<!DOCTYPE html>');
    expect(page).toContain('On call now in Momo');
    const plainEmpty = await post(momo.viewer, '/ai-insights/chat', {}, false);
    expect(plainEmpty.status).toBe(422);
    expect(await plainEmpty.text()).toContain('Message is required.');
  });

  it('the chat popup is on every other page, for every role, clear of the toasts', async () => {
    for (const email of EVERY_ROLE) {
      const html = await (await get(email, '/')).text();
      expect(html, email).toContain('data-chat-popup');
      // The log and the composer come with the first open.
      expect(html).toContain('hx-get="/ai-insights/chat/panel"');
      expect(html).not.toContain('id="chat-popup-log"');
    }
    const incidents = await (await get(momo.operator, '/incidents')).text();
    expect(incidents).toContain('data-testid="chat-popup-button"');
    // Bottom left (the toasts are bottom right), beside the sidebar.
    expect(incidents).toContain('fixed bottom-4 left-4');
    expect(incidents).toContain('collapsed ? &#39;md:left-20&#39; : &#39;md:left-64&#39;');
    expect(incidents).toContain('id="toasts" class="pointer-events-none fixed bottom-4 right-4');
  });

  it('the popup panel loads for every role with their own greeting; a plain visit goes to the Assistant tab', async () => {
    const names: Record<string, string> = {};
    for (const email of [...EVERY_ROLE, ignite.operator]) {
      const res = await get(email, '/ai-insights/chat/panel', 'chat-popup');
      expect(res.status, email).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      const html = await res.text();
      expect(html).not.toContain('<!DOCTYPE html>');
      expect(html).toContain('id="chat-popup-log"');
      expect(html).toContain('id="chat-popup-input"');
      expect(html).toContain('hx-post="/ai-insights/chat"');
      expect(html).toContain('value="What is open?"');
      names[email] = /Hi ([^.<]+)\./.exec(html)?.[1] ?? '';
    }
    const user = await t.db.selectFrom('users').select('name').where('email', '=', ignite.operator).executeTakeFirstOrThrow();
    expect(names[ignite.operator]).toBe(user.name);
    expect(new Set(Object.values(names)).size).toBe(EVERY_ROLE.length + 1);
    const plain = await get(momo.operator, '/ai-insights/chat/panel');
    expect(plain.status).toBe(302);
    expect(plain.headers.get('location')).toBe('/ai-insights?tab=assistant');
    const signedOut = await t.request('/ai-insights/chat/panel', { headers: { 'hx-request': 'true' } });
    expect(signedOut.status).toBe(401);
    expect(signedOut.headers.get('hx-redirect')).toBe('/login');
  });
});
