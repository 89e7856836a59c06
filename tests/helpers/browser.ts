import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { startServer, type Running } from '../../src/server.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The system Chromium, headless, with nothing reaching beyond loopback. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface BrowserServer {
  /** The server's base URL, e.g. http://localhost:41234 */
  url: string;
  server: Running;
  browser: Browser;
  /** A page in a fresh context (own cookies and localStorage) whose relative URLs resolve against the server. */
  newPage(opts?: BrowserContextOptions): Promise<Page>;
  /** Stops the server, closes the browser, removes the temp directory. Safe to call twice. */
  close(): Promise<void>;
}

/** A real HTTP server on a temp SQLite database (demo seed, random port) and a Chromium to drive it. */
export async function startBrowserServer(opts: { seedDemo?: boolean } = {}): Promise<BrowserServer> {
  const dir = mkdtempSync(join(tmpdir(), 'd2c-browser-'));
  let server: Running | undefined;
  let browser: Browser | undefined;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0', // the OS picks a free port; startServer reports the real one
      DATA_DIR: dir,
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
      JWT_SECRET: 'x'.repeat(40),
      LOG_LEVEL: 'silent',
      JOBS: 'off',
      SEED_DEMO: opts.seedDemo === false ? 'off' : 'on',
    });
    server = await startServer(config);
    // APP_URL cannot name the port before it is chosen; same-origin posts pass the CSRF check anyway.
    config.appUrl = server.url;
    browser = await launchChromium();
  } catch (e) {
    await cleanup();
    throw e;
  }
  const running = server;
  const chrome = browser;
  let closing: Promise<void> | null = null;
  return {
    url: running.url,
    server: running,
    browser: chrome,
    newPage: async (contextOpts = {}) => {
      const context = await chrome.newContext({ baseURL: running.url, ...contextOpts });
      // Fail a step in seconds, well inside the test's own timeout, with a call log saying what it waited for.
      context.setDefaultTimeout(10_000);
      return context.newPage();
    },
    close: () => (closing ??= cleanup()),
  };
}

/** Signs in through the form and waits for the dashboard (or the `next` page). */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login'),
    page.getByRole('button', { name: 'Sign In' }).click(),
  ]);
}

export interface PageProblems {
  console: string[];
  failed: string[];
}

/** Collects console errors, page errors, failed requests and HTTP errors (>= 400) seen by a page. */
export function watchProblems(page: Page): PageProblems {
  const problems: PageProblems = { console: [], failed: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.console.push(msg.text());
  });
  page.on('pageerror', (err) => problems.console.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText ?? 'failed';
    // A navigation cancels what the previous page was still loading (often the favicon): not a fault.
    if (error === 'net::ERR_ABORTED') return;
    problems.failed.push(`${req.method()} ${req.url()}: ${error}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.failed.push(`${res.request().method()} ${res.url()}: HTTP ${res.status()}`);
  });
  return problems;
}
