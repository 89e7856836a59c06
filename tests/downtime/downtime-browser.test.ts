// End-to-end in Chromium set to Los Angeles time: the downtime and handover forms send the browser's
// zone, and a time the clocks skip (02:30 on 8 March 2026) is stored as the browser reads it. Pages
// only, so SQLite only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn, startBrowserServer, type BrowserServer } from '../helpers/browser.js';

const OPERATOR = 'ops.momo@d2ctelcare.com';
const PASSWORD = 'Operator@123';

let env: BrowserServer;
let page: Page;

beforeAll(async () => {
  env = await startBrowserServer();
  page = await env.newPage({ timezoneId: 'America/Los_Angeles' });
  await signIn(page, OPERATOR, PASSWORD);
});

afterAll(async () => {
  await page?.context().close().catch(() => {});
  await env?.close();
});

async function api<T>(path: string): Promise<T> {
  const login = await page.request.post('/api/v1/auth/login', { data: { email: OPERATOR, password: PASSWORD } });
  const { token } = (await login.json()) as { token: string };
  return (await (await page.request.get(`/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as T;
}

/** The form's POST (htmx or a plain submit) has been answered. */
function posted(path: string) {
  return page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === 'POST');
}

describe('datetime-local inputs in the browser zone (Chromium, America/Los_Angeles)', () => {
  it('logs downtime at 02:30 on the spring-forward night as 03:30 PDT (10:30Z), not 01:30 PST', async () => {
    await page.goto('/downtime/new');
    expect(await page.locator('input[name="tz"]').inputValue()).toBe('America/Los_Angeles');
    // The default start is the browser's own now, in its zone.
    const shown = await page.locator('#started_at_local').inputValue();
    const expected = await page.evaluate(() => { const d = new Date(); return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); });
    expect(Math.abs(Date.parse(`${shown}:00Z`) - Date.parse(`${expected}:00Z`))).toBeLessThanOrEqual(60_000);
    await page.fill('#started_at_local', '2026-03-08T02:30');
    await page.fill('#services_affected', 'DST Gateway');
    await page.selectOption('#impact_level', 'low');
    await Promise.all([posted('/downtime'), page.locator('#downtime-form button[type="submit"]').click()]);
    const list = await api<{ items: { services_affected: string[]; started_at: string }[] }>('/downtime');
    expect(list.items.find((d) => d.services_affected.includes('DST Gateway'))?.started_at).toBe('2026-03-08T10:30:00.000Z');
  });

  it('submits a handover at 02:30 on that night as 10:30Z too', async () => {
    await page.goto('/handovers/new');
    expect(await page.locator('input[name="tz"]').inputValue()).toBe('America/Los_Angeles');
    await page.fill('#handover_time', '2026-03-08T02:30');
    await page.selectOption('#recipient_id', { label: 'Momo Manager (Manager)' });
    await page.fill('#actions_taken', 'DST check');
    await Promise.all([posted('/handovers'), page.locator('#handover-form button[type="submit"]').click()]);
    const list = await api<{ items: { actions_taken: string; handover_time: string }[] }>('/handovers');
    expect(list.items.find((h) => h.actions_taken === 'DST check')?.handover_time).toBe('2026-03-08T10:30:00.000Z');
  });
});
