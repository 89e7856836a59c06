import type { Db } from '../../db/index.js';
import { onCallAt, shiftBoundaries } from '../oncall/lookup.js';
import { resolveTarget } from './engine.js';
import type { ChainView } from './queries.js';
import { rulesUsingChain } from './service.js';
import { engine } from './store.js';

/**
 * "A Sev N incident opened now: who is notified at which minute." Each tier is resolved at the
 * instant it would fire — its own user, else whoever is on call then (primary, else backup) — and a
 * tier that would reach nobody is flagged. The on-call fallback for the coming hours is listed too.
 */

export interface DryRunStep {
  position: number;
  delay_minutes: number;
  at: Date;
  channels: string[];
  webhook_url: string | null;
  target: { id: number; name: string } | null;
  via: 'tier user' | 'on-call primary' | 'on-call backup' | null;
  /** The tier names a user who cannot be paged any more (deactivated or moved). */
  user_unavailable: boolean;
  /** Neither a person by email nor a webhook. */
  reaches_nobody: boolean;
}

export interface OnCallSegment {
  from: Date;
  to: Date;
  primary: string | null;
  backup: string | null;
}

export interface DryRun {
  severity: number;
  opened_at: Date;
  /** Does a Sev N incident start this chain by itself? */
  applies: boolean;
  note: string | null;
  steps: DryRunStep[];
  oncall: OnCallSegment[];
  rules: { id: number; name: string; is_active: boolean }[];
}

const MINUTE = 60_000;
export const DRY_RUN_HOURS = 24;

export async function dryRun(db: Db, chain: ChainView, severity: number, now: Date): Promise<DryRun> {
  const e = engine(db);
  const steps: DryRunStep[] = [];
  for (const t of chain.tiers) {
    const at = new Date(now.getTime() + t.delay_minutes * MINUTE);
    const target = await resolveTarget(e, chain.process_id, t, at);
    const webhook = t.channels.includes('webhook') && Boolean(t.webhook_url);
    const email = t.channels.includes('email') && target.person !== null;
    steps.push({
      position: t.position, delay_minutes: t.delay_minutes, at, channels: t.channels, webhook_url: t.webhook_url,
      target: target.person ? { id: target.person.id, name: target.person.name } : null,
      via: target.person ? (target.how ?? 'tier user') : null,
      user_unavailable: target.userUnavailable,
      reaches_nobody: !email && !webhook,
    });
  }
  const horizon = new Date(now.getTime() + DRY_RUN_HOURS * 3_600_000);
  const oncall: OnCallSegment[] = [];
  const process = await db.selectFrom('processes').select(['id', 'timezone']).where('id', '=', chain.process_id).executeTakeFirst();
  // Who is on call now, then at each shift start or end: the segments begin at the real handoffs.
  for (const at of [now, ...(process ? await shiftBoundaries(db, process, now, horizon) : [])]) {
    const oc = await onCallAt(db, chain.process_id, at);
    const primary = oc.primary?.is_active ? oc.primary.name : null;
    const backup = oc.backup?.is_active ? oc.backup.name : null;
    const last = oncall[oncall.length - 1];
    if (last && last.primary === primary && last.backup === backup) continue;
    if (last) last.to = at;
    oncall.push({ from: at, to: horizon, primary, backup });
  }
  const applies = chain.trigger_severity === severity;
  let note: string | null = null;
  if (!chain.is_active) note = 'This chain is paused: it fires nothing until it is active again.';
  else if (chain.trigger_severity === null) note = 'This chain has no trigger severity: it runs only when an automation rule escalates through it.';
  else if (!applies) note = `This chain starts by itself for Sev ${chain.trigger_severity} incidents, not Sev ${severity}; an automation rule can still escalate a Sev ${severity} incident through it.`;
  const rules = (await rulesUsingChain(db, chain.process_id, chain.id)).map((r) => ({ id: r.id, name: r.name, is_active: Boolean(r.is_active) }));
  return { severity, opened_at: now, applies, note, steps, oncall, rules };
}
