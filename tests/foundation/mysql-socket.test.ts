import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { loadConfig, ConfigError } from '../../src/config.js';
import { mysqlPoolOptions, openDatabase } from '../../src/db/index.js';
import { createTestDb } from '../helpers/db.js';

/** DATABASE_URL=mysql://user@localhost/db?socket=/path: the same database over the Unix socket. */

const SOCKET = '/run/mysqld/mysqld.sock';

describe('MySQL over a Unix socket', () => {
  it('uses the socket path instead of host and port when ?socket= is given', () => {
    const viaSocket = mysqlPoolOptions(`mysql://root@localhost/d2c_ops?socket=${encodeURIComponent(SOCKET)}`, 7);
    expect(viaSocket).toMatchObject({ socketPath: SOCKET, database: 'd2c_ops', user: 'root', connectionLimit: 7 });
    expect(viaSocket).not.toHaveProperty('host');
    expect(mysqlPoolOptions('mysql://u:p%40ss@db.internal:3307/x', 10)).toMatchObject({ host: 'db.internal', port: 3307, password: 'p@ss' });
  });

  it('refuses a relative socket path with one line naming DATABASE_URL', () => {
    expect(() => loadConfig({ DATA_DIR: '/tmp/d2c-socket-test', DATABASE_URL: 'mysql://root@localhost/x?socket=mysqld.sock' }))
      .toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: '/tmp/d2c-socket-test', DATABASE_URL: 'mysql://root@localhost/x?socket=mysqld.sock' }))
      .toThrow(/DATABASE_URL.*absolute/);
  });

  it.skipIf(!existsSync(SOCKET))('reads and writes the same database as TCP does', async () => {
    const tcp = await createTestDb('mysql');
    try {
      const name = new URL(tcp.url).pathname.slice(1);
      const socket = openDatabase(`mysql://root@localhost/${name}?socket=${encodeURIComponent(SOCKET)}`);
      try {
        await sql`create table socket_probe (n integer)`.execute(socket.db);
        await sql`insert into socket_probe values (42)`.execute(socket.db);
        const { rows } = await sql<{ n: number }>`select n from socket_probe`.execute(tcp.db);
        expect(rows).toEqual([{ n: 42 }]);
      } finally {
        await socket.close();
      }
    } finally {
      await tcp.drop();
    }
  });
});
