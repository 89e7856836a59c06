import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface SmtpConfig {
  host: string;
  port: number;
  user?: string;
  pass?: string;
  from: string;
  /** Tests talk to a loopback sink without TLS. */
  ignoreTls: boolean;
}

export interface OpenAiConfig {
  apiKey?: string;
  baseUrl?: string;
  model: string;
  timeoutMs: number;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  /** The address to listen on: 0.0.0.0 (every interface) unless HOST says otherwise. */
  host: string;
  /** HTTP processes (WEB_CONCURRENCY): 1 serves from the main process; more fork a cluster. */
  webConcurrency: number;
  port: number;
  databaseUrl: string;
  dataDir: string;
  jwtSecret: string;
  appUrl: string;
  jobs: boolean;
  workerIntervalSeconds: number;
  smtp: SmtpConfig | null;
  openai: OpenAiConfig;
  trustProxy: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  seedDemo: boolean;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function fail(name: string, why: string): never {
  throw new ConfigError(`Invalid configuration: ${name} ${why}`);
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) fail(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) fail(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'off', 'no'].includes(raw.toLowerCase())) return false;
  fail(name, `must be on or off, got "${raw}"`);
}

function parseEnvName(env: Env): Config['env'] {
  const raw = env.NODE_ENV ?? 'development';
  if (raw === 'development' || raw === 'production' || raw === 'test') return raw;
  fail('NODE_ENV', `must be development, production or test, got "${raw}"`);
}

function parseDatabaseUrl(env: Env, dataDir: string): string {
  const raw = env.DATABASE_URL;
  if (!raw) return `sqlite:${join(dataDir, 'd2c-ops.sqlite')}`;
  if (raw.startsWith('sqlite:')) {
    if (raw.length <= 'sqlite:'.length) fail('DATABASE_URL', 'needs a file path after sqlite:');
    return raw;
  }
  if (raw.startsWith('mysql://') || raw.startsWith('mariadb://')) {
    try {
      const u = new URL(raw);
      if (!u.hostname || u.pathname.length <= 1) fail('DATABASE_URL', 'must name a host and a database, e.g. mysql://user:pass@host:3306/d2c_ops');
      const socket = u.searchParams.get('socket');
      if (socket !== null && !socket.startsWith('/')) fail('DATABASE_URL', `socket must be an absolute path, e.g. ?socket=/run/mysqld/mysqld.sock, got "${socket.slice(0, 80)}"`);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      fail('DATABASE_URL', 'is not a valid URL');
    }
    return raw;
  }
  fail('DATABASE_URL', 'must start with mysql:// or sqlite:');
}

function loadOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

function parseJwtSecret(env: Env, envName: Config['env'], dataDir: string): string {
  const raw = env.JWT_SECRET;
  if (raw) {
    if (raw.length < 32) fail('JWT_SECRET', 'must be at least 32 characters');
    return raw;
  }
  if (envName === 'production') fail('JWT_SECRET', 'is required in production');
  return loadOrCreateSecret(dataDir);
}

const ADDRESS = /^[^\s<>@"]+@[^\s<>@"]+$/;

/**
 * The sender address. "Ops <ops@example.com>" is read as its address (every email carries the name
 * "D2C OPs Platform"): handed to SMTP whole it was refused as a bad sender, and no mail went out.
 */
function parseFrom(env: Env): string {
  const raw = env.SMTP_FROM?.trim();
  if (raw) {
    const address = /^[^<>]*<([^<>]+)>$/.exec(raw)?.[1].trim() ?? raw;
    if (!ADDRESS.test(address)) fail('SMTP_FROM', `must be an email address such as ops@example.com or "Ops <ops@example.com>", got "${raw}"`);
    return address;
  }
  // A login that is not an address (an API key user such as "apikey") cannot be the sender.
  return env.SMTP_USER && ADDRESS.test(env.SMTP_USER) ? env.SMTP_USER : 'no-reply@d2c-ops.local';
}

function parseSmtp(env: Env): SmtpConfig | null {
  if (!env.SMTP_HOST) return null;
  return {
    host: env.SMTP_HOST,
    port: int(env, 'SMTP_PORT', 587, 1, 65535),
    user: env.SMTP_USER || undefined,
    pass: env.SMTP_PASS || undefined,
    from: parseFrom(env),
    ignoreTls: bool(env, 'SMTP_IGNORE_TLS', false),
  };
}

function parseAppUrl(env: Env, port: number): string {
  const raw = env.APP_URL || `http://localhost:${port}`;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') fail('APP_URL', 'must be an http(s) URL');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    fail('APP_URL', `is not a valid URL: "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

function parseLogLevel(env: Env, envName: Config['env']): Config['logLevel'] {
  const raw = env.LOG_LEVEL || (envName === 'test' ? 'silent' : 'info');
  if (['debug', 'info', 'warn', 'error', 'silent'].includes(raw)) return raw as Config['logLevel'];
  fail('LOG_LEVEL', `must be debug, info, warn, error or silent, got "${raw}"`);
}

function parseHost(env: Env): string {
  const host = (env.HOST ?? '').trim();
  if (!host) return '0.0.0.0';
  if (host.length > 255 || !/^[A-Za-z0-9.:[\]-]+$/.test(host)) fail('HOST', `must be an address or host name to listen on, got "${host.slice(0, 40)}"`);
  return host.replace(/^\[(.*)\]$/, '$1');
}

function parseWebConcurrency(env: Env): number {
  const raw = (env.WEB_CONCURRENCY ?? '').trim().toLowerCase();
  if (raw === 'auto') return Math.max(1, availableParallelism());
  return int(env, 'WEB_CONCURRENCY', 1, 1, 64);
}

export function loadConfig(env: Env = process.env): Config {
  const envName = parseEnvName(env);
  const dataDir = resolve(env.DATA_DIR || './data');
  const port = int(env, 'PORT', 3000, 0, 65535);
  return {
    env: envName,
    host: parseHost(env),
    webConcurrency: parseWebConcurrency(env),
    port,
    databaseUrl: parseDatabaseUrl(env, dataDir),
    dataDir,
    jwtSecret: parseJwtSecret(env, envName, dataDir),
    appUrl: parseAppUrl(env, port),
    jobs: bool(env, 'JOBS', true),
    workerIntervalSeconds: int(env, 'WORKER_INTERVAL_SECONDS', 60, 5, 3600),
    smtp: parseSmtp(env),
    openai: {
      apiKey: env.OPENAI_API_KEY || undefined,
      baseUrl: env.OPENAI_BASE_URL || undefined,
      model: env.OPENAI_MODEL || 'gpt-4o',
      timeoutMs: int(env, 'OPENAI_TIMEOUT_MS', 20000, 100, 600000),
    },
    trustProxy: bool(env, 'TRUST_PROXY', false),
    logLevel: parseLogLevel(env, envName),
    seedDemo: bool(env, 'SEED_DEMO', envName !== 'production'),
  };
}
