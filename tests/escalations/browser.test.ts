// End-to-end in a real browser: a chain built in the modal with "+ Add Tier", its dry run, an
// automation rule escalating through it, paused with the switch, and both deleted after confirming.
// Pages only, so SQLite only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signIn, startBrowserServer, watchProblems, type BrowserServer } from '../helpers/browser.js';

const MANAGER = 'mgr.momo@d2ctelcare.com';
const PASSWORD = 'Operator@123';

let env: BrowserServer;
let page: Page;

beforeAll(async () => {
  env = await startBrowserServer();
  page = await env.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await page?.context().close().catch(() => {});
  await env?.close();
});

describe('escalations and automation in a browser', () => {
  it('a manager builds a two-tier chain, dry-runs it, escalates through it by rule, pauses the rule and deletes both', async () => {
    const problems = watchProblems(page);
    await signIn(page, MANAGER, PASSWORD);
    await page.goto('/escalations');
    await page.getByTestId('new-chain').click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    // The name field gets the focus once the dialog settles: wait for it, type, then fill the first tier.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('name');
    await page.keyboard.type('Checkout escalation');
    await dialog.getByLabel('Trigger severity').selectOption('2');
    await dialog.locator('#tier_delay_minutes_0').fill('0');
    await dialog.locator('#tier_user_id_0').selectOption({ label: 'Momo Operator (operator)' });
    await dialog.getByRole('button', { name: '+ Add Tier' }).click();
    // The new tier comes with the next delay filled in and the focus on it.
    await dialog.locator('#tier_delay_minutes_1').waitFor();
    expect(await dialog.locator('#tier_delay_minutes_1').inputValue()).toBe('15');
    // Focus moves after the swap settles: poll for it rather than sample it (typing must land there).
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('tier_delay_minutes_1');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('20');
    await dialog.locator('#tier_webhook_1').check();
    await dialog.locator('#tier_webhook_url_1').fill('https://chat.example.com/hooks/checkout');
    // Enter saves (it does not remove a tier or add one).
    await dialog.locator('#tier_webhook_url_1').press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'created' }).first().waitFor();
    const card = page.locator('li[data-chain]', { hasText: 'Checkout escalation' });
    await card.waitFor();
    expect(await card.locator('[data-tier]').count()).toBe(2);
    expect(await card.textContent()).toContain('after 20 min');
    expect(await card.textContent()).toContain('chat.example.com');

    await card.locator('[data-action="dry-run"]').click();
    const dry = page.getByRole('dialog');
    await dry.getByTestId('dry-run').waitFor();
    expect(await dry.locator('[data-dry-tier="1"]').textContent()).toContain('Momo Operator');
    expect(await dry.locator('[data-dry-tier="2"]').textContent()).toMatch(/minute 20/);
    await dry.getByLabel('A new incident of').selectOption('1');
    await dry.getByTestId('dry-run-note').waitFor();
    expect(await dry.getByTestId('dry-run-note').textContent()).toContain('Sev 2');
    await page.keyboard.press('Escape');
    await dry.waitFor({ state: 'detached' });

    // A rule that escalates Sev 2 incidents after 45 minutes through the new chain.
    await page.goto('/automation');
    await page.getByTestId('new-rule').click();
    const ruleDialog = page.getByRole('dialog');
    await ruleDialog.waitFor();
    await ruleDialog.getByLabel('Rule name').fill('Escalate Sev 2 after 45min');
    await ruleDialog.getByLabel('Trigger', { exact: true }).selectOption('severity_unresolved');
    await ruleDialog.getByLabel('Severity', { exact: true }).selectOption('2');
    await ruleDialog.getByLabel('After (minutes)').fill('45');
    await ruleDialog.getByLabel('Escalation chain').selectOption({ label: 'Checkout escalation (Sev 2)' });
    // Cron fields appear only for a scheduled trigger, and the action follows it.
    expect(await ruleDialog.getByLabel('Cron expression').isVisible()).toBe(false);
    await ruleDialog.getByLabel('Trigger', { exact: true }).selectOption('schedule');
    // Alpine shows the field and switches the action on its next tick: wait for it, don't sample.
    await ruleDialog.getByLabel('Cron expression').waitFor({ state: 'visible' });
    await page.waitForFunction(() => (document.querySelector('[role="dialog"] select[name="action_type"]') as HTMLSelectElement | null)?.value === 'email_digest');
    expect(await ruleDialog.getByLabel('Action').inputValue()).toBe('email_digest');
    await ruleDialog.getByLabel('Trigger', { exact: true }).selectOption('severity_unresolved');
    await ruleDialog.getByLabel('Action').selectOption('escalate_chain');
    await ruleDialog.getByLabel('Escalation chain').selectOption({ label: 'Checkout escalation (Sev 2)' });
    await ruleDialog.getByRole('button', { name: /Create rule/ }).click();
    await ruleDialog.waitFor({ state: 'detached' });
    const row = page.locator('tr[data-rule]', { hasText: 'Escalate Sev 2 after 45min' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Sev 2 unresolved after 45 min');
    expect(await row.textContent()).toContain('Escalate via chain Checkout escalation');

    // Pause with the switch: the row updates in place.
    await row.locator('[data-action="toggle"]').click();
    await page.locator('tr[data-rule][data-active="false"]', { hasText: 'Escalate Sev 2 after 45min' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'paused' }).first().waitFor();

    // The chain cannot go while the rule uses it; deleting asks first.
    page.on('dialog', (d) => void d.accept());
    await page.goto('/escalations');
    await page.locator('li[data-chain]', { hasText: 'Checkout escalation' }).locator('[data-action="delete"]').click();
    await page.getByRole('status').filter({ hasText: 'Escalate Sev 2 after 45min' }).first().waitFor();
    expect(await page.locator('li[data-chain]', { hasText: 'Checkout escalation' }).count()).toBe(1);

    await page.goto('/automation');
    await page.locator('tr[data-rule]', { hasText: 'Escalate Sev 2 after 45min' }).locator('[data-action="delete"]').click();
    await page.getByRole('status').filter({ hasText: 'deleted' }).first().waitFor();
    expect(await page.locator('tr[data-rule]', { hasText: 'Escalate Sev 2 after 45min' }).count()).toBe(0);
    await page.goto('/escalations');
    await page.locator('li[data-chain]', { hasText: 'Checkout escalation' }).locator('[data-action="delete"]').click();
    await page.getByRole('status').filter({ hasText: 'deleted' }).first().waitFor();
    expect(await page.locator('li[data-chain]', { hasText: 'Checkout escalation' }).count()).toBe(0);

    // The 409 of the refused delete is the only HTTP error, and it was explained by a toast.
    expect(problems.console.filter((m) => !/409/.test(m))).toEqual([]);
    expect(problems.failed.filter((m) => !/409/.test(m))).toEqual([]);
  });
});
