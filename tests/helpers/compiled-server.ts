import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Dialect } from '../../src/db/index.js';
import { startAppServer, type AppServer, type AppServerOptions } from './app-server.js';
import { createTestDb, type TestDb } from './db.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface ServerOnTestDb {
  db: TestDb;
  server: AppServer;
  /** Stops the server, drops the database and removes the data folder. */
  close(): Promise<void>;
}

/**
 * The compiled server (see app-server.ts) on a throwaway database of the dialect, with a data folder
 * and a JWT secret of its own. `prepare` fills the database before the server starts.
 */
export async function startServerOnTestDb(
  dialect: Dialect,
  opts: { migrate?: boolean; prepare?: (db: TestDb) => Promise<void> } & Partial<Pick<AppServerOptions, 'logLevel' | 'env' | 'captureStdout'>> = {},
): Promise<ServerOnTestDb> {
  const db = await createTestDb(dialect, { migrate: opts.migrate });
  const dataDir = mkdtempSync(join(tmpdir(), 'd2c-server-'));
  let server: AppServer | undefined;
  const close = async () => {
    await server?.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await opts.prepare?.(db);
    server = await startAppServer({
      root: ROOT, databaseUrl: db.url, dataDir, jwtSecret: randomBytes(32).toString('hex'), logLevel: opts.logLevel ?? 'warn',
      env: opts.env, captureStdout: opts.captureStdout,
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { db, server, close };
}

/**
 * A demo account's API token from a server in production mode: there the demo seed flags every account
 * to change its published password first, so this signs in, checks the flag, chooses a new password
 * (POST /api/v1/me/password) and returns the token that answer carries.
 */
export async function productionDemoToken(port: number, email: string, password: string): Promise<string> {
  const post = (path: string, body: unknown, token?: string) => fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const login = await post('/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login as ${email}: HTTP ${login.status}`);
  const signedIn = (await login.json()) as { token: string; must_change_password: boolean };
  if (!signedIn.must_change_password) throw new Error(`${email} was not asked to change its demo password`);
  const changed = await post('/me/password', { current_password: password, new_password: `${password}-Changed1` }, signedIn.token);
  if (changed.status !== 200) throw new Error(`password change for ${email}: HTTP ${changed.status} ${await changed.text()}`);
  return ((await changed.json()) as { token: string }).token;
}
