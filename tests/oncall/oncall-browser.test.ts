// End-to-end in a real browser: a manager adds a primary through the modal, is stopped from adding a
// second one, removes the entry after confirming, and generates a rotation. Pages only, so SQLite only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { formatDay } from '../../src/modules/oncall/shifts.js';
import { signIn, startBrowserServer, watchProblems, type BrowserServer } from '../helpers/browser.js';

const MANAGER = 'mgr.momo@d2ctelcare.com';
const PASSWORD = 'Operator@123';

let env: BrowserServer;
let page: Page;

/** A calendar day in Johannesburg (the demo processes' zone), n days from today. */
function dayFromToday(n: number): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  return new Date(Date.parse(`${today}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

beforeAll(async () => {
  env = await startBrowserServer();
  page = await env.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await page?.context().close().catch(() => {});
  await env?.close();
});

describe('on-call scheduling in a browser', () => {
  it('add a primary through the modal, refuse a second one, remove it after confirming', async () => {
    const problems = watchProblems(page);
    await signIn(page, MANAGER, PASSWORD);
    await page.goto('/oncall');
    // The demo seed covers today − 3 … today + 10: the last three days of the fortnight have no primary.
    const warning = page.getByTestId('coverage-warning');
    await expect(warning.textContent()).resolves.toContain('3 days of the next 14 have no primary');
    expect(await page.getByTestId('oncall-now-primary').textContent()).toMatch(/Momo (Manager|Operator)/);

    const date = dayFromToday(11);
    await page.getByTestId('add-oncall').click();
    let dialog = page.getByRole('dialog');
    await dialog.waitFor();
    // Keyboard-friendly: the first field has the focus.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('user_id');
    await dialog.getByLabel('Person').selectOption({ label: 'Momo Operator (Operator)' });
    expect(await dialog.getByLabel('Role').inputValue()).toBe('primary');
    await dialog.getByLabel('Date').fill(date);
    await dialog.getByRole('button', { name: /Add to schedule/ }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Momo Operator is primary on call' }).first().waitFor();
    const row = page.locator(`tr[data-date="${date}"][data-role="primary"]`);
    await row.waitFor();
    expect(await row.getByTestId('oncall-person').textContent()).toBe('Momo Operator');
    await page.getByText('2 days of the next 14 have no primary').waitFor();

    await page.getByTestId('add-oncall').click();
    dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByLabel('Person').selectOption({ label: 'Momo Manager (Manager)' });
    await dialog.getByLabel('Date').fill(date);
    await dialog.getByRole('button', { name: /Add to schedule/ }).click();
    await dialog.locator('[data-form-error]').filter({ hasText: `Momo Operator is already the primary on call on ${formatDay(date)}` }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    const messages: string[] = [];
    page.once('dialog', (d) => {
      messages.push(d.message());
      void d.dismiss();
    });
    await row.getByRole('button', { name: /Remove/ }).click();
    await page.waitForTimeout(300);
    expect(messages[0]).toContain(`Remove Momo Operator (primary) from the on-call schedule on ${formatDay(date)}?`);
    expect(await row.count()).toBe(1);
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: /Remove/ }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Momo Operator removed' }).first().waitFor();
    await page.getByText('3 days of the next 14 have no primary').waitFor();

    // The refused second primary is the only error response.
    expect(problems.console.filter((m) => !m.includes('409 (Conflict)'))).toEqual([]);
    expect(problems.failed.filter((f) => !/^POST .*\/oncall: HTTP 409$/.test(f))).toEqual([]);
  });

  it('a rotation from the modal fills the empty days, and generating again writes nothing new', async () => {
    const problems = watchProblems(page);
    await page.goto('/oncall');
    await page.getByTestId('new-rotation').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByLabel('Name').fill('Weekly primary');
    await dialog.getByLabel('Member 1').selectOption({ label: 'Momo Operator' });
    await dialog.getByLabel('Member 2').selectOption({ label: 'Momo Manager' });
    await dialog.getByLabel('Start date').fill(dayFromToday(11));
    await dialog.getByLabel('Handoff time').fill('09:00');
    await dialog.getByLabel('Shift length (days)').fill('7');
    await dialog.getByLabel(/Generate the schedule/).fill('2');
    await dialog.getByRole('button', { name: /Save rotation/ }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Rotation “Weekly primary” saved: 3 shifts written' }).first().waitFor();
    const item = page.getByTestId('rotation-list').locator('li[data-rotation]', { hasText: 'Weekly primary' });
    await item.waitFor();
    expect(await item.textContent()).toContain('Every 7 days, handoff at 09:00 (Africa/Johannesburg)');
    // The coverage warning is gone: every day of the fortnight has a primary now.
    await page.getByTestId('coverage-warning').waitFor({ state: 'detached' });
    await page.locator(`tr[data-date="${dayFromToday(12)}"][data-role="primary"]`).getByText('09:00 → 09:00 next day').waitFor();

    await item.getByLabel('Weeks ahead').fill('2');
    await item.getByRole('button', { name: 'Generate' }).click();
    await page.getByTestId('generate-result').filter({ hasText: '0 shifts written, 3 already there' }).waitFor();
    expect(problems.console).toEqual([]);
    expect(problems.failed).toEqual([]);
  });
});
