// End-to-end: what every module shares, in a real browser: modals a keyboard user can work (focus in,
// labels tied to the modal's own fields, Tab kept inside, Escape closes, focus back on the opener),
// a form that shows it is sending and cannot be sent twice, and pages that fit a phone. Pages only,
// so SQLite only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn, startBrowserServer, watchProblems, type BrowserServer } from '../helpers/browser.js';

const MANAGER = 'mgr.momo@d2ctelcare.com';
const ADMIN = 'admin.momo@d2ctelcare.com';

let env: BrowserServer;
const pages: Page[] = [];

async function signedIn(email: string, password: string, viewport = { width: 1280, height: 900 }, timezoneId?: string): Promise<Page> {
  const page = await env.newPage({ viewport, timezoneId });
  pages.push(page);
  await signIn(page, email, password);
  return page;
}

/** Where the keyboard is: the element's tag, name or test id, and whether it is inside the modal. */
const focusInfo = (page: Page) =>
  page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return {
      tag: a?.tagName ?? '',
      name: a?.getAttribute('name') ?? '',
      testid: a?.getAttribute('data-testid') ?? '',
      role: a?.getAttribute('role') ?? '',
      inModal: Boolean(a?.closest('[data-modal]')),
    };
  });

beforeAll(async () => {
  env = await startBrowserServer();
});

afterAll(async () => {
  for (const p of pages) await p.context().close().catch(() => {});
  await env?.close();
});

describe('modals and forms for a keyboard user', () => {
  it('New Incident: focus lands on Title, labels name the modal’s own fields, Tab stays inside, Escape closes and focus returns to the button', async () => {
    const page = await signedIn(MANAGER, 'Operator@123');
    const problems = watchProblems(page);
    await page.goto('/incidents');
    await page.getByTestId('new-incident').focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('[data-modal] [role=dialog]');
    await dialog.waitFor();
    await expect.poll(async () => (await focusInfo(page)).name).toBe('title');

    // The page's filters have their own ids: the modal's labels point at the modal's fields.
    const ids = await page.evaluate(() => {
      const seen = new Map<string, number>();
      for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
      return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    });
    expect(ids).toEqual([]);
    await dialog.getByText('Severity', { exact: true }).click();
    expect(await focusInfo(page)).toMatchObject({ name: 'severity', inModal: true });

    // Tab and Shift+Tab go round the dialog, never to the page behind it.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect((await focusInfo(page)).inModal, `Tab #${i + 1}`).toBe(true);
    }
    await dialog.getByLabel('Title').focus();
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Shift+Tab');
      expect((await focusInfo(page)).inModal, `Shift+Tab #${i + 1}`).toBe(true);
    }

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect((await focusInfo(page)).testid).toBe('new-incident');
    expect(problems.console).toEqual([]);
  });

  it('Escape on a form with unsaved changes asks first; an untouched form of any module closes at once', async () => {
    const page = await signedIn(ADMIN, 'Admin@123');
    const prompts: string[] = [];
    page.on('dialog', (d) => {
      prompts.push(`${page.url()}: ${d.message()}`);
      void d.dismiss();
    });
    const modals: [string, string][] = [
      ['/incidents', 'new-incident'], ['/downtime', 'log-downtime'], ['/tickets', 'new-ticket'], ['/handovers', 'new-handover'],
      ['/approvals', 'new-approval'], ['/escalations', 'new-chain'], ['/oncall', 'add-oncall'], ['/automation', 'new-rule'],
      ['/notifications', 'send-notification'], ['/users', 'add-user'], ['/integrations', 'new-integration'],
    ];
    const dialog = page.locator('[data-modal] [role=dialog]');
    for (const [path, opener] of modals) {
      await page.goto(path);
      await page.getByTestId(opener).click();
      await dialog.waitFor();
      await page.waitForTimeout(100);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }
    expect(prompts).toEqual([]);

    await page.goto('/incidents');
    await page.getByTestId('new-incident').click();
    await dialog.getByLabel('Title').fill('Half-written incident');
    await page.keyboard.press('Escape');
    await page.waitForTimeout(200);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain('Discard your changes?');
    expect(await dialog.getByLabel('Title').inputValue()).toBe('Half-written incident');
    page.removeAllListeners('dialog');
    page.once('dialog', (d) => void d.accept());
    await page.locator('[data-modal] > div').first().click({ position: { x: 5, y: 5 } });
    await dialog.waitFor({ state: 'detached' });
  });

  it('a record opened from a list takes focus on the dialog itself (Enter presses no action), and closing returns to the row link', async () => {
    const page = await signedIn(MANAGER, 'Operator@123');
    await page.goto('/tickets');
    const link = page.getByTestId('ticket-table').locator('tbody tr a').first();
    await link.click();
    const dialog = page.locator('[data-modal] [role=dialog]');
    await dialog.waitFor();
    await expect.poll(async () => (await focusInfo(page)).role).toBe('dialog');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await link.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('while a form is being sent its button is disabled with its indicator showing; a double click sends it once; a toast confirms', async () => {
    const page = await signedIn(MANAGER, 'Operator@123');
    const problems = watchProblems(page);
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/downtime') posts.push(r.url());
    });
    // Hold the POST long enough to look at the form while it is in flight.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/downtime', async (route) => {
      if (route.request().method() === 'POST') await held;
      await route.continue();
    });
    await page.goto('/downtime');
    await page.getByTestId('log-downtime').click();
    const dialog = page.locator('[data-modal] [role=dialog]');
    await dialog.waitFor();
    await dialog.getByLabel('Services affected').fill('Double Click Gateway');
    const submit = dialog.getByRole('button', { name: /Log downtime/ });
    await submit.dblclick({ force: true });
    await page.keyboard.press('Enter');
    await expect.poll(() => submit.isDisabled()).toBe(true);
    expect(await dialog.locator('form').getAttribute('aria-busy')).toBe('true');
    // The indicator fades in (150 ms).
    await expect.poll(() => submit.locator('.htmx-indicator').evaluate((el) => getComputedStyle(el).opacity)).toBe('1');
    release();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: /logged/i }).first().waitFor();
    await page.waitForTimeout(300);
    expect(posts).toHaveLength(1);
    expect(await page.getByTestId('downtime-table').getByText('Double Click Gateway').count()).toBe(1);
    expect(problems.console).toEqual([]);
  });

  it('a disabled button looks disabled in every style (primary, secondary, danger)', async () => {
    const page = await signedIn(ADMIN, 'Admin@123');
    await page.goto('/users');
    await Promise.all([page.waitForURL(/\/users\/\d+/), page.getByTestId('user-table').getByRole('link', { name: 'Momo Viewer' }).click()]);
    for (const selector of ['[data-action="deactivate"]', '[data-testid="role-form"] button[type=submit]', '[data-testid="email-form"] button[type=submit]']) {
      const button = page.locator(selector);
      expect(Number(await button.evaluate((el) => getComputedStyle(el).opacity)), selector).toBe(1);
      await button.evaluate((el) => ((el as HTMLButtonElement).disabled = true));
      expect(Number(await button.evaluate((el) => getComputedStyle(el).opacity)), selector).toBeLessThan(1);
    }
  });
});

describe('times', () => {
  it('the dashboard’s “Opened …” tooltip is in the viewer’s zone, like the times on the page', async () => {
    const page = await signedIn(MANAGER, 'Operator@123', undefined, 'America/New_York');
    await page.goto('/');
    const cell = page.locator('[data-title-at]').first();
    const at = await cell.getAttribute('data-title-at');
    const expected = await page.evaluate((iso) => 'Opened ' + new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso!)), at);
    expect(expected).toMatch(/Opened .*\d{4}/);
    expect(await cell.getAttribute('title')).toBe(expected);
  });
});

describe('on a phone', () => {
  it('no page scrolls sideways: wide tables scroll inside their card', async () => {
    const page = await signedIn(ADMIN, 'Admin@123', { width: 390, height: 844 });
    for (const path of ['/', '/incidents', '/downtime', '/tickets', '/oncall', '/automation', '/notifications', '/users', '/integrations', '/audit-log', '/email-log']) {
      await page.goto(path);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, path).toBeLessThanOrEqual(390);
    }
    // The activity feed's icons stay round when an entry wraps to several lines.
    await page.goto('/activity');
    const box = await page.locator('[data-activity] > div').first().boundingBox();
    expect(Math.round(box!.height)).toBe(Math.round(box!.width));
  });

  it('the closed menu is out of the way of the keyboard; the menu button opens it and Escape closes it', async () => {
    const page = await signedIn(ADMIN, 'Admin@123', { width: 390, height: 844 });
    await page.goto('/tickets');
    const link = page.locator('#sidebar a[data-nav="/incidents"]');
    expect(await link.isVisible()).toBe(false);
    // Tabbing through the top of the page never lands on a link of the hidden menu.
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => Boolean(document.activeElement?.closest('#sidebar'))), `Tab #${i + 1}`).toBe(false);
    }
    await page.getByRole('button', { name: 'Open menu' }).click();
    await link.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await link.waitFor({ state: 'hidden' });
  });

  it('the super admin switches process from the account menu (the top bar has no room for the switcher)', async () => {
    const page = await signedIn('admin@d2ctelcare.com', 'Admin@D2C2026', { width: 390, height: 844 });
    await page.goto('/incidents');
    expect(await page.locator('#process-switcher').isVisible()).toBe(false);
    await page.getByTestId('avatar').click();
    const menuSwitcher = page.getByRole('menu').getByLabel('Process');
    await menuSwitcher.waitFor();
    await Promise.all([page.waitForLoadState('load'), page.waitForURL(/\/incidents/), menuSwitcher.selectOption('momo')]);
    await expect.poll(() => page.locator('#process-switcher-menu').inputValue()).toBe('momo');
    expect(await page.getByTestId('incident-table').textContent()).not.toContain('Ignite');
    // A long page title is cut on a phone; its full text is its title.
    await page.goto('/oncall');
    expect(await page.locator('h1').getAttribute('title')).toBe(await page.locator('h1').textContent());
  });
});
