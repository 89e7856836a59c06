import { sql } from 'kysely';
import type { TestApp } from '../helpers/app.js';

export const PROCESSES = ['ignite', 'sunking', 'rdg', 'mobihive', 'momo', 'sanlam', 'mba', 'muzanu'] as const;
export const PROCESS_NAMES: Record<string, string> = {
  ignite: 'Ignite', sunking: 'Sunking', rdg: 'RDG', mobihive: 'MobiHive', momo: 'Momo', sanlam: 'Sanlam', mba: 'MBA', muzanu: 'Muzanu',
};

export interface InsightJson {
  incident_id: number;
  source: 'openai' | 'local';
  model: string | null;
  fallback_reason: string | null;
  category: { id: string; label: string };
  root_cause: string;
  recommended_actions: string[];
  similar_incidents: { id: number; title: string; status: string; similarity: number; rca: string | null }[];
  prevention_tips: string[];
  generated_at: string;
  cached: boolean;
}

export interface ChatJson {
  source: 'openai' | 'local';
  reply: string;
  model: string | null;
  fallback_reason: string | null;
}

export interface ErrorJson {
  error: { code: string; message: string; fields?: Record<string, string> };
}

export async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export async function processId(t: TestApp, slug: string): Promise<number> {
  return (await t.db.selectFrom('processes').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
}

/** A seeded incident of a process by the story part of its title ("API Gateway Timeout") and status. */
export async function seeded(t: TestApp, slug: string, story: string, status: 'open' | 'in_progress' | 'resolved'): Promise<{ id: number; title: string; process_id: number; rca: string | null }> {
  const pid = await processId(t, slug);
  return t.db.selectFrom('incidents').select(['id', 'title', 'process_id', 'rca'])
    .where('process_id', '=', pid).where('title', '=', `${PROCESS_NAMES[slug]} ${story}`).where('status', '=', status)
    .orderBy('id').executeTakeFirstOrThrow();
}

/** The open Sev 3 incident of a process and its resolved twin (the seed's "same symptoms 12 days ago"). */
export async function sev3Pair(t: TestApp, slug: string): Promise<{ open: number; resolved: number; title: string }> {
  const pid = await processId(t, slug);
  const open = await t.db.selectFrom('incidents').select(['id', 'title']).where('process_id', '=', pid)
    .where('severity', '=', 3).where('status', '=', 'open').orderBy('id').executeTakeFirstOrThrow();
  const resolved = await t.db.selectFrom('incidents').select(['id']).where('process_id', '=', pid)
    .where('severity', '=', 3).where('status', '=', 'resolved').where('title', '=', open.title).executeTakeFirstOrThrow();
  return { open: open.id, resolved: resolved.id, title: open.title };
}

export async function insightRows(t: TestApp): Promise<number> {
  return Number((await t.db.selectFrom('ai_insights').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
}
