import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const dir = () => mkdtempSync(join(tmpdir(), 'd2c-config-'));

describe('configuration', () => {
  it('defaults to port 3000 and the embedded SQLite database in the data folder', () => {
    const d = dir();
    const c = loadConfig({ DATA_DIR: d });
    expect(c.port).toBe(3000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.databaseUrl).toBe(`sqlite:${join(d, 'd2c-ops.sqlite')}`);
    expect(c.jobs).toBe(true);
    expect(c.openai.model).toBe('gpt-4o');
    expect(c.smtp).toBeNull();
  });

  it('generates a JWT secret in development and keeps it across starts', () => {
    const d = dir();
    const a = loadConfig({ DATA_DIR: d });
    const b = loadConfig({ DATA_DIR: d });
    expect(a.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(b.jwtSecret).toBe(a.jwtSecret);
    expect(readFileSync(join(d, 'jwt-secret'), 'utf8')).toBe(a.jwtSecret);
  });

  it.each([
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ DATABASE_URL: 'postgres://x/y' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://host-only' }, 'DATABASE_URL'],
    [{ JOBS: 'maybe' }, 'JOBS'],
    [{ APP_URL: 'not a url' }, 'APP_URL'],
    [{ SMTP_HOST: 'mail', SMTP_PORT: 'x' }, 'SMTP_PORT'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ HOST: 'local host' }, 'HOST'],
    [{ WEB_CONCURRENCY: '0' }, 'WEB_CONCURRENCY'],
    [{ WEB_CONCURRENCY: 'many' }, 'WEB_CONCURRENCY'],
    [{ DATABASE_URL: 'mysql://root@localhost/x?socket=run/mysqld.sock' }, 'DATABASE_URL'],
    [{ HOST: '<script>' }, 'HOST'],
  ])('fails with one clear line naming the setting: %o', (env, name) => {
    try {
      loadConfig({ DATA_DIR: dir(), ...env });
      expect.unreachable('should have failed');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toContain(name);
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('runs one HTTP process unless WEB_CONCURRENCY asks for more (auto: one per core)', () => {
    expect(loadConfig({ DATA_DIR: dir() }).webConcurrency).toBe(1);
    expect(loadConfig({ DATA_DIR: dir(), WEB_CONCURRENCY: '3' }).webConcurrency).toBe(3);
    expect(loadConfig({ DATA_DIR: dir(), WEB_CONCURRENCY: 'auto' }).webConcurrency).toBe(availableParallelism());
  });

  it('listens on the address HOST names', () => {
    expect(loadConfig({ DATA_DIR: dir(), HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ DATA_DIR: dir(), HOST: '[::1]' }).host).toBe('::1');
  });

  it('reads SMTP, OpenAI and jobs settings', () => {
    const c = loadConfig({
      DATA_DIR: dir(), SMTP_HOST: 'smtp.example.com', SMTP_PORT: '465', SMTP_USER: 'u', SMTP_PASS: 'p',
      OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_MODEL: 'llama3', JOBS: 'off',
      JWT_SECRET: 'x'.repeat(40), NODE_ENV: 'production',
    });
    expect(c.smtp).toMatchObject({ host: 'smtp.example.com', port: 465, user: 'u', pass: 'p' });
    expect(c.openai).toMatchObject({ apiKey: 'sk-x', baseUrl: 'http://127.0.0.1:9/v1', model: 'llama3' });
    expect(c.jobs).toBe(false);
    expect(c.seedDemo).toBe(false);
  });

  it('takes the sender address out of SMTP_FROM, and refuses one that is no address', () => {
    const smtp = (env: Record<string, string>) => loadConfig({ DATA_DIR: dir(), SMTP_HOST: 'mail', ...env }).smtp!;
    expect(smtp({ SMTP_FROM: 'ops@example.com' }).from).toBe('ops@example.com');
    expect(smtp({ SMTP_FROM: 'D2C Ops <ops@example.com>' }).from).toBe('ops@example.com');
    expect(smtp({ SMTP_FROM: '"Ops, Team" <ops@example.com>' }).from).toBe('ops@example.com');
    expect(smtp({ SMTP_USER: 'me@gmail.com' }).from).toBe('me@gmail.com');
    expect(smtp({ SMTP_USER: 'apikey' }).from).toBe('no-reply@d2c-ops.local');
    expect(() => smtp({ SMTP_FROM: 'D2C Ops' })).toThrow(/SMTP_FROM/);
  });
});
