// End-to-end: a note added from the incident's modal appears on its timeline at once, with a toast,
// and a blank one is refused on the field. Pages only, so SQLite only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn, startBrowserServer, watchProblems, type BrowserServer } from '../helpers/browser.js';

let env: BrowserServer;
let page: Page;

beforeAll(async () => {
  env = await startBrowserServer();
  page = await env.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, 'ops.momo@d2ctelcare.com', 'Operator@123');
});

afterAll(async () => {
  await page?.context().close().catch(() => {});
  await env?.close();
});

describe('incident notes in the browser', () => {
  it('adds a note from the incident modal: it shows on the timeline without a reload, the field empties, a toast confirms', async () => {
    const problems = watchProblems(page);
    await page.goto('/incidents');
    await page.getByTestId('incident-table').locator('tbody tr a').first().click();
    const dialog = page.locator('[data-modal] [role=dialog]');
    await dialog.waitFor();
    const field = dialog.getByLabel('Add a note');
    await field.fill('Called the vendor: fix rolling out at 14:00.\nWatching error rate.');
    await dialog.getByRole('button', { name: 'Add note' }).click();
    await dialog.getByTestId('timeline-note').filter({ hasText: 'Called the vendor' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Note added' }).first().waitFor();
    expect(await dialog.getByLabel('Add a note').inputValue()).toBe('');
    const note = dialog.getByTestId('timeline-note').last();
    expect(await note.innerText()).toBe('Called the vendor: fix rolling out at 14:00.\nWatching error rate.');
    expect(await note.locator('xpath=..').innerText()).toContain('Momo Operator');
    await page.screenshot({ path: '/tmp/incident-note.png' });

    // A blank note (the browser's own check bypassed) is refused on the field, and nothing is added.
    const count = await dialog.getByTestId('timeline-note').count();
    await dialog.getByLabel('Add a note').evaluate((el) => el.removeAttribute('required'));
    await dialog.getByLabel('Add a note').fill('   ');
    await dialog.getByRole('button', { name: 'Add note' }).click();
    await dialog.locator('[data-field-error="note"]').waitFor();
    expect(await dialog.getByTestId('timeline-note').count()).toBe(count);
    expect(problems.console.filter((m) => !m.includes('422'))).toEqual([]);
  });
});
