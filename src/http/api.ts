import type { Ctx } from './env.js';
import { badRequest, DomainError } from '../errors.js';

/** The error body of API.md. */
export function apiError(c: Ctx, err: DomainError) {
  const body: { error: { code: string; message: string; fields?: Record<string, string> } } = {
    error: { code: err.code, message: err.message },
  };
  if (err.fields) body.error.fields = err.fields;
  return c.json(body, err.status);
}

/** Parses a JSON object body; malformed JSON or a non-object is a 400, never a 500. */
export async function readJson(c: Ctx): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** Form fields as plain strings (the last value wins for repeated names unless asked for all). */
export async function readForm(c: Ctx): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const value = Array.isArray(v) ? v[v.length - 1] : v;
    out[k] = typeof value === 'string' ? value : '';
  }
  return out;
}

export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}
