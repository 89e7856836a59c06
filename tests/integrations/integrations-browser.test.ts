import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchWebhooks } from '../../src/webhooks/dispatcher.js';
import { signIn, startBrowserServer, watchProblems, type BrowserServer } from '../helpers/browser.js';
import { Receiver } from '../webhooks/http.js';

/** The Integrations page in a real Chromium: modal, htmx swaps, Alpine, confirmations, toasts. */
describe('integrations page in a browser', () => {
  let env: BrowserServer;
  let receiver: Receiver;
  beforeAll(async () => {
    env = await startBrowserServer();
    receiver = new Receiver();
    await receiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await env?.close();
  });

  it('an admin creates an integration, alerts open an incident, a test webhook is delivered and shows in the log', async () => {
    const page = await env.newPage();
    const problems = watchProblems(page);
    await signIn(page, 'admin.momo@d2ctelcare.com', 'Admin@123');
    await page.goto('/integrations');
    await page.getByText('No integrations yet').waitFor();

    // Create through the modal: keyboard-friendly, focus starts in the name field.
    await page.click('[data-testid="new-integration"]');
    await page.getByRole('dialog').waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('name');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.locator('[data-field-error="name"]').waitFor();
    await page.fill('#name', 'Browser Alertmanager');
    await page.selectOption('#kind', 'generic');
    await page.getByRole('button', { name: 'Create integration' }).click();
    const url = await page.locator('[data-testid="created-url"]').inputValue();
    expect(url).toMatch(/\/api\/v1\/alerts\/[A-Za-z0-9_-]{32}$/);
    await page.getByText('Integration “Browser Alertmanager” created').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    // The list refreshed by itself.
    await page.locator('[data-testid="integration-table"]').getByText('Browser Alertmanager').waitFor();

    // Monitoring posts to the URL (the server's own address, from outside the browser).
    const key = url.split('/').pop()!;
    const res = await fetch(`${env.url}/api/v1/alerts/${key}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Browser-made alert', severity: 2, status: 'firing' }),
    });
    expect(res.status).toBe(202);
    await page.goto('/incidents');
    await page.getByText('Browser-made alert').waitFor();
    expect(await page.locator('tr', { hasText: 'Browser-made alert' }).innerText()).toContain('from alert');

    // Pause asks first; dismissing changes nothing, accepting swaps the row.
    await page.goto('/integrations');
    const row = page.locator('tr', { hasText: 'Browser Alertmanager' });
    page.once('dialog', (d) => void d.dismiss());
    await row.locator('[data-action="pause"]').click();
    await page.waitForTimeout(300);
    expect(await row.getAttribute('data-active')).toBe('true');
    page.once('dialog', (d) => {
      expect(d.message()).toContain('Pause “Browser Alertmanager”?');
      void d.accept();
    });
    await row.locator('[data-action="pause"]').click();
    await page.locator('tr[data-active="false"]', { hasText: 'Browser Alertmanager' }).waitFor();
    await page.getByText('paused: its alerts are refused').waitFor();

    // The signing secret is hidden until revealed.
    const secret = page.locator('[data-testid="signing-secret"]');
    expect(await secret.getAttribute('type')).toBe('password');
    await page.click('[data-testid="reveal-secret"]');
    await expect.poll(() => secret.getAttribute('type')).toBe('text');
    expect(await secret.inputValue()).toMatch(/^whsec_/);

    // Send a test webhook; the log refreshes; after the dispatcher runs, it is delivered.
    await page.fill('#test-url', 'not a url');
    await page.click('[data-action="send-test"]');
    await page.locator('[data-field-error="url"]').waitFor();
    await page.fill('#test-url', `${receiver.url}/hook`);
    await page.click('[data-action="send-test"]');
    await page.locator('[data-testid="test-queued"]').waitFor();
    await page.locator('[data-testid="delivery-table"] tr[data-status="queued"]').waitFor();
    expect(await dispatchWebhooks(env.server.deps.db, new Date())).toMatchObject({ sent: 1 });
    expect(receiver.received).toHaveLength(1);
    await page.selectOption('#delivery-status', 'sent');
    await page.locator('[data-testid="delivery-table"] tr[data-status="sent"]').waitFor();
    expect(await page.locator('[data-testid="response-code"]').first().innerText()).toBe('200');

    const mine = [...problems.console, ...problems.failed].filter((p) => /integrations|alerts|webhook/.test(p) && !/422/.test(p));
    expect(mine).toEqual([]);
  });
});
