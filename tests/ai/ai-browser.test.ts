// End-to-end in a real browser: the chat popup on another page, and the AI Insights page with its
// picker, panels, Regenerate and Assistant tab. Pages only, so SQLite only (no model configured).
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startBrowserServer, watchProblems, type BrowserServer } from '../helpers/browser.js';

const OPERATOR = 'ops.momo@d2ctelcare.com';
const PASSWORD = 'Operator@123';
const SHOTS = 'tests/.artifacts/screenshots';

let env: BrowserServer;
const pages: Page[] = [];

async function newPage(): Promise<Page> {
  const page = await env.newPage({ viewport: { width: 1280, height: 900 } });
  pages.push(page);
  return page;
}

beforeAll(async () => {
  env = await startBrowserServer();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  for (const p of pages) await p.context().close().catch(() => {});
  await env?.close();
});

describe('AI in a browser', () => {
  it('the chat popup answers quick actions and typed questions on any page, and stays clear of the toasts', async () => {
    const page = await newPage();
    const problems = watchProblems(page);
    await signIn(page, OPERATOR, PASSWORD);
    await page.goto('/incidents');
    const button = page.getByTestId('chat-popup-button');
    await button.waitFor();
    // Bottom left, right of the sidebar; the toasts are bottom right.
    const box = (await button.boundingBox())!;
    const sidebar = (await page.locator('#sidebar').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(sidebar.x + sidebar.width);
    expect(box.x).toBeLessThan(400);
    expect(box.y + box.height).toBeGreaterThan(800);

    await button.click();
    const popup = page.getByTestId('chat-popup');
    await popup.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('chat-popup-input');

    await popup.getByRole('button', { name: 'What is open?' }).click();
    const log = page.locator('#chat-popup-log');
    await log.locator('[data-chat-reply]').first().waitFor();
    expect(await log.locator('[data-chat-reply]').first().textContent()).toMatch(/active incidents? in Momo/);
    expect(await log.locator('[data-chat-reply] a[href^="/incidents/"]').count()).toBeGreaterThan(0);

    const input = page.locator('#chat-popup-input');
    await input.fill('How do I escalate?');
    await input.press('Enter');
    await expect.poll(() => log.locator('[data-chat-reply]').count()).toBe(2);
    expect(await log.locator('[data-chat-reply]').nth(1).textContent()).toContain('Escalating an incident');
    await expect.poll(() => input.inputValue()).toBe('');

    await popup.getByRole('button', { name: 'Summarise incident #…' }).click();
    expect(await input.inputValue()).toBe('Summarise incident #');
    const firstId = await log.locator('[data-chat-reply] a[href^="/incidents/"]').first().textContent();
    await input.pressSequentially(firstId!.replace('#', ''));
    await input.press('Enter');
    await expect.poll(() => log.locator('[data-chat-reply]').count()).toBe(3);
    expect(await log.locator('[data-chat-reply]').nth(2).textContent()).toContain('Latest on the timeline');
    await page.screenshot({ path: `${SHOTS}/ai--chat-popup.png` });

    await page.keyboard.press('Escape');
    await popup.waitFor({ state: 'hidden' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('chat-popup-button');
    expect(problems.console).toEqual([]);
    expect(problems.failed).toEqual([]);
  });

  it('the chat popup loads its conversation on the first open, and asks again at the next open if that failed', async () => {
    const page = await newPage();
    await signIn(page, OPERATOR, PASSWORD);
    let asked = 0;
    await page.route('**/ai-insights/chat/panel', (route) => (++asked === 1 ? route.abort('connectionreset') : route.continue()));
    await page.goto('/incidents');
    expect(await page.locator('#chat-popup-log').count()).toBe(0);
    const button = page.getByTestId('chat-popup-button');
    await button.click();
    await expect.poll(() => asked).toBe(1);
    expect(await page.locator('[data-chat-loading]').isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await button.click();
    await page.locator('#chat-popup-log').waitFor();
    expect(asked).toBe(2);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('chat-popup-input');
    expect(await page.locator('#chat-popup-log').textContent()).toContain('Hi Momo Operator.');
    // Loaded once: opening again asks for nothing.
    await page.keyboard.press('Escape');
    await button.click();
    await page.waitForTimeout(200);
    expect(asked).toBe(2);
  });

  it('AI Insights: pick an incident, see the four panels, regenerate with a toast, and chat in the Assistant tab', async () => {
    const page = await newPage();
    const problems = watchProblems(page);
    await signIn(page, OPERATOR, PASSWORD);
    await page.goto('/ai-insights');
    // No popup here: the page has its own Assistant tab.
    expect(await page.getByTestId('chat-popup-button').count()).toBe(0);
    const picker = page.getByTestId('incident-picker');
    const option = picker.locator('option', { hasText: 'API Gateway Timeout' }).first();
    const id = await option.getAttribute('value');
    await picker.selectOption(id!);
    await page.getByTestId('insight-panels').waitFor();
    expect(new URL(page.url()).searchParams.get('incident')).toBe(id);
    for (const panel of ['panel-root-cause', 'panel-actions', 'panel-similar', 'panel-prevention']) {
      expect(await page.getByTestId(panel).isVisible(), panel).toBe(true);
    }
    expect(await page.getByTestId('root-cause').textContent()).toContain('connection pool');
    expect(await page.getByTestId('similar-list').locator('li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/ai--insights-panels.png`, fullPage: true });

    await page.getByTestId('regenerate').click();
    await page.locator('#toasts', { hasText: 'Analysis regenerated' }).waitFor();
    await page.getByTestId('insight-panels').waitFor();

    await page.getByRole('tab', { name: /AI Assistant/ }).click();
    await page.getByTestId('assistant-tab').waitFor();
    await page.getByRole('button', { name: 'Who is on call?' }).click();
    await page.locator('#assistant-log [data-chat-reply]').first().waitFor();
    expect(await page.locator('#assistant-log [data-chat-reply]').first().textContent()).toContain('On call now in Momo');
    await page.screenshot({ path: `${SHOTS}/ai--assistant-tab.png` });
    expect(problems.console).toEqual([]);
    expect(problems.failed).toEqual([]);
  });
});
