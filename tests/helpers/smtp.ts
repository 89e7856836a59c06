import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SmtpConfig } from '../../src/config.js';

/**
 * A loopback SMTP server that keeps what it receives, for testing the real transport end to end.
 * It can refuse recipients (550), defer them (421) and go down and come back on the same port.
 */

export interface ReceivedMessage {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: string;
  headers: Record<string, string>;
  from: string;
  to: string;
  subject: string;
  messageId: string;
  text: string | null;
  html: string | null;
}

export interface SmtpSinkOptions {
  /** Recipients answered with 550 at RCPT TO (a bounce). */
  rejectRecipients?: string[];
  /** Answer every RCPT TO (true) or these recipients with a temporary failure. */
  tempFail?: boolean | string[];
  /** The temporary failure's code (default 421). */
  tempFailCode?: number;
  /** A fixed port; a random free one by default. */
  port?: number;
}

export interface SmtpSink {
  readonly host: string;
  readonly port: number;
  readonly messages: ReceivedMessage[];
  /** Change behaviour while running. */
  rejectRecipients: Set<string>;
  tempFail: boolean | Set<string>;
  tempFailCode: number;
  /** The SMTP settings that point the platform at this sink. */
  smtpConfig(overrides?: Partial<SmtpConfig>): SmtpConfig;
  /** Messages sent to an address (case-insensitive). */
  to(address: string): ReceivedMessage[];
  clear(): void;
  /** Takes the server down (connections refused) until start(). */
  stop(): Promise<void>;
  /** Brings it back on the same port. */
  start(): Promise<void>;
  readonly running: boolean;
}

// ---------------------------------------------------------------------------------------------
// Just enough MIME parsing to read what nodemailer writes.

function decodeQuotedPrintable(s: string): Buffer {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const ch = soft[i];
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(ch, 'latin1')) bytes.push(b);
    }
  }
  return Buffer.from(bytes);
}

function charsetDecode(buf: Buffer, charset: string): string {
  const cs = charset.toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii') return buf.toString('utf8');
  if (cs === 'iso-8859-1' || cs === 'latin1') return buf.toString('latin1');
  try {
    return new TextDecoder(cs).decode(buf);
  } catch {
    return buf.toString('utf8');
  }
}

/** RFC 2047 encoded words, e.g. `=?UTF-8?Q?caf=C3=A9?=` or `=?UTF-8?B?Y2Fmw6k=?=`. */
export function decodeWords(value: string): string {
  const joined = value.replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, '$1');
  return joined.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, charset: string, enc: string, data: string) => {
    const buf = enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64')
      : decodeQuotedPrintable(data.replace(/_/g, ' '));
    return charsetDecode(buf, charset.replace(/\*.*$/, ''));
  });
}

function splitHead(raw: string): { head: string; body: string } {
  const m = /\r?\n\r?\n/.exec(raw);
  if (!m) return { head: raw, body: '' };
  return { head: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) };
}

function parseHeaders(head: string): Record<string, string> {
  const out: Record<string, string> = {};
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}

function param(header: string | undefined, name: string): string | null {
  if (!header) return null;
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(header);
  return m ? (m[1] ?? m[2]) : null;
}

function decodeBody(body: string, headers: Record<string, string>): string {
  const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const charset = param(headers['content-type'], 'charset') ?? 'utf-8';
  let buf: Buffer;
  if (cte === 'base64') buf = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else if (cte === 'quoted-printable') buf = decodeQuotedPrintable(body);
  else buf = Buffer.from(body, 'utf8');
  return charsetDecode(buf, charset).replace(/\r\n/g, '\n');
}

function collectParts(raw: string, found: { text: string | null; html: string | null }): void {
  const { head, body } = splitHead(raw);
  const headers = parseHeaders(head);
  const type = (headers['content-type'] ?? 'text/plain').toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = param(headers['content-type'], 'boundary');
    if (!boundary) return;
    const sections = body.split(`--${boundary}`);
    for (const section of sections.slice(1)) {
      if (section.startsWith('--')) break;
      collectParts(section.replace(/^\r?\n/, ''), found);
    }
    return;
  }
  if (type.startsWith('text/plain') && found.text === null) found.text = decodeBody(body, headers);
  else if (type.startsWith('text/html') && found.html === null) found.html = decodeBody(body, headers);
}

export function parseMessage(raw: string, envelope: { from: string; to: string[] }): ReceivedMessage {
  const { head } = splitHead(raw);
  const headers = parseHeaders(head);
  const parts = { text: null as string | null, html: null as string | null };
  collectParts(raw, parts);
  return {
    envelopeFrom: envelope.from,
    envelopeTo: envelope.to,
    raw,
    headers,
    from: decodeWords(headers.from ?? ''),
    to: decodeWords(headers.to ?? ''),
    subject: decodeWords(headers.subject ?? ''),
    messageId: headers['message-id'] ?? '',
    text: parts.text,
    html: parts.html,
  };
}

// ---------------------------------------------------------------------------------------------

const HOST = '127.0.0.1';

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = [];
  let server: SMTPServer | null = null;
  let port = opts.port ?? 0;

  const sink = {
    host: HOST,
    get port() {
      return port;
    },
    messages,
    rejectRecipients: new Set((opts.rejectRecipients ?? []).map((a) => a.toLowerCase())),
    tempFail: Array.isArray(opts.tempFail) ? new Set(opts.tempFail.map((a) => a.toLowerCase())) : (opts.tempFail ?? false),
    tempFailCode: opts.tempFailCode ?? 421,
    get running() {
      return server !== null;
    },
    smtpConfig(overrides: Partial<SmtpConfig> = {}): SmtpConfig {
      return { host: HOST, port, from: 'ops@d2c-ops.test', ignoreTls: true, ...overrides };
    },
    to(address: string) {
      return messages.filter((m) => m.envelopeTo.some((t) => t.toLowerCase() === address.toLowerCase()));
    },
    clear() {
      messages.length = 0;
    },
    async stop() {
      const s = server;
      if (!s) return;
      server = null;
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      if (server) return;
      const s = new SMTPServer(serverOptions());
      s.on('error', () => { /* a refused or dropped client is part of the tests */ });
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        s.server.once('error', onError);
        s.listen(port, HOST, () => {
          s.server.off('error', onError);
          resolve();
        });
      });
      const addr = s.server.address();
      if (addr && typeof addr === 'object') port = addr.port;
      server = s;
    },
  };

  function serverOptions(): SMTPServerOptions {
    return {
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 50,
      onRcptTo(address, _session, callback) {
        const rcpt = address.address.toLowerCase();
        if (sink.rejectRecipients.has(rcpt)) {
          const err = new Error(`<${address.address}>: Recipient address rejected: user unknown`) as Error & { responseCode: number };
          err.responseCode = 550;
          return callback(err);
        }
        if (sink.tempFail === true || (sink.tempFail instanceof Set && sink.tempFail.has(rcpt))) {
          const err = new Error('Try again later: mailbox temporarily unavailable') as Error & { responseCode: number };
          err.responseCode = sink.tempFailCode;
          return callback(err);
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          messages.push(parseMessage(raw, { from, to: session.envelope.rcptTo.map((r) => r.address) }));
          callback();
        });
      },
    };
  }

  await sink.start();
  return sink as SmtpSink;
}
