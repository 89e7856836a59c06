import type { Ctx } from '../../http/env.js';

/** Form fields with repeated names (checkbox groups) kept as lists; files are ignored. */
export async function readFormAll(c: Ctx): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
    else out[k] = typeof v === 'string' ? v : '';
  }
  return out;
}

