// End-to-end: the live activity feed in a real browser: the type filter, the 15 s auto-refresh,
// Pause, Resume and Refresh (the page's clock is Playwright's, so 15 s pass in an instant); and the
// Reporting page's downloads and SLA panel. Pages only, so SQLite only.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn, startBrowserServer, watchProblems, type BrowserServer } from '../helpers/browser.js';

const MANAGER = 'mgr.momo@d2ctelcare.com';
const PASSWORD = 'Operator@123';

let env: BrowserServer;
let page: Page;
let token: string;

/** Opens a ticket through the API (another person at work), and answers its title. */
async function openTicket(title: string): Promise<string> {
  const res = await fetch(`${env.url}/api/v1/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title, type: 'change' }),
  });
  expect(res.status).toBe(201);
  return title;
}

const feed = () => page.locator('#activity-feed');
const pollRequests: string[] = [];

beforeAll(async () => {
  env = await startBrowserServer();
  const login = await fetch(`${env.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops.momo@d2ctelcare.com', password: PASSWORD }),
  });
  token = ((await login.json()) as { token: string }).token;
  page = await env.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (r) => {
    if (r.url().includes('/activity') && r.headers()['hx-request']) pollRequests.push(r.url());
  });
});

afterAll(async () => {
  await page?.context().close().catch(() => {});
  await env?.close();
});

describe('the live activity feed in a browser', () => {
  it('filters by event type, refreshes itself every 15 s, pauses, resumes and refreshes on demand', async () => {
    const problems = watchProblems(page);
    await page.clock.install();
    await signIn(page, MANAGER, PASSWORD);
    await page.goto('/activity');
    const indicator = page.getByTestId('live-indicator');
    await expect.poll(() => indicator.innerText()).toContain('Auto-refreshing every 15s');
    expect(await indicator.getAttribute('data-state')).toBe('live');

    // The type filter: its options carry counts; choosing one narrows the feed and the address.
    const filter = page.getByTestId('type-filter');
    const ticketOption = (await filter.locator('option[value="ticket"]').textContent())!;
    expect(ticketOption).toMatch(/^ticket \(\d+\)$/);
    expect(await feed().locator('li[data-type="incident"]').count()).toBeGreaterThan(0);
    await filter.selectOption('ticket');
    await page.waitForURL(/type=ticket/);
    await expect.poll(() => feed().locator('li[data-type]:not([data-type="ticket"])').count()).toBe(0);
    expect(await feed().locator('li[data-type="ticket"]').count()).toBeGreaterThan(0);

    // Someone opens a ticket: it appears by itself within 15 s, and the count goes up.
    const before = Number(/\((\d+)\)/.exec(ticketOption)![1]);
    const first = await openTicket('Rotate the partner API signing keys');
    expect(await feed().getByText(first).count()).toBe(0);
    await page.clock.runFor(16_000);
    await feed().getByText(first).waitFor();
    await expect.poll(async () => filter.locator('option[value="ticket"]').textContent()).toBe(`ticket (${before + 1})`);
    expect(await filter.inputValue()).toBe('ticket');

    // Paused: nothing is fetched however long we wait.
    await page.getByTestId('pause').click();
    await expect.poll(() => indicator.getAttribute('data-state')).toBe('paused');
    await expect.poll(() => indicator.innerText()).toContain('Paused');
    expect(await indicator.innerText()).not.toContain('Auto-refreshing');
    await expect.poll(async () => (await page.getByTestId('pause').innerText()).trim()).toBe('Resume');
    const polls = pollRequests.length;
    const second = await openTicket('Renew the wildcard certificate');
    await page.clock.runFor(46_000);
    expect(pollRequests.length).toBe(polls);
    expect(await feed().getByText(second).count()).toBe(0);

    // Refresh works while paused.
    await page.getByTestId('refresh').click();
    await feed().getByText(second).waitFor();
    expect(await indicator.getAttribute('data-state')).toBe('paused');

    // Resumed: the feed refreshes itself again.
    await page.getByTestId('pause').click();
    await expect.poll(() => indicator.getAttribute('data-state')).toBe('live');
    const third = await openTicket('Add a DR runbook for the USSD gateway');
    await page.clock.runFor(16_000);
    await feed().getByText(third).waitFor();
    expect(await feed().locator('li[data-type]:not([data-type="ticket"])').count()).toBe(0);

    // Back to every type.
    await filter.selectOption('');
    await expect.poll(() => feed().locator('li[data-type="incident"]').count()).toBeGreaterThan(0);
    expect(await feed().locator('li[data-activity]').first().textContent()).toContain(third);

    expect(problems.console).toEqual([]);
    expect(problems.failed).toEqual([]);
  }, 60_000);
});

describe('the reporting page in a browser', () => {
  it('downloads a CSV and a PDF from a card, and redraws the SLA panel for another range', async () => {
    const reporting = await env.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const problems = watchProblems(reporting);
    try {
      await signIn(reporting, MANAGER, PASSWORD);
      await reporting.goto('/reporting');
      const card = reporting.locator('[data-report="incidents"]');
      const tz = await card.locator('input[name="tz"]').inputValue();
      expect(tz).toBe(await reporting.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone));
      const [csv] = await Promise.all([reporting.waitForEvent('download'), reporting.getByTestId('incidents-csv').click()]);
      expect(csv.suggestedFilename()).toMatch(/^d2c-ops-incidents-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}-momo\.csv$/);
      const text = readFileSync((await csv.path())!, 'utf8');
      expect(text.startsWith('\uFEFFID,Title,Severity')).toBe(true);
      expect(text.split('\r\n').length).toBeGreaterThan(3);
      const [pdf] = await Promise.all([reporting.waitForEvent('download'), reporting.getByTestId('downtime-pdf').click()]);
      expect(pdf.suggestedFilename()).toMatch(/\.pdf$/);
      expect(readFileSync((await pdf.path())!).subarray(0, 5).toString()).toBe('%PDF-');
      expect(new URL(reporting.url()).pathname).toBe('/reporting');

      // A slow export: the button says "Preparing…" (busy, disabled) until the file starts to arrive.
      let release!: () => void;
      const held = new Promise<void>((r) => { release = r; });
      const slowPdf = (url: URL) => url.pathname === '/reporting/incidents.pdf';
      await reporting.route(slowPdf, async (route) => { await held; await route.continue(); });
      const button = reporting.getByTestId('incidents-pdf');
      const slow = reporting.waitForEvent('download');
      // Clicked and read from inside the page: while the export's request is held, Playwright's own
      // actions wait for that navigation to finish.
      const during = await button.evaluate((b: HTMLButtonElement) => {
        b.click();
        return new Promise<{ text: string | null; busy: string | null; disabled: boolean }>((resolve) => {
          setTimeout(() => resolve({ text: b.textContent, busy: b.getAttribute('aria-busy'), disabled: b.disabled }), 300);
        });
      });
      expect(during).toEqual({ text: 'Preparing\u2026', busy: 'true', disabled: true });
      release();
      const file = await slow;
      expect(file.url()).toMatch(/download_token=[a-z0-9]{8,}/);
      await expect.poll(() => button.textContent()).toMatch(/^\s*PDF\s*$/);
      expect(await button.getAttribute('aria-busy')).toBeNull();
      expect(await button.isDisabled()).toBe(false);
      await reporting.unroute(slowPdf);

      // The SLA panel: a range without incidents, then back to one with them.
      const sla = reporting.locator('[data-report="sla"]');
      await sla.getByLabel('From').fill('2020-01-01');
      await sla.getByLabel('To').fill('2020-01-31');
      await reporting.getByTestId('sla-show').click();
      await reporting.getByText('No incidents in this range').waitFor();
      await sla.getByLabel('To').fill('2030-12-31');
      await reporting.getByTestId('sla-show').click();
      await reporting.getByTestId('sla-severity-chart').waitFor();
      expect(await reporting.getByTestId('sla-opened').textContent()).toMatch(/^\d+$/);
      expect(new URL(reporting.url()).pathname).toBe('/reporting');
      expect(problems.console).toEqual([]);
      expect(problems.failed).toEqual([]);
    } finally {
      await reporting.context().close();
    }
  }, 60_000);
});
