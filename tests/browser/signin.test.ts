// End-to-end: a real server on a temp SQLite database, driven by headless Chromium. Pages only, so SQLite only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn, startBrowserServer, watchProblems, type BrowserServer } from '../helpers/browser.js';

const OPERATOR = 'ops.momo@d2ctelcare.com';
const OPERATOR_PASSWORD = 'Operator@123';

let env: BrowserServer;
const pages: Page[] = [];

async function newPage(opts?: Parameters<BrowserServer['newPage']>[0]): Promise<Page> {
  const page = await env.newPage(opts);
  pages.push(page);
  return page;
}

/** The sidebar's rendered width once its 200 ms width transition has settled. */
async function settledWidth(page: Page): Promise<number> {
  return page.locator('aside').evaluate(async (el) => {
    let last = -1;
    for (let i = 0; i < 40; i++) {
      const w = el.getBoundingClientRect().width;
      if (w === last) return w;
      last = w;
      await new Promise((r) => setTimeout(r, 60));
    }
    return last;
  });
}

beforeAll(async () => {
  env = await startBrowserServer();
});

afterAll(async () => {
  for (const p of pages) await p.context().close().catch(() => {});
  await env?.close();
});

describe('sign-in in a browser', () => {
  it('a wrong password shows the generic error and stays on /login', async () => {
    const page = await newPage();
    await page.goto('/login');
    await page.fill('input[name="email"]', OPERATOR);
    await page.fill('input[name="password"]', 'not-the-password');
    await page.getByRole('button', { name: 'Sign In' }).click();
    const error = page.getByTestId('login-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('Invalid email or password.');
    expect(new URL(page.url()).pathname).toBe('/login');
    // The email is kept, the password is not.
    expect(await page.inputValue('input[name="email"]')).toBe(OPERATOR);
    expect(await page.inputValue('input[name="password"]')).toBe('');
  });

  it('the Momo operator lands on the dashboard with stat cards, active incidents and their sidebar', async () => {
    const page = await newPage();
    await signIn(page, OPERATOR, OPERATOR_PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.title()).toContain('D2C OPs');
    for (const id of ['stat-open-incidents', 'stat-open-tickets', 'stat-events-today']) {
      const text = (await page.getByTestId(id).textContent())?.trim() ?? '';
      expect(text, id).toMatch(/^\d+$/);
    }
    await expect(page.getByRole('heading', { name: 'Active Incidents' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('table[data-testid="active-incidents"] tbody tr').count()).toBeGreaterThan(0);

    const nav = page.locator('aside');
    for (const path of ['/', '/incidents', '/handovers', '/tickets', '/approvals']) {
      expect(await nav.locator(`a[data-nav="${path}"]`).count(), path).toBe(1);
    }
    for (const path of ['/users', '/audit-log', '/email-log', '/integrations', '/escalations', '/reporting']) {
      expect(await nav.locator(`a[data-nav="${path}"]`).count(), path).toBe(0);
    }
    expect(await nav.getByText('Users', { exact: true }).count()).toBe(0);
    expect(await nav.getByText('Audit Log', { exact: true }).count()).toBe(0);
    expect(await nav.locator('a[data-nav="/"]').getAttribute('aria-current')).toBe('page');
    // Only a super admin gets the process switcher.
    expect(await page.locator('#process-switcher').count()).toBe(0);
  });

  it('the sidebar toggle collapses the sidebar, and it stays collapsed after a reload', async () => {
    const page = await newPage({ viewport: { width: 1440, height: 900 } });
    await signIn(page, OPERATOR, OPERATOR_PASSWORD);
    const full = await settledWidth(page);
    expect(full).toBeGreaterThan(200);
    await expect(page.getByText('Incidents', { exact: true }).first().isVisible()).resolves.toBe(true);

    await page.getByTestId('sidebar-toggle').click();
    const compact = await settledWidth(page);
    expect(compact).toBeLessThan(100);
    expect(await page.evaluate(() => localStorage.getItem('d2c.sidebar'))).toBe('compact');
    // Labels hide; the icon links stay.
    expect(await page.locator('aside a[data-nav="/incidents"] span').isVisible()).toBe(false);
    expect(await page.locator('aside a[data-nav="/incidents"]').isVisible()).toBe(true);

    await page.reload();
    await page.waitForFunction(() => (window as unknown as { Alpine?: unknown }).Alpine !== undefined);
    expect(await settledWidth(page)).toBeLessThan(100);

    await page.getByTestId('sidebar-toggle').click();
    expect(await settledWidth(page)).toBeGreaterThan(200);
    expect(await page.evaluate(() => localStorage.getItem('d2c.sidebar'))).toBe('full');
  });

  it('signing out from the avatar menu returns to /login, and / then needs a sign-in again', async () => {
    const page = await newPage();
    await signIn(page, OPERATOR, OPERATOR_PASSWORD);
    const signOut = page.getByRole('menuitem', { name: 'Sign out' });
    expect(await signOut.isVisible()).toBe(false);
    await page.getByTestId('avatar').click();
    await signOut.waitFor({ state: 'visible' });
    await Promise.all([page.waitForURL(/\/login\?signed_out/), signOut.click()]);
    await page.getByText('You have been signed out.').waitFor();

    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.getByRole('button', { name: 'Sign In' }).isVisible()).toBe(true);
  });

  it('the dashboard loads without console errors, CSP violations or failed requests', async () => {
    const page = await newPage();
    const problems = watchProblems(page);
    await signIn(page, OPERATOR, OPERATOR_PASSWORD);
    await page.waitForLoadState('networkidle');
    // Alpine and htmx both ran: Alpine hid the menu, htmx answers the refresh button.
    expect(await page.evaluate(() => typeof (window as unknown as { htmx?: unknown }).htmx)).toBe('object');
    expect(await page.evaluate(() => typeof (window as unknown as { Alpine?: unknown }).Alpine)).toBe('object');
    await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/dashboard/active'),
      page.getByRole('button', { name: 'Refresh' }).click(),
    ]);
    await page.waitForLoadState('networkidle');
    expect(problems.console).toEqual([]);
    expect(problems.failed).toEqual([]);
    // Opening the account menu runs Alpine's x-show/x-transition: still no errors.
    await page.getByTestId('avatar').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).waitFor({ state: 'visible' });
    expect(problems.console).toEqual([]);
    expect(problems.failed).toEqual([]);
  });

  it('on a phone the sidebar stays hidden until the menu button opens it', async () => {
    const page = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await signIn(page, OPERATOR, OPERATOR_PASSWORD);
    await page.waitForFunction(() => (window as unknown as { Alpine?: unknown }).Alpine !== undefined);
    const aside = page.locator('aside');
    const onScreen = () => aside.evaluate(async (el) => {
      await new Promise((r) => setTimeout(r, 300)); // the slide transition
      const box = el.getBoundingClientRect();
      return box.right > 0 && box.left < window.innerWidth;
    });
    expect(await onScreen()).toBe(false);
    expect(await page.getByTestId('sidebar-toggle').isVisible()).toBe(false);

    await page.getByRole('button', { name: 'Open menu' }).click();
    expect(await onScreen()).toBe(true);
    expect(await aside.locator('a[data-nav="/incidents"]').isVisible()).toBe(true);
    expect(await aside.getByText('Incidents', { exact: true }).isVisible()).toBe(true);

    // Tapping the backdrop closes it again.
    await page.mouse.click(380, 400);
    expect(await onScreen()).toBe(false);
  });
});
