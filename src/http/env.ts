import type { Context } from 'hono';
import type { Deps } from '../deps.js';
import type { Actor } from '../tenancy.js';

export interface AppEnv {
  Variables: {
    deps: Deps;
    actor: Actor | null;
    requestId: string;
  };
}

export type Ctx = Context<AppEnv>;

export const isApi = (c: Ctx) => c.req.path.startsWith('/api/');

/** The signed-in actor; only call behind requireAuth. */
export function actorOf(c: Ctx): Actor {
  const a = c.get('actor');
  if (!a) throw new Error('actorOf used on an unauthenticated route');
  return a;
}
