// End-to-end: stakeholder registration in 3 steps, approval by the manager, first sign-in, and the
// notification bell, in a real browser. Pages only, so SQLite only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn, startBrowserServer, watchProblems, type BrowserServer } from '../helpers/browser.js';

const MANAGER = 'mgr.momo@d2ctelcare.com';
const MANAGER_PASSWORD = 'Operator@123';
const EMAIL = 'thandi.client@momo-partner.example';
const PASSWORD = 'Thandi2026ok';

let env: BrowserServer;
const pages: Page[] = [];

async function newPage(): Promise<Page> {
  const page = await env.newPage({ viewport: { width: 1280, height: 900 } });
  pages.push(page);
  return page;
}

/** The code the server emailed (JOBS are off here: it waits in the outbox). */
async function emailedCode(email: string): Promise<string> {
  const row = await env.server.deps.db.selectFrom('email_outbox').select('subject').where('to_address', '=', email)
    .where('template', '=', 'auth.register_code').orderBy('id', 'desc').executeTakeFirstOrThrow();
  return /(\d{6})/.exec(row.subject)![1];
}

beforeAll(async () => {
  env = await startBrowserServer();
});

afterAll(async () => {
  for (const p of pages) await p.context().close().catch(() => {});
  await env?.close();
});

describe('stakeholder registration in a browser', () => {
  it('Details -> Verify -> Password, approval by the manager, first sign-in, and the bell', async () => {
    const page = await newPage();
    const problems = watchProblems(page);
    await page.goto('/login');
    await page.getByRole('link', { name: /Register/ }).click();
    await page.waitForURL('**/register');
    const stepper = page.getByTestId('stepper');
    expect(await stepper.locator('[aria-current="step"]').getAttribute('data-step')).toBe('details');

    // Step 1: details.
    await page.getByLabel('Full name').fill('Thandi Client');
    await page.getByLabel('Work email').fill(EMAIL);
    await page.getByLabel('Process').selectOption({ label: 'Momo' });
    await page.getByLabel(/Phone/).fill('+27 82 555 0100');
    await page.getByRole('button', { name: 'Continue' }).click();

    // Step 2: verify, with the resend button waiting out its cooldown.
    await page.getByLabel('Verification code').waitFor();
    expect(await page.getByTestId('stepper').locator('[aria-current="step"]').getAttribute('data-step')).toBe('verify');
    expect(await page.textContent('body')).toContain(EMAIL);
    const resend = page.getByTestId('resend-code');
    await page.waitForFunction(() => /Resend code in \d+s/.test(document.querySelector('[data-testid="resend-code"]')?.textContent ?? ''));
    expect(await resend.isDisabled()).toBe(true);
    await page.getByLabel('Verification code').fill('000000' === (await emailedCode(EMAIL)) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('That code is wrong or no longer valid').first().waitFor();
    await page.getByLabel('Verification code').fill(await emailedCode(EMAIL));
    await page.getByRole('button', { name: 'Verify' }).click();

    // Step 3: password, the rules ticking as the user types.
    const password = page.getByLabel('Password', { exact: true });
    await password.waitFor();
    const rules = page.getByTestId('password-rules');
    expect(await rules.locator('li.text-teal').count()).toBe(0);
    await password.pressSequentially('Thandi');
    expect(await rules.locator('li.text-teal').count()).toBe(1);
    await password.pressSequentially('2026ok');
    expect(await rules.locator('li.text-teal').count()).toBe(3);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('registration-done').waitFor();
    expect(await page.getByTestId('registration-done').textContent()).toContain('Registration received');
    // The one expected error response: the wrong code (422), which Chromium also logs.
    expect(problems.console.filter((m) => !m.includes('status of 422'))).toEqual([]);
    expect(problems.failed.filter((f) => !f.includes('/register/verify: HTTP 422'))).toEqual([]);

    // Not approved yet: sign-in is refused with a clear message.
    await page.goto('/login');
    await page.fill('input[name="email"]', EMAIL);
    await page.fill('input[name="password"]', PASSWORD);
    await page.getByRole('button', { name: 'Sign In' }).click();
    await page.getByTestId('login-error').waitFor();
    expect(await page.getByTestId('login-error').textContent()).toContain('not active yet');

    // The Momo manager approves the access request, then tells the clients something.
    const manager = await newPage();
    const mgrProblems = watchProblems(manager);
    await signIn(manager, MANAGER, MANAGER_PASSWORD);
    await manager.goto('/approvals');
    const card = manager.getByTestId('pending-approvals').locator('li[data-approval]', { hasText: 'Thandi Client' });
    await card.waitFor();
    await card.getByRole('button', { name: 'Approve' }).click();
    await manager.getByTestId('decided-approvals').locator('li[data-approval]', { hasText: 'Thandi Client' }).waitFor();

    await manager.goto('/notifications');
    await manager.getByTestId('send-notification').click();
    const dialog = manager.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.getByTestId('send-warning').textContent()).toContain('This will send an email to all client stakeholders in your process');
    await dialog.getByLabel('Subject').fill('Welcome aboard, Momo stakeholders');
    await dialog.getByLabel('Message').fill('You will hear about incidents and maintenance here.');
    await dialog.getByRole('button', { name: /Send/ }).click();
    await dialog.waitFor({ state: 'detached' });
    await manager.getByTestId('notification-table').getByText('Welcome aboard, Momo stakeholders').waitFor();
    expect(mgrProblems.console).toEqual([]);
    expect(mgrProblems.failed).toEqual([]);

    // First sign-in: the dashboard, the bell with one unread message, opened and read.
    let countRequests = 0;
    page.on('request', (r) => {
      if (r.url().includes('/notifications/bell/count')) countRequests += 1;
    });
    await signIn(page, EMAIL, PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/');
    const count = page.getByTestId('bell-count');
    await page.waitForFunction(() => document.querySelector('[data-testid="bell-count"]')?.getAttribute('data-count') === '1');
    expect((await count.textContent())?.trim()).toContain('1');
    await page.getByTestId('bell-button').click();
    const dropdown = page.getByTestId('bell-dropdown');
    await dropdown.getByText('Welcome aboard, Momo stakeholders').waitFor();
    expect(await dropdown.locator('[data-unread="true"]').count()).toBe(1);
    await page.waitForFunction(() => document.querySelector('[data-testid="bell-count"]')?.getAttribute('data-count') === '0');
    // htmx keeps the swapped-out element's class for its settle step (20 ms), so the count hides a moment later.
    await count.waitFor({ state: 'hidden', timeout: 2_000 });
    expect(await count.isVisible()).toBe(false);
    await page.keyboard.press('Escape');
    await dropdown.waitFor({ state: 'hidden' });
    // The count loads once per page, then only every minute: it never reloads itself in a loop.
    await page.waitForTimeout(1000);
    expect(countRequests).toBeLessThanOrEqual(2);

    // The avatar menu leads to the profile.
    await page.getByTestId('avatar').click();
    await page.getByTestId('my-profile').click();
    await page.waitForURL('**/profile');
    expect(await page.getByTestId('profile-email').textContent()).toBe(EMAIL);
    expect(await page.getByTestId('profile-status').textContent()).toBe('Active');
  });
});
