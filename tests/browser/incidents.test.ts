// End-to-end: opening an incident from the "New Incident" dialog, as an operations lead would.
// Pages only, so SQLite only.
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

describe('new incident dialog in the browser', () => {
  it('after "Open incident" the dialog is titled with the new incident, the list shows it, a toast confirms', async () => {
    const problems = watchProblems(page);
    await page.goto('/incidents');
    await page.getByTestId('new-incident').click();
    const form = page.locator('#incident-form');
    await form.waitFor();
    await form.getByLabel('Title').fill('Walk: SMSC bind failures');
    await form.getByRole('button', { name: /Open incident/ }).click();

    const toast = page.getByRole('status').filter({ hasText: /Incident #\d+ opened/ }).first();
    await toast.waitFor();
    const id = (await toast.innerText()).match(/#(\d+)/)![1];
    // One dialog, named after the incident it now shows (it used to keep saying "New Incident").
    await expect.poll(() => page.locator('#modal-title').innerText()).toBe(`Incident #${id}`);
    expect(await page.locator('[data-modal]').count()).toBe(1);
    expect(await page.locator('[data-modal] [role=dialog]').getByRole('button', { name: 'Resolve' }).count()).toBe(1);
    await page.getByTestId('incident-table').getByText('Walk: SMSC bind failures').waitFor();
    await page.screenshot({ path: '/tmp/walk-incident-created.png' });
    // The dialog takes the new incident's address, as one opened from the list does; Back closes it.
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/incidents/${id}`);
    await page.goBack();
    await expect.poll(() => page.locator('[data-modal]').count()).toBe(0);
    expect(new URL(page.url()).pathname).toBe('/incidents');
    await page.getByTestId('incident-table').getByText('Walk: SMSC bind failures').waitFor();
    expect(problems).toEqual({ console: [], failed: [] });
  });

  it('logs downtime from the incident\'s dialog with the incident linked; the dialog lists it when opened again', async () => {
    const problems = watchProblems(page);
    await page.goto('/incidents');
    await page.getByTestId('incident-table').getByText('Walk: SMSC bind failures').click();
    const dialog = page.locator('[data-modal] [role=dialog]');
    await dialog.getByText('No downtime logged for this incident.').waitFor();
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await dialog.getByTestId('log-incident-downtime').click();
    await page.locator('#modal-title').filter({ hasText: 'Log Downtime Event' }).waitFor();
    expect(await page.locator('#incident_id').inputValue()).toBe(id);
    await page.fill('#services_affected', 'SMSC, SMS Gateway');
    await page.locator('[data-modal] form').getByRole('button', { name: /Log downtime/i }).click();
    await page.getByRole('status').filter({ hasText: 'Downtime logged' }).first().waitFor();
    await expect.poll(() => page.locator('[data-modal]').count()).toBe(0);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/incidents');

    await page.getByTestId('incident-table').getByText('Walk: SMSC bind failures').click();
    const section = page.locator('[data-modal] [data-testid="incident-downtime"]');
    await section.locator('[data-downtime]').first().waitFor();
    expect(await section.locator('[data-downtime]').count()).toBe(1);
    expect(await section.innerText()).toMatch(/ongoing for \d+m[\s\S]*SMSC[\s\S]*SMS Gateway/);
    await page.screenshot({ path: '/tmp/walk-incident-downtime.png' });
    expect(problems).toEqual({ console: [], failed: [] });
  });
});
