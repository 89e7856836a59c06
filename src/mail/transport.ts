import { createRequire } from 'node:module';
import type nodemailer from 'nodemailer';
import type { SmtpConfig } from '../config.js';

/** The sender name every email carries (the original's "D2C OPs Platform"). */
export const SENDER_NAME = 'D2C OPs Platform';

export interface OutgoingMessage {
  to: string;
  subject: string;
  html?: string | null;
  text: string;
  /** The full Message-ID header, angle brackets included: `<outbox-12@example.com>`. */
  messageId?: string;
  headers?: Record<string, string>;
}

export interface SendResult {
  accepted: string[];
  rejected: string[];
  messageId: string;
}

/**
 * What the dispatcher needs from an SMTP transport. The real one is `createMailer()`; tests use it
 * against a loopback SMTP server, never a mock.
 */
export interface Mailer {
  send(msg: OutgoingMessage): Promise<SendResult>;
  close(): void;
}

type Transporter = ReturnType<typeof nodemailer.createTransport>;

const asStrings = (list: unknown): string[] =>
  Array.isArray(list) ? list.map((a) => (typeof a === 'string' ? a : String((a as { address?: string }).address ?? a))) : [];

/** The nodemailer options of a config: one pool of at most 5 connections, TLS on 465, STARTTLS otherwise. */
export function transportOptions(config: SmtpConfig) {
  const secure = config.port === 465;
  return {
    pool: true as const,
    maxConnections: 5,
    maxMessages: 100,
    host: config.host,
    port: config.port,
    secure,
    // On 587/25 nodemailer upgrades with STARTTLS when the server offers it; require it unless told not to.
    requireTLS: !secure && !config.ignoreTls,
    ignoreTLS: !secure && config.ignoreTls,
    auth: config.user ? { user: config.user, pass: config.pass ?? '' } : undefined,
    // Fail fast: the outbox retries with backoff, a hung connection must not hold a lease for minutes.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  };
}

const require = createRequire(import.meta.url);
/** nodemailer is loaded with the first transport: a process that sends no mail never holds it. */
const loadNodemailer = (): typeof nodemailer => require('nodemailer') as typeof nodemailer;

/**
 * A mailer over one pooled nodemailer transport, created lazily on the first send and reused for
 * every later one. `close()` drains the pool; a later send opens a new one.
 */
export function createMailer(config: SmtpConfig): Mailer {
  let transporter: Transporter | null = null;
  const get = (): Transporter => {
    transporter ??= loadNodemailer().createTransport(transportOptions(config));
    return transporter;
  };
  return {
    async send(msg) {
      const info = await get().sendMail({
        from: { name: SENDER_NAME, address: config.from },
        to: msg.to,
        subject: msg.subject,
        text: msg.text,
        html: msg.html ?? undefined,
        messageId: msg.messageId,
        headers: msg.headers,
      });
      const result = info as { accepted?: unknown; rejected?: unknown; messageId?: string };
      return {
        accepted: asStrings(result.accepted),
        rejected: asStrings(result.rejected),
        messageId: result.messageId ?? msg.messageId ?? '',
      };
    },
    close() {
      transporter?.close();
      transporter = null;
    },
  };
}

const shared = new Map<string, Mailer>();

function configKey(config: SmtpConfig): string {
  return JSON.stringify([config.host, config.port, config.user ?? null, config.pass ?? null, config.from, config.ignoreTls]);
}

/** The one shared mailer of a config (same settings, same pool). */
export function getMailer(config: SmtpConfig): Mailer {
  const key = configKey(config);
  let mailer = shared.get(key);
  if (!mailer) {
    const inner = createMailer(config);
    mailer = {
      send: (msg) => inner.send(msg),
      close: () => {
        shared.delete(key);
        inner.close();
      },
    };
    shared.set(key, mailer);
  }
  return mailer;
}

/** The domain for generated Message-IDs: the sender's domain, or a local fallback. */
export function messageIdDomain(config: SmtpConfig | null): string {
  const at = config?.from.lastIndexOf('@') ?? -1;
  const domain = at >= 0 ? config!.from.slice(at + 1).replace(/[>\s]/g, '') : '';
  return /^[A-Za-z0-9.-]+$/.test(domain) ? domain : 'd2c-ops.local';
}
