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
