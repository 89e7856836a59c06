import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback server that speaks the OpenAI chat completions API (`POST /v1/chat/completions`) with a
 * chosen behaviour, and records every request body, so tests can check what was sent.
 */

export type FakeBehaviour =
  /** 200 with a completion whose content is `content` (or the default for the request). */
  | 'good'
  /** 200 with a completion whose content is not the JSON asked for. */
  | 'malformed-content'
  /** 200 whose HTTP body is not JSON at all. */
  | 'malformed-body'
  /** HTTP 500 with an error body. */
  | 'error500'
  /** Answers only after `delayMs` (longer than the client's timeout). */
  | 'slow';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  raw: string;
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; schema: unknown } };
    [k: string]: unknown;
  };
}

export const GOOD_INSIGHT = {
  root_cause: 'MODEL-ROOT-CAUSE: the API gateway connection pool is exhausted by partner retries.',
  recommended_actions: ['MODEL-ACTION-1: rate limit the partner key', 'MODEL-ACTION-2: enlarge the upstream pool'],
  prevention_tips: ['MODEL-TIP-1: alert on pool saturation'],
};

export const GOOD_CHAT_REPLY = 'MODEL-REPLY: #1 is the most urgent open incident.';

export interface FakeOpenAi {
  /** Base URL including /v1, as the openai client wants it. */
  url: string;
  requests: RecordedRequest[];
  behaviour: FakeBehaviour;
  delayMs: number;
  /** The content of a good answer; by default GOOD_INSIGHT as JSON for structured requests, GOOD_CHAT_REPLY otherwise. */
  content: ((req: RecordedRequest) => string) | null;
  reset(): void;
  close(): Promise<void>;
}

function completion(content: string, model: string) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content, refusal: null } }],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const sockets = new Set<import('node:net').Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const fake: FakeOpenAi = {
    url: '',
    requests: [],
    behaviour: 'good',
    delayMs: 2000,
    content: null,
    reset() {
      fake.requests.length = 0;
      fake.behaviour = 'good';
      fake.delayMs = 2000;
      fake.content = null;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    let body: RecordedRequest['body'] = {};
    try {
      body = JSON.parse(raw) as RecordedRequest['body'];
    } catch {
      body = {};
    }
    const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, raw, body };
    fake.requests.push(recorded);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const model = body.model ?? 'fake-model';
    const structured = Boolean(body.response_format);
    const send = () => {
      switch (fake.behaviour) {
        case 'error500':
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'The server had an error', type: 'server_error' } }));
          return;
        case 'malformed-body':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "chatcmpl-fake", "choices": [ {"message": ');
          return;
        case 'malformed-content': {
          const content = structured ? '{"root_cause": "cut off here' : '';
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion(content, model)));
          return;
        }
        default: {
          const content = fake.content ? fake.content(recorded) : structured ? JSON.stringify(GOOD_INSIGHT) : GOOD_CHAT_REPLY;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion(content, model)));
        }
      }
    };
    if (fake.behaviour === 'slow') {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) send();
      }, fake.delayMs);
      timers.add(t);
      res.on('close', () => {
        clearTimeout(t);
        timers.delete(t);
      });
      return;
    }
    send();
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return fake;
}
