import type OpenAI from 'openai';
import type { OpenAiConfig } from '../../config.js';

/**
 * The model path: the `openai` client against any OpenAI-compatible endpoint (OpenAI, a local Ollama
 * or vLLM). No retries — the user is waiting, and the local analysis answers at once when the model
 * cannot. Without an API key nothing is constructed (the client throws without one).
 */

export class ModelError extends Error {
  constructor(readonly reason: 'timeout' | 'http' | 'malformed' | 'connection', message: string) {
    super(message);
  }
}

export function modelConfigured(config: OpenAiConfig): boolean {
  return Boolean(config.apiKey);
}

/** The base URL with its /v1: "http://localhost:11434" becomes "http://localhost:11434/v1". */
export function normaliseBaseUrl(raw: string | undefined): string {
  if (!raw) return 'https://api.openai.com/v1';
  const trimmed = raw.replace(/\/+$/, '');
  try {
    const u = new URL(trimmed);
    if (u.pathname === '' || u.pathname === '/') return `${trimmed}/v1`;
  } catch {
    // An invalid URL fails at request time and falls back to the local analysis.
  }
  return trimmed;
}

type OpenAIModule = typeof OpenAI;
let openaiModule: Promise<OpenAIModule> | null = null;
/** The client library is loaded on first use: a server that never calls a model never holds it. */
const loadOpenAI = (): Promise<OpenAIModule> => (openaiModule ??= import('openai').then((m) => m.default));

const clients = new WeakMap<OpenAiConfig, OpenAI>();

function clientFor(OpenAIClient: OpenAIModule, config: OpenAiConfig): OpenAI {
  let client = clients.get(config);
  if (!client) {
    client = new OpenAIClient({
      apiKey: config.apiKey,
      baseURL: normaliseBaseUrl(config.baseUrl),
      timeout: config.timeoutMs,
      maxRetries: 0,
    });
    clients.set(config, client);
  }
  return client;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface JsonSchemaFormat {
  name: string;
  schema: Record<string, unknown>;
}

/**
 * One chat completion; answers the assistant's text. With `json`, asks for structured output against
 * the schema (validation of the content is the caller's job). Every failure is a ModelError.
 */
export async function complete(config: OpenAiConfig, messages: ChatMessage[], opts: { json?: JsonSchemaFormat; maxTokens?: number } = {}): Promise<string> {
  if (!config.apiKey) throw new ModelError('connection', 'No API key configured.');
  const OpenAI = await loadOpenAI();
  const client = clientFor(OpenAI, config);
  let res: OpenAI.Chat.Completions.ChatCompletion;
  try {
    res = await client.chat.completions.create({
      model: config.model,
      messages,
      temperature: 0.2,
      max_tokens: opts.maxTokens ?? 1200,
      ...(opts.json ? { response_format: { type: 'json_schema' as const, json_schema: { name: opts.json.name, schema: opts.json.schema, strict: true } } } : {}),
    });
  } catch (e) {
    if (e instanceof OpenAI.APIConnectionTimeoutError) throw new ModelError('timeout', `The model did not answer within ${config.timeoutMs} ms.`);
    if (e instanceof OpenAI.APIError && e.status) throw new ModelError('http', `The model endpoint answered HTTP ${e.status}.`);
    if (e instanceof OpenAI.APIConnectionError) throw new ModelError('connection', 'The model endpoint could not be reached.');
    throw new ModelError('malformed', `The model answer could not be read: ${(e as Error).message}`);
  }
  const content = (res as Partial<OpenAI.Chat.Completions.ChatCompletion> | null)?.choices?.[0]?.message?.content;
  if (typeof content !== 'string' || content.trim() === '') throw new ModelError('malformed', 'The model answer had no content.');
  return content;
}

/** The JSON object inside a model answer (tolerating a ```json fence some servers add). */
export function parseJsonObject(content: string): Record<string, unknown> {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(content);
  let value: unknown;
  try {
    value = JSON.parse(fenced ? fenced[1] : content);
  } catch {
    throw new ModelError('malformed', 'The model answer is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ModelError('malformed', 'The model answer is not a JSON object.');
  return value as Record<string, unknown>;
}

/** A non-empty string of at most `max` characters, or a ModelError. */
export function requireText(obj: Record<string, unknown>, key: string, max: number): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.trim() === '') throw new ModelError('malformed', `The model answer lacks "${key}".`);
  if (v.length > max) throw new ModelError('malformed', `The model answer's "${key}" is too long.`);
  return v.trim();
}

/** An array of 1..maxItems non-empty strings of at most `max` characters each, or a ModelError. */
export function requireTextList(obj: Record<string, unknown>, key: string, maxItems: number, max: number): string[] {
  const v = obj[key];
  if (!Array.isArray(v) || v.length === 0) throw new ModelError('malformed', `The model answer lacks "${key}".`);
  if (v.length > maxItems) throw new ModelError('malformed', `The model answer's "${key}" has too many items.`);
  return v.map((item) => {
    if (typeof item !== 'string' || item.trim() === '' || item.length > max) throw new ModelError('malformed', `The model answer's "${key}" has an invalid item.`);
    return item.trim();
  });
}
