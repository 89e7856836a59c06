// End-to-end: one approval from submit to approve, in a real browser. Pages only, so SQLite only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn, startBrowserServer, watchProblems, type BrowserServer } from '../helpers/browser.js';

const OPERATOR = 'ops.momo@d2ctelcare.com';
const MANAGER = 'mgr.momo@d2ctelcare.com';
const PASSWORD = 'Operator@123';

let env: BrowserServer;
const pages: Page[] = [];

async function newPage(): Promise<Page> {
  const page = await env.newPage({ viewport: { width: 1280, height: 900 } });
  pages.push(page);
  return page;
}

/** Submits a request through the New Request modal and waits for it in the pending list. */
async function submitRequest(page: Page, title: string, details: string): Promise<void> {
  await page.goto('/approvals');
  await page.getByTestId('new-approval').click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByLabel('Type').selectOption('change');
  await dialog.getByLabel('Title').fill(title);
  await dialog.getByLabel('Details').fill(details);
  await dialog.getByRole('button', { name: /Submit request/ }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByTestId('pending-approvals').getByText(title).waitFor();
}

beforeAll(async () => {
  env = await startBrowserServer();
});

afterAll(async () => {
  for (const p of pages) await p.context().close().catch(() => {});
  await env?.close();
});

describe('an approval in a browser', () => {
  it('the Momo operator submits a change request, the manager approves it with a note, the operator sees it approved', async () => {
    const title = 'Raise the USSD gateway worker pool to 12';
    const operator = await newPage();
    const opProblems = watchProblems(operator);
    await signIn(operator, OPERATOR, PASSWORD);
    await submitRequest(operator, title, 'Peak traffic on Friday evenings. Rollback: scale back to 8.');
    // The operator has no decision buttons on their own request.
    const opCard = operator.locator('li[data-approval]', { hasText: title });
    expect(await opCard.getAttribute('data-status')).toBe('pending');
    expect(await opCard.locator('[data-action="approve"]').count()).toBe(0);

    const manager = await newPage();
    const mgrProblems = watchProblems(manager);
    await signIn(manager, MANAGER, PASSWORD);
    await manager.goto('/approvals');
    const card = manager.getByTestId('pending-approvals').locator('li[data-approval]', { hasText: title });
    await card.waitFor();
    expect(await card.textContent()).toContain('Momo Operator');
    await card.getByLabel('Note (optional)').fill('Approved for Friday 17:00; watch the queue depth.');
    await card.getByRole('button', { name: 'Approve' }).click();
    const decided = manager.getByTestId('decided-approvals').locator('li[data-approval]', { hasText: title });
    await decided.waitFor();
    expect(await decided.getAttribute('data-status')).toBe('approved');
    expect(await decided.getByTestId('decision').textContent()).toMatch(/Approved\s+by\s+Momo Manager/);
    expect(await decided.getByTestId('decision-note').textContent()).toBe('Approved for Friday 17:00; watch the queue depth.');
    expect(await manager.getByTestId('pending-approvals').getByText(title).count()).toBe(0);
    await manager.getByRole('status').filter({ hasText: 'approved' }).first().waitFor();

    await operator.reload();
    const mine = operator.getByTestId('decided-approvals').locator('li[data-approval]', { hasText: title });
    await mine.waitFor();
    expect(await mine.getAttribute('data-status')).toBe('approved');
    expect(await mine.getByTestId('decision').textContent()).toContain('Momo Manager');
    expect(await mine.getByTestId('decision-note').textContent()).toContain('watch the queue depth');

    expect(opProblems.console).toEqual([]);
    expect(opProblems.failed).toEqual([]);
    expect(mgrProblems.console).toEqual([]);
    expect(mgrProblems.failed).toEqual([]);
  });

  it('Enter in the note decides nothing: a manager typing a rejection reason does not approve by accident', async () => {
    const title = 'Open port 22 to the internet';
    const operator = await newPage();
    await signIn(operator, OPERATOR, PASSWORD);
    await submitRequest(operator, title, 'Quicker access from home.');

    const manager = await newPage();
    await signIn(manager, MANAGER, PASSWORD);
    await manager.goto('/approvals');
    const posts: string[] = [];
    manager.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    const card = manager.getByTestId('pending-approvals').locator('li[data-approval]', { hasText: title });
    await card.getByLabel('Note (optional)').fill('No: use the VPN');
    await card.getByLabel('Note (optional)').press('Enter');
    await manager.waitForTimeout(500);
    expect(posts).toEqual([]);
    expect(await card.getAttribute('data-status')).toBe('pending');
    expect(await card.getByLabel('Note (optional)').inputValue()).toBe('No: use the VPN');
  });

  it('Reject asks for confirmation: cancelling keeps the request pending, confirming rejects it', async () => {
    const title = 'Give the intern production SSH';
    const operator = await newPage();
    await signIn(operator, OPERATOR, PASSWORD);
    await submitRequest(operator, title, 'For debugging.');

    const manager = await newPage();
    await signIn(manager, MANAGER, PASSWORD);
    await manager.goto('/approvals');
    const card = manager.getByTestId('pending-approvals').locator('li[data-approval]', { hasText: title });
    await card.getByLabel('Note (optional)').fill('Use the read-only bastion instead.');

    const messages: string[] = [];
    manager.once('dialog', (d) => {
      messages.push(d.message());
      void d.dismiss();
    });
    await card.getByRole('button', { name: 'Reject' }).click();
    await manager.waitForTimeout(300);
    expect(messages[0]).toContain(title);
    expect(await card.getAttribute('data-status')).toBe('pending');

    manager.once('dialog', (d) => void d.accept());
    await card.getByRole('button', { name: 'Reject' }).click();
    const decided = manager.getByTestId('decided-approvals').locator('li[data-approval]', { hasText: title });
    await decided.waitFor();
    expect(await decided.getAttribute('data-status')).toBe('rejected');
    expect(await decided.getByTestId('decision-note').textContent()).toBe('Use the read-only bastion instead.');
  });
});
