import { enqueueEmails } from '../../mail/outbox.js';
import { formatDuration } from '../../time.js';
import { enqueueWebhooks } from '../../webhooks/outbox.js';
import { incidentWebhookPayload } from '../../webhooks/payload.js';
import { addIncidentEvent } from '../incidents/timeline.js';
import { onCallAt } from '../oncall/lookup.js';
import { escalationEmail } from './emails.js';
import {
  advanceWatermark, chunks, claim, core, finishCheck, lockIncident, mergeRanges, pendingChecks, readWatermark,
  type EngineDb, type EngineExecutor, type EngineTrx, type LockedIncident,
} from './store.js';

/**
 * The escalation engine. A chain applies to an unresolved incident by its trigger severity, or
 * because an automation rule attached it; each of its tiers fires once, when the incident's age
 * reaches the tier's delay, and only while the incident is open (acknowledging it — In Progress or
 * Resolved — stops the remaining tiers at once).
 *
 * Each worker tick reads only the incidents whose tiers became due since the previous tick (a
 * watermark, with a few minutes of overlap), so its cost follows the work that is due, not the size
 * of the incidents table. Each firing is one transaction: lock the incident, check it is still open,
 * claim the firing with the unique key (incident, tier), queue the email and webhook, note it on the
 * timeline. Two instances, a retry after a crash or a restart after downtime never fire a tier twice.
 */

export const ESCALATION_TASK = 'escalations';
/** Each tick re-reads this much before the watermark: incidents committed late are not missed. */
export const OVERLAP_MS = 5 * 60_000;
/** Firings per tick at most; the rest follow on the next tick (the watermark waits for them). */
export const MAX_FIRINGS_PER_TICK = 2000;
/**
 * On its very first run (no watermark yet) the engine looks back this far, and not before the chain
 * or rule was created: older due times are history, not pages to send now.
 */
export const FIRST_START_LOOKBACK_MS = 60 * 60_000;
/** A firing that keeps failing holds the watermark back for at most this long. */
export const RETRY_WINDOW_MS = 60 * 60_000;
const MINUTE = 60_000;

export interface EngineHooks {
  /** Inside the transaction, right after a claim and before anything is queued (tests crash here). */
  afterClaim?: (what: { kind: 'tier' | 'rule'; incidentId: number | null; key: string }) => void | Promise<void>;
  /** After a firing committed (tests acknowledge incidents here). */
  afterCommit?: (what: { kind: 'tier' | 'rule'; incidentId: number | null; key: string }) => void | Promise<void>;
}

export interface EngineOptions {
  mail: { appUrl: string };
  hooks?: EngineHooks;
  maxFirings?: number;
  log?: { error: (msg: string, data?: Record<string, unknown>) => void };
}

export interface TierSpec {
  id: number;
  chain_id: number;
  position: number;
  delay_minutes: number;
  channels: string[];
  user_id: number | null;
  webhook_url: string | null;
}

export interface ChainSpec {
  id: number;
  process_id: number;
  name: string;
  trigger_severity: number | null;
  is_active: boolean;
  created_at: Date;
  tiers: TierSpec[];
}

export function parseChannels(raw: string | null): string[] {
  try {
    const v = JSON.parse(raw ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Chains with their tiers in order: all active ones, or those of some processes, or some ids. */
export async function loadChains(db: EngineExecutor, f: { processIds?: number[]; ids?: number[]; activeOnly?: boolean } = {}): Promise<ChainSpec[]> {
  let q = db.selectFrom('escalation_chains')
    .select(['id', 'process_id', 'name', 'trigger_severity', 'is_active', 'created_at']);
  if (f.activeOnly !== false) q = q.where('is_active', '=', true);
  if (f.processIds) {
    if (f.processIds.length === 0) return [];
    q = q.where('process_id', 'in', f.processIds);
  }
  if (f.ids) {
    if (f.ids.length === 0) return [];
    q = q.where('id', 'in', f.ids);
  }
  const chains = await q.orderBy('id').execute();
  if (chains.length === 0) return [];
  const tiers: TierSpec[] = [];
  for (const ids of chunks(chains.map((c) => c.id), 500)) {
    const rows = await db.selectFrom('escalation_tiers')
      .select(['id', 'chain_id', 'position', 'delay_minutes', 'channels', 'user_id', 'webhook_url'])
      .where('chain_id', 'in', ids).execute();
    for (const t of rows) tiers.push({ ...t, channels: parseChannels(t.channels) });
  }
  const byChain = new Map<number, TierSpec[]>();
  for (const t of tiers) {
    const list = byChain.get(t.chain_id) ?? [];
    list.push(t);
    byChain.set(t.chain_id, list);
  }
  return chains.map((c) => ({
    ...c,
    is_active: Boolean(c.is_active),
    tiers: (byChain.get(c.id) ?? []).sort((a, b) => a.position - b.position || a.id - b.id),
  }));
}

export interface Target {
  person: { id: number; name: string; email: string } | null;
  /** null when the tier's own user was reached; else how the fallback found someone (or why nobody). */
  how: 'on-call primary' | 'on-call backup' | null;
  /** The tier's user exists but cannot be reached (deactivated, moved): shown in the dry run. */
  userUnavailable: boolean;
}

type UserRow = { id: number; name: string; email: string; is_active: boolean; process_id: number; role: string };
type OnCall = Awaited<ReturnType<typeof onCallAt>>;

/**
 * Lookups shared by the firings of one tick (the same on-call people and users for every firing at
 * that instant), so a busy tick does not ask the database the same question hundreds of times.
 */
export class TargetCache {
  readonly users = new Map<number, UserRow | null>();
  readonly oncall = new Map<string, OnCall>();
}

/** Who a tier reaches at an instant: its user, else the process's primary on call, else the backup. */
export async function resolveTarget(db: EngineExecutor, processId: number, tier: Pick<TierSpec, 'user_id'>, at: Date, cache?: TargetCache): Promise<Target> {
  let userUnavailable = false;
  if (tier.user_id !== null) {
    let u = cache?.users.get(tier.user_id);
    if (u === undefined) {
      u = (await db.selectFrom('users').select(['id', 'name', 'email', 'is_active', 'process_id', 'role'])
        .where('id', '=', tier.user_id).executeTakeFirst()) ?? null;
      cache?.users.set(tier.user_id, u);
    }
    if (u && u.is_active && u.process_id === processId && u.role !== 'client') {
      return { person: { id: u.id, name: u.name, email: u.email }, how: null, userUnavailable };
    }
    userUnavailable = true;
  }
  const key = `${processId}|${at.getTime()}`;
  let oc = cache?.oncall.get(key);
  if (!oc) {
    oc = await onCallAt(db as never, processId, at);
    cache?.oncall.set(key, oc);
  }
  if (oc.primary?.is_active) return { person: { id: oc.primary.id, name: oc.primary.name, email: oc.primary.email }, how: 'on-call primary', userUnavailable };
  if (oc.backup?.is_active) return { person: { id: oc.backup.id, name: oc.backup.name, email: oc.backup.email }, how: 'on-call backup', userUnavailable };
  return { person: null, how: null, userUnavailable };
}

export type FireOutcome = 'fired' | 'already' | 'skipped';

/**
 * Fires one tier for an incident already locked (and seen open) in this transaction. The claim is
 * the unique key (incident, tier): a duplicate means another instance or an earlier run fired it.
 */
export async function fireTierLocked(trx: EngineTrx, inc: LockedIncident, chain: ChainSpec, tier: TierSpec, now: Date, opts: EngineOptions, cache?: TargetCache): Promise<FireOutcome> {
  if (inc.status !== 'open') return 'skipped';
  const target = await resolveTarget(trx, inc.process_id, tier, now, cache);
  const claimed = await claim(() => trx.insertInto('escalation_executions').values({
    process_id: inc.process_id, incident_id: inc.id, chain_id: chain.id, tier_id: tier.id,
    target_user_id: target.person?.id ?? null, fired_at: now,
  }).execute());
  if (!claimed) return 'already';
  await opts.hooks?.afterClaim?.({ kind: 'tier', incidentId: inc.id, key: `tier:${tier.id}` });

  const wantsEmail = tier.channels.includes('email') && target.person !== null;
  const emailedAlready = wantsEmail && await emailedWithinAMinute(trx, inc.id, target.person!.email, now);
  const email = wantsEmail && !emailedAlready;
  const webhook = tier.channels.includes('webhook') && Boolean(tier.webhook_url);
  if (email) {
    const rendered = escalationEmail({
      appUrl: opts.mail.appUrl, incident: inc, chainName: chain.name, tierPosition: tier.position,
      tierCount: chain.tiers.length, delayMinutes: tier.delay_minutes, how: target.how, now,
    });
    await enqueueEmails(core(trx), [{
      to: target.person!.email, ...rendered, template: 'escalation.tier', processId: inc.process_id,
      entityType: 'incident', entityId: inc.id,
    }], now);
  }
  if (webhook) {
    const age = formatDuration(now.getTime() - inc.opened_at.getTime());
    const who = target.person ? `paging ${target.person.name}` : 'nobody to page';
    await enqueueWebhooks(core(trx), [{
      url: tier.webhook_url!,
      event: 'escalation.fired',
      processId: inc.process_id,
      entityType: 'incident',
      entityId: inc.id,
      payload: incidentWebhookPayload('escalation.fired', inc, {
        appUrl: opts.mail.appUrl.replace(/\/+$/, ''),
        process: { id: inc.process_id, slug: inc.process_slug, name: inc.process_name },
        headline: `Escalation tier ${tier.position} of ${chain.name} (open ${age}, ${who})`,
        now,
        extra: {
          chain: { id: chain.id, name: chain.name },
          tier: { id: tier.id, position: tier.position, delay_minutes: tier.delay_minutes },
          target: target.person ? { id: target.person.id, name: target.person.name, email: target.person.email } : null,
          age_minutes: Math.floor((now.getTime() - inc.opened_at.getTime()) / MINUTE),
        },
      }),
    }], now);
  }
  const via = [email ? 'email' : null, webhook ? 'webhook' : null].filter(Boolean).join(' and ');
  let message: string;
  if (target.person && emailedAlready) {
    message = `${chain.name} tier ${tier.position} reached ${target.person.name} again${target.how ? ` (${target.how})` : ''}: `
      + `already emailed about this incident this minute${webhook ? ' (webhook sent)' : ''}`;
  } else if (target.person && email) {
    message = `${chain.name} tier ${tier.position} notified ${target.person.name} by ${via}${target.how ? ` (${target.how})` : ''}`;
  } else if (target.person) {
    message = `${chain.name} tier ${tier.position} fired by ${via || 'no channel'}${target.how ? ` (${target.how}: ${target.person.name})` : ''}`;
  } else {
    const why = target.userUnavailable ? 'its user cannot be paged any more' : 'no user on the tier';
    message = `${chain.name} tier ${tier.position} reached nobody: ${why} and nobody on call${webhook ? ' (webhook sent)' : ''}`;
  }
  await addIncidentEvent(core(trx), inc, null, 'escalation', message, now);
  return 'fired';
}

/**
 * Tiers that fall due together (a catch-up after downtime, a raised severity) and reach the same
 * person send them one email, whichever instance fires them: the incident row is locked, so this
 * sees every escalation email queued for it before.
 */
async function emailedWithinAMinute(trx: EngineTrx, incidentId: number, to: string, now: Date): Promise<boolean> {
  const row = await core(trx).selectFrom('email_outbox').select('id')
    .where('entity_type', '=', 'incident').where('entity_id', '=', incidentId)
    .where('template', '=', 'escalation.tier').where('to_address', '=', to)
    .where('created_at', '>', new Date(now.getTime() - MINUTE))
    .limit(1).executeTakeFirst();
  return row !== undefined;
}

interface Firing {
  incidentId: number;
  chain: ChainSpec;
  tier: TierSpec;
  due: number;
}

/** One firing in its own transaction, re-checking that the chain still applies to the incident. */
async function fireOne(db: EngineDb, f: Firing, now: Date, opts: EngineOptions, cache: TargetCache): Promise<FireOutcome> {
  const outcome = await db.transaction().execute(async (trx) => {
    const inc = await lockIncident(trx, f.incidentId);
    if (!inc || inc.status !== 'open') return 'skipped' as const;
    if (f.chain.trigger_severity !== inc.severity) {
      const attached = await trx.selectFrom('incident_escalations').select('id')
        .where('incident_id', '=', inc.id).where('chain_id', '=', f.chain.id).executeTakeFirst();
      if (!attached) return 'skipped' as const;
    }
    return fireTierLocked(trx, inc, f.chain, f.tier, now, opts, cache);
  });
  if (outcome === 'fired') await opts.hooks?.afterCommit?.({ kind: 'tier', incidentId: f.incidentId, key: `tier:${f.tier.id}` });
  return outcome;
}

export interface TickResult {
  fired: number;
  already: number;
  skipped: number;
  failed: number;
  candidates: number;
}

type Candidate = { id: number; process_id: number; severity: number; opened_at: Date; all: boolean };

/** Open incidents opened within the given stretches of time (OR'd ranges, 40 to a query). */
export async function openedWithin(db: EngineExecutor, ranges: [number, number][], processIds: number[], status: 'open' | null) {
  const out: { id: number; process_id: number; severity: number; status: string; title: string; opened_at: Date }[] = [];
  if (processIds.length === 0) return out;
  const wanted = new Set(processIds);
  for (const part of chunks(ranges, 40)) {
    // The status goes inside each branch: SQLite then searches (status, opened_at) once per stretch
    // instead of reading every open incident; MariaDB reads the same index ranges.
    const q = db.selectFrom('incidents').select(['id', 'process_id', 'severity', 'status', 'title', 'opened_at'])
      .where((eb) => eb.or(part.map(([a, b]) => eb.and([
        ...(status ? [eb('status', '=', status)] : []),
        eb('opened_at', '>=', new Date(a)),
        eb('opened_at', '<=', new Date(b)),
      ]))));
    for (const r of await q.execute()) if (wanted.has(r.process_id)) out.push(r);
  }
  return out;
}

/**
 * The worker task: fires every tier that became due since the last tick (or, on the very first run,
 * within the last hour), plus every due tier of incidents a change asked to look at again,
 * oldest due first; then moves the watermark to `now`.
 */
export async function runEscalations(db: EngineDb, now: Date, opts: EngineOptions): Promise<TickResult> {
  const result: TickResult = { fired: 0, already: 0, skipped: 0, failed: 0, candidates: 0 };
  const watermark = await readWatermark(db, ESCALATION_TASK);
  const chains = (await loadChains(db)).filter((c) => c.tiers.length > 0);
  const checks = await pendingChecks(db, ESCALATION_TASK);
  const nowMs = now.getTime();
  const fromOf = (c: ChainSpec) => (watermark
    ? watermark.getTime() - OVERLAP_MS
    : Math.max(c.created_at.getTime(), nowMs - FIRST_START_LOOKBACK_MS));

  // The stretches of opened_at whose tiers fall due in [from, now], one per distinct delay.
  const minFrom = new Map<number, number>();
  for (const c of chains) {
    for (const t of c.tiers) minFrom.set(t.delay_minutes, Math.min(minFrom.get(t.delay_minutes) ?? Infinity, fromOf(c)));
  }
  const ranges = mergeRanges([...minFrom].map(([d, f]) => [f - d * MINUTE, nowMs - d * MINUTE] as [number, number]));
  const processIds = [...new Set(chains.map((c) => c.process_id))];
  const candidates = new Map<number, Candidate>();
  for (const r of await openedWithin(db, ranges, processIds, 'open')) candidates.set(r.id, { ...r, all: false });
  // Incidents a change asked about: every due tier counts, whatever the watermark.
  for (const ids of chunks(checks.map((c) => c.incident_id), 500)) {
    const rows = await db.selectFrom('incidents').select(['id', 'process_id', 'severity', 'opened_at'])
      .where('id', 'in', ids).where('status', '=', 'open').execute();
    for (const r of rows) candidates.set(r.id, { ...r, all: true });
  }
  result.candidates = candidates.size;

  // Chains attached by rules to these incidents.
  const attached = new Map<number, Set<number>>();
  for (const ids of chunks([...candidates.keys()], 500)) {
    const rows = await db.selectFrom('incident_escalations').select(['incident_id', 'chain_id']).where('incident_id', 'in', ids).execute();
    for (const r of rows) {
      const set = attached.get(r.incident_id) ?? new Set<number>();
      set.add(r.chain_id);
      attached.set(r.incident_id, set);
    }
  }
  const byProcess = new Map<number, ChainSpec[]>();
  for (const c of chains) byProcess.set(c.process_id, [...(byProcess.get(c.process_id) ?? []), c]);

  let firings: Firing[] = [];
  for (const inc of candidates.values()) {
    const opened = inc.opened_at.getTime();
    const mine = attached.get(inc.id);
    for (const chain of byProcess.get(inc.process_id) ?? []) {
      if (chain.trigger_severity !== inc.severity && !mine?.has(chain.id)) continue;
      const from = inc.all ? -Infinity : fromOf(chain);
      for (const tier of chain.tiers) {
        const due = opened + tier.delay_minutes * MINUTE;
        if (due >= from && due <= nowMs) firings.push({ incidentId: inc.id, chain, tier, due });
      }
    }
  }
  // Leave out what has fired already (the unique key would refuse it anyway; this saves the work).
  const done = new Set<string>();
  for (const ids of chunks([...new Set(firings.map((f) => f.incidentId))], 500)) {
    const rows = await db.selectFrom('escalation_executions').select(['incident_id', 'tier_id']).where('incident_id', 'in', ids).execute();
    for (const r of rows) done.add(`${r.incident_id}:${r.tier_id}`);
  }
  firings = firings.filter((f) => !done.has(`${f.incidentId}:${f.tier.id}`))
    .sort((a, b) => a.due - b.due || a.incidentId - b.incidentId || a.chain.id - b.chain.id || a.tier.position - b.tier.position);

  const max = opts.maxFirings ?? MAX_FIRINGS_PER_TICK;
  let until = nowMs;
  const unfinished = new Set<number>();
  if (firings.length > max) {
    until = firings[max - 1].due;
    for (const f of firings.slice(max)) unfinished.add(f.incidentId);
    firings = firings.slice(0, max);
  }
  let earliestFailure = Infinity;
  const cache = new TargetCache();
  for (const f of firings) {
    try {
      result[await fireOne(db, f, now, opts, cache)]++;
    } catch (err) {
      result.failed++;
      unfinished.add(f.incidentId);
      earliestFailure = Math.min(earliestFailure, f.due);
      opts.log?.error('escalation firing failed', {
        incident: f.incidentId, tier: f.tier.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
  }
  for (const c of checks) {
    // A request that keeps failing is dropped after an hour (logged above each time).
    if (!unfinished.has(c.incident_id) || c.requested_at.getTime() < nowMs - RETRY_WINDOW_MS) await finishCheck(db, ESCALATION_TASK, c);
  }
  // A failed firing is retried on the next ticks (for up to an hour) by holding the watermark back.
  if (earliestFailure !== Infinity) until = Math.min(until, Math.max(earliestFailure, nowMs - RETRY_WINDOW_MS) + OVERLAP_MS - 1);
  await advanceWatermark(db, ESCALATION_TASK, new Date(until), now);
  return result;
}
