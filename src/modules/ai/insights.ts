import type { OpenAiConfig } from '../../config.js';
import { hit, isLimited, type Limit } from '../../auth/rate-limit.js';
import type { Db } from '../../db/index.js';
import { notFound } from '../../errors.js';
import type { Logger } from '../../log.js';
import { scoped, type Actor } from '../../tenancy.js';
import { findIncident, timelineOf, type IncidentRow, type TimelineEntry } from '../incidents/queries.js';
import { findSimilar, localAnalysis, type Analysis, type SimilarIncident } from './local.js';
import { complete, ModelError, modelConfigured, parseJsonObject, requireText, requireTextList, type ChatMessage } from './model.js';
import { actorInProcess, pastIncidents, TEXT_LIMIT, type PastIncident } from './queries.js';
import { clip, type Ranked } from './text.js';

export interface AiDeps {
  db: Db;
  openai: OpenAiConfig;
  log: Logger;
}

export type Source = 'openai' | 'local';
/** Why a local answer was given although a model may exist. */
export type FallbackReason = 'not_configured' | 'unavailable' | 'rate_limited';

export interface Insight extends Analysis {
  incident_id: number;
  source: Source;
  model: string | null;
  fallback_reason: FallbackReason | null;
  generated_at: string;
  cached: boolean;
}

/** Model calls per user and hour; past it, answers come from the local analysis. */
export const MODEL_LIMIT: Limit = { max: 60, windowMs: 60 * 60_000 };
/** A local result given because the model failed is retried with the model after this long. */
export const FALLBACK_CACHE_MS = 10 * 60_000;

/** Whether this call may use the model, counting it when it may. */
export async function mayUseModel(deps: AiDeps, actor: Actor, now: Date): Promise<FallbackReason | null> {
  if (!modelConfigured(deps.openai)) return 'not_configured';
  const key = `ai:model:${actor.userId}`;
  if (await isLimited(deps.db, key, MODEL_LIMIT, now)) return 'rate_limited';
  await hit(deps.db, key, MODEL_LIMIT, now);
  return null;
}

const INSIGHT_SCHEMA = {
  type: 'object',
  properties: {
    root_cause: { type: 'string', description: 'The most likely root cause and the evidence for it, 2-5 sentences.' },
    recommended_actions: { type: 'array', items: { type: 'string' }, description: '3-8 concrete next steps, most urgent first.' },
    prevention_tips: { type: 'array', items: { type: 'string' }, description: '2-6 measures that stop it from happening again.' },
  },
  required: ['root_cause', 'recommended_actions', 'prevention_tips'],
  additionalProperties: false,
};

const SYSTEM_PROMPT = [
  'You are a senior site reliability engineer helping the operations team of one client business process on the D2C OPs platform.',
  'Analyse the incident using only the data given: the incident, its timeline and the most similar past incidents of the same process with their root cause analyses (RCA).',
  'Reply with a JSON object only, matching the schema: root_cause (2-5 sentences: the most likely root cause and the evidence; say so when the evidence is thin),',
  'recommended_actions (3-8 concrete next steps, most urgent first), prevention_tips (2-6 measures that stop it from recurring).',
  'Refer to past incidents as #id. Do not invent incidents, people, systems or numbers that are not in the data.',
].join(' ');

function incidentFacts(incident: IncidentRow) {
  return {
    id: incident.id,
    title: incident.title,
    description: incident.description ? clip(incident.description, TEXT_LIMIT) : null,
    severity: `Sev ${incident.severity}`,
    status: incident.status,
    assignee: incident.assignee_name ?? null,
    opened_at: incident.opened_at.toISOString(),
    acknowledged_at: incident.acknowledged_at?.toISOString() ?? null,
    resolved_at: incident.resolved_at?.toISOString() ?? null,
    rca: incident.rca ? clip(incident.rca, TEXT_LIMIT) : null,
  };
}

function pastFacts(r: Ranked<PastIncident>) {
  const p = r.item;
  return {
    id: p.id, title: p.title, severity: `Sev ${p.severity}`, status: p.status, similarity: Math.round(r.score * 100) / 100,
    opened_at: p.opened_at.toISOString(), resolved_at: p.resolved_at?.toISOString() ?? null,
    description: p.description ? clip(p.description, 600) : null, rca: p.rca ? clip(p.rca, 1200) : null,
  };
}

/** The messages sent to the model: this incident's process only. */
export function insightMessages(incident: IncidentRow, timeline: TimelineEntry[], similar: Ranked<PastIncident>[], local: Analysis, now: Date): ChatMessage[] {
  const data = {
    process: incident.process_name,
    now: now.toISOString(),
    incident: incidentFacts(incident),
    timeline: timeline.slice(-40).map((t) => ({ at: t.created_at.toISOString(), kind: t.kind, message: clip(t.message, 300) })),
    similar_past_incidents: similar.map(pastFacts),
    category_hint: local.category.label,
  };
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: JSON.stringify(data) },
  ];
}

/** Asks the model; validates the structured answer before anything of it is used. */
async function modelAnalysis(config: OpenAiConfig, messages: ChatMessage[]): Promise<Pick<Analysis, 'root_cause' | 'recommended_actions' | 'prevention_tips'>> {
  const content = await complete(config, messages, { json: { name: 'incident_insights', schema: INSIGHT_SCHEMA } });
  const obj = parseJsonObject(content);
  return {
    root_cause: requireText(obj, 'root_cause', 4000),
    recommended_actions: requireTextList(obj, 'recommended_actions', 12, 800),
    prevention_tips: requireTextList(obj, 'prevention_tips', 12, 800),
  };
}

interface CachedRow {
  source: string;
  payload: string;
  incident_updated_at: Date;
  created_at: Date;
}

function fromCache(row: CachedRow, incident: IncidentRow, config: OpenAiConfig, now: Date): Insight | null {
  if (row.incident_updated_at.getTime() !== incident.updated_at.getTime()) return null;
  let payload: Insight;
  try {
    payload = JSON.parse(row.payload) as Insight;
  } catch {
    return null;
  }
  // A local answer given while a model is configured is short-lived, so the model gets another chance.
  if (row.source !== 'openai' && modelConfigured(config) && now.getTime() - row.created_at.getTime() >= FALLBACK_CACHE_MS) return null;
  if (row.source === 'local' && !modelConfigured(config)) payload.fallback_reason = 'not_configured';
  return { ...payload, cached: true };
}

async function storeCache(db: Db, narrowed: Actor, incident: IncidentRow, insight: Insight, now: Date): Promise<void> {
  const { cached: _cached, ...payload } = insight;
  await db.transaction().execute(async (trx) => {
    await scoped(trx.deleteFrom('ai_insights'), narrowed, 'process_id').where('incident_id', '=', incident.id).execute();
    await trx.insertInto('ai_insights').values({
      process_id: incident.process_id, incident_id: incident.id, source: insight.source, payload: JSON.stringify(payload),
      incident_updated_at: incident.updated_at, created_at: now,
    }).execute();
  });
}

async function readCache(deps: AiDeps, narrowed: Actor, incident: IncidentRow, now: Date): Promise<Insight | null> {
  const row = await scoped(deps.db.selectFrom('ai_insights'), narrowed, 'ai_insights.process_id')
    .select(['ai_insights.source', 'ai_insights.payload', 'ai_insights.incident_updated_at', 'ai_insights.created_at'])
    .where('ai_insights.incident_id', '=', incident.id)
    .executeTakeFirst();
  return row ? fromCache(row, incident, deps.openai, now) : null;
}

/** The incident (404 if the actor cannot see it) and its cached insights if still valid, computing nothing. */
export async function peekInsights(deps: AiDeps, actor: Actor, incidentId: number, now: Date): Promise<{ incident: IncidentRow; insight: Insight | null }> {
  const incident = await findIncident(deps.db, actor, incidentId);
  if (!incident) throw notFound('Incident');
  return { incident, insight: await readCache(deps, actorInProcess(actor, incident.process_id), incident, now) };
}

/**
 * Insights for an incident the actor can see (404 otherwise): from the cache while the incident is
 * unchanged, else from the model when configured, else — or when the model fails — the local analysis.
 */
export async function incidentInsights(deps: AiDeps, actor: Actor, incidentId: number, now: Date, opts: { refresh?: boolean } = {}): Promise<{ incident: IncidentRow; insight: Insight }> {
  const { db } = deps;
  const incident = await findIncident(db, actor, incidentId);
  if (!incident) throw notFound('Incident');
  const narrowed = actorInProcess(actor, incident.process_id);

  if (!opts.refresh) {
    const cached = await readCache(deps, narrowed, incident, now);
    if (cached) return { incident, insight: cached };
  }

  const timeline = await timelineOf(db, incident.id);
  const similar = findSimilar(incident, await pastIncidents(db, narrowed, incident.id));
  const local = localAnalysis({ incident, timeline, similar, now });
  let insight: Insight = {
    incident_id: incident.id, source: 'local', model: null, fallback_reason: null, generated_at: now.toISOString(), cached: false, ...local,
  };

  const refusal = await mayUseModel(deps, actor, now);
  if (refusal) {
    insight.fallback_reason = refusal;
  } else {
    try {
      const answer = await modelAnalysis(deps.openai, insightMessages(incident, timeline, similar, local, now));
      insight = { ...insight, ...answer, source: 'openai', model: deps.openai.model };
    } catch (e) {
      deps.log.warn('ai insights: model failed, using the local analysis', {
        incident: incident.id, reason: e instanceof ModelError ? e.reason : 'error', error: (e as Error).message,
      });
      insight.fallback_reason = 'unavailable';
    }
  }

  try {
    await storeCache(db, narrowed, incident, insight, now);
  } catch (e) {
    // Another request stored the same incident's insights at the same moment: theirs is as good.
    deps.log.debug('ai insights: cache write skipped', { incident: incident.id, error: (e as Error).message });
  }
  return { incident, insight };
}

export type { SimilarIncident };
