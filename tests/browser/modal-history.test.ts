// End-to-end: a record opened in a dialog has its own address, and Back / Forward behave as they
// would for a page: Back closes the dialog, Forward opens it again, closing it restores the list's
// address, and a list refreshing itself after a change adds no extra Back step. Pages only, so SQLite only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn, startBrowserServer, watchProblems, type BrowserServer } from '../helpers/browser.js';

let env: BrowserServer;
let page: Page;

beforeAll(async () => {
  env = await startBrowserServer();
  page = await env.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, 'mgr.momo@d2ctelcare.com', 'Operator@123');
});

afterAll(async () => {
  await page?.context().close().catch(() => {});
  await env?.close();
});

const path = () => new URL(page.url()).pathname + new URL(page.url()).search;
const dialogs = () => page.locator('[data-modal]').count();

describe('record dialogs and browser history', () => {
  it('an incident opened from the list takes its address; Back closes it, Forward reopens it', async () => {
    const problems = watchProblems(page);
    await page.goto('/');
    await page.goto('/incidents');
    const link = page.getByTestId('incident-table').locator('tbody tr a').first();
    const href = (await link.getAttribute('href'))!;
    await link.click();
    await page.locator('[data-modal] [role=dialog]').waitFor();
    await expect.poll(path).toBe(href);

    await page.goBack();
    await expect.poll(dialogs).toBe(0);
    expect(path()).toBe('/incidents');
    await page.getByTestId('incident-table').waitFor();

    await page.goForward();
    await page.locator('[data-modal] [role=dialog]').waitFor();
    expect(await page.locator('#modal-title').innerText()).toMatch(/^Incident #\d+$/);
    expect(path()).toBe(href);

    // Closing puts the list's address back.
    await page.locator('[data-modal] [data-close]').click();
    await expect.poll(dialogs).toBe(0);
    await expect.poll(path).toBe('/incidents');
    expect(problems).toEqual({ console: [], failed: [] });
  });

  it('a status change inside the dialog leaves one Back step: back to where the list was opened from', async () => {
    await page.goto('/');
    await page.goto('/incidents');
    await page.getByTestId('incident-table').locator('tbody tr a').nth(1).click();
    const dialog = page.locator('[data-modal] [role=dialog]');
    await dialog.waitFor();
    // The change refreshes the list behind the dialog (its filter form sends again, with a push).
    await dialog.getByRole('button', { name: /Mark In Progress|Reopen|Resolve/ }).first().click();
    await page.getByRole('status').filter({ hasText: 'Incident updated' }).first().waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(dialogs).toBe(0);
    await expect.poll(path).toBe('/incidents');
    await page.goBack();
    await expect.poll(path).toBe('/');
  });
});
