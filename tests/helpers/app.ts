import type { Hono } from 'hono';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Dialect } from '../../src/db/index.js';
import type { Deps } from '../../src/deps.js';
import type { AppEnv } from '../../src/http/env.js';
import { createLogger } from '../../src/log.js';
import { seedDemo } from '../../seeds/demo.js';
import { createTestDb, type TestDb } from './db.js';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123';
export const BASE = 'http://localhost:3000';

/** A controllable clock: tests move time instead of sleeping. */
export class TestClock {
  constructor(public current = new Date('2026-05-09T08:00:00.000Z')) {}
  now = (): Date => new Date(this.current.getTime());
  set(d: Date | string) { this.current = new Date(d); }
  advance(ms: number) { this.current = new Date(this.current.getTime() + ms); }
}

export interface TestApp {
  dialect: Dialect;
  db: TestDb['db'];
  testDb: TestDb;
  app: Hono<AppEnv>;
  deps: Deps;
  clock: TestClock;
  /** Sends a request to the app as a browser or API client would. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A Bearer token for a user. */
  token(email: string, password?: string): Promise<string>;
  /** Calls the JSON API as a user (Bearer). */
  api(email: string | null, method: string, path: string, body?: unknown): Promise<Response>;
  /** A session cookie ("name=value") from the sign-in form. */
  cookie(email: string, password?: string): Promise<string>;
  /** GET a page with the user's session cookie. */
  page(email: string, path: string): Promise<Response>;
  close(): Promise<void>;
}

const PASSWORDS: [RegExp, string][] = [
  [/^admin@d2ctelcare\.com$/, 'Admin@D2C2026'],
  [/^admin\./, 'Admin@123'],
  [/^(mgr|ops)\./, 'Operator@123'],
  [/^viewer\./, 'Viewer@123'],
  [/^stakeholder@/, 'Client@123'],
];

export function demoPassword(email: string): string {
  const hit = PASSWORDS.find(([re]) => re.test(email));
  if (!hit) throw new Error(`no demo password for ${email}`);
  return hit[1];
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, DATA_DIR: '/tmp/d2c-test-data', APP_URL: BASE });
  return { ...base, ...overrides };
}

/** A migrated database of the dialect with the demo seed, and the app on top of it. */
export async function createTestApp(dialect: Dialect, opts: { seed?: boolean; config?: Partial<Config> } = {}): Promise<TestApp> {
  const testDb = await createTestDb(dialect);
  const clock = new TestClock();
  if (opts.seed !== false) await seedDemo(testDb.db, clock.now());
  const deps: Deps = {
    config: testConfig(opts.config),
    db: testDb.db,
    dialect,
    clock: clock.now,
    log: createLogger('silent'),
  };
  const app = createApp(deps);
  const tokens = new Map<string, string>();
  const cookies = new Map<string, string>();
  const request = (path: string, init?: RequestInit) => Promise.resolve(app.request(`${BASE}${path}`, init));

  const token = async (email: string, password = demoPassword(email)) => {
    const cached = tokens.get(email);
    if (cached) return cached;
    const res = await request('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
    });
    if (res.status !== 200) throw new Error(`login failed for ${email}: ${res.status} ${await res.text()}`);
    const t = ((await res.json()) as { token: string }).token;
    tokens.set(email, t);
    return t;
  };

  const cookie = async (email: string, password = demoPassword(email)) => {
    const cached = cookies.get(email);
    if (cached) return cached;
    const res = await request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE },
      body: new URLSearchParams({ email, password }).toString(),
    });
    if (res.status !== 302) throw new Error(`form login failed for ${email}: ${res.status}`);
    const set = res.headers.get('set-cookie') ?? '';
    const c = set.split(';')[0];
    cookies.set(email, c);
    return c;
  };

  return {
    dialect, db: testDb.db, testDb, app, deps, clock, request, token, cookie,
    api: async (email, method, path, body) => {
      const headers: Record<string, string> = {};
      if (email) headers.authorization = `Bearer ${await token(email)}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return request(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    },
    page: async (email, path) => request(path, { headers: { cookie: await cookie(email) } }),
    close: () => testDb.drop(),
  };
}

/** One account of each role in a process. */
export function accountsOf(slug: string) {
  return {
    admin: `admin.${slug}@d2ctelcare.com`,
    manager: `mgr.${slug}@d2ctelcare.com`,
    operator: `ops.${slug}@d2ctelcare.com`,
    viewer: `viewer.${slug}@d2ctelcare.com`,
    client: `stakeholder@${slug}.com`,
  };
}
export const SUPER_ADMIN = 'admin@d2ctelcare.com';
