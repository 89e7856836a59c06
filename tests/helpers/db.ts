import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { openDatabase, type DbHandle, type Dialect } from '../../src/db/index.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/** Every database test runs on both: SQLite in a temp file and a throwaway MariaDB database. */
export const DIALECTS: Dialect[] = ['sqlite', 'mysql'];

const MYSQL_ROOT = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestDb extends DbHandle {
  url: string;
  drop(): Promise<void>;
}

async function mysqlAdmin() {
  const u = new URL(MYSQL_ROOT);
  return createConnection({
    host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
  });
}

/** A fresh, empty, migrated database of the dialect; drop() removes it. */
export async function createTestDb(dialect: Dialect, opts: { migrate?: boolean } = {}): Promise<TestDb> {
  let url: string;
  let cleanup: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'd2c-test-'));
    url = `sqlite:${join(dir, 'test.sqlite')}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `d2c_test_${randomBytes(5).toString('hex')}`;
    const admin = await mysqlAdmin();
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    url = `${MYSQL_ROOT.replace(/\/$/, '')}/${name}`;
    cleanup = async () => {
      const a = await mysqlAdmin();
      await a.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await a.end();
    };
  }
  const handle = openDatabase(url, { poolSize: 5 });
  if (opts.migrate !== false) await migrateToLatest(handle.db);
  let dropped = false;
  return {
    ...handle,
    url,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await handle.close();
      await cleanup();
    },
  };
}
