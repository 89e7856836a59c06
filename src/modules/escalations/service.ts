import type { Transaction } from 'kysely';
import { recordAction } from '../../audit.js';
import { affected, insertedId, type Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import { conflict, forbidden, notFound } from '../../errors.js';
import { can } from '../../roles.js';
import { owningProcess, type Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';
import { LostRace, retryLostRace, whereAsRead } from '../../races.js';
import { deliverableUrl } from '../../webhooks/dispatcher.js';
import { MAX_MINUTES } from '../automation/config.js';
import { findChain, withTiers, type ChainView } from './queries.js';

type Trx = Transaction<Database>;

export const NAME_MAX = 120;
export const MAX_TIERS = 10;
export const WEBHOOK_URL_MAX = 500;
export const CHANNELS = ['email', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface TierInput {
  delay_minutes: number;
  channels: Channel[];
  user_id: number | null;
  webhook_url: string | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An http(s) URL with a host, or null. */
export function webhookUrlProblem(raw: unknown): string | null {
  if (typeof raw !== 'string' || !raw.trim()) return 'A webhook URL is required for the webhook channel.';
  const v = raw.trim();
  if (v.length > WEBHOOK_URL_MAX) return `The webhook URL must be at most ${WEBHOOK_URL_MAX} characters.`;
  // The same rule as the webhook dispatcher's: an absolute http(s) URL.
  const u = deliverableUrl(v);
  if (!u) return 'The webhook URL must be an http:// or https:// address.';
  if (!u.hostname) return 'The webhook URL needs a host.';
  if (u.username || u.password) return 'Put credentials in a token in the path, not in the URL before the host.';
  return null;
}

/**
 * Reads the tier list; every problem is reported on its own field (`tiers[1].delay_minutes`). Once
 * the list itself is readable it comes back, one entry per tier, even when a tier's field failed, so
 * the tier users are still checked: use it only after f.check().
 */
export function readTiers(raw: unknown, f: Fields): TierInput[] | null {
  if (!Array.isArray(raw)) {
    f.fail('tiers', 'Tiers must be a list.');
    return null;
  }
  if (raw.length === 0) {
    f.fail('tiers', 'Add at least one tier.');
    return null;
  }
  if (raw.length > MAX_TIERS) {
    f.fail('tiers', `A chain has at most ${MAX_TIERS} tiers.`);
    return null;
  }
  const out: TierInput[] = [];
  raw.forEach((item, i) => {
    const key = (name: string) => `tiers[${i}].${name}`;
    if (!isObject(item)) {
      f.fail(`tiers[${i}]`, `Tier ${i + 1} must be an object.`);
      out.push({ delay_minutes: 0, channels: ['email'], user_id: null, webhook_url: null });
      return;
    }
    const tf = new Fields(item);
    const delay = tf.int('delay_minutes', { required: true, min: 0, max: MAX_MINUTES, label: 'After (minutes)' });
    if (delay === null) f.fail(key('delay_minutes'), tf.errors.delay_minutes ?? 'After (minutes) is required.');
    let channels: Channel[] = ['email'];
    if (item.channels !== undefined && item.channels !== null) {
      const list = Array.isArray(item.channels) ? item.channels : [item.channels];
      if (list.some((c) => typeof c !== 'string' || !(CHANNELS as readonly string[]).includes(c))) {
        f.fail(key('channels'), `Channels must be among: ${CHANNELS.join(', ')}.`);
      } else if (list.length === 0) {
        f.fail(key('channels'), 'Choose at least one channel.');
      } else {
        channels = CHANNELS.filter((c) => list.includes(c));
      }
    }
    const userId = tf.optionalId('user_id', 'Assigned user');
    if (tf.errors.user_id) f.fail(key('user_id'), 'Choose an active member of this process, or leave it empty for the on-call person.');
    let webhookUrl: string | null = null;
    if (channels.includes('webhook')) {
      const problem = webhookUrlProblem(item.webhook_url);
      if (problem) {
        f.fail(key('webhook_url'), problem);
      } else {
        webhookUrl = (item.webhook_url as string).trim();
      }
    }
    const prev = out[out.length - 1];
    if (delay !== null && prev && delay < prev.delay_minutes) {
      f.fail(key('delay_minutes'), `Tier ${i + 1} cannot come before tier ${i} (after ${prev.delay_minutes} min).`);
    }
    out.push({ delay_minutes: delay ?? 0, channels, user_id: userId, webhook_url: webhookUrl });
  });
  return out;
}

/** Tier users must be active staff of the chain's process: another process's user is refused. */
async function checkTierUsers(trx: Trx, processId: number, tiers: TierInput[], f: Fields): Promise<void> {
  const ids = [...new Set(tiers.map((t) => t.user_id).filter((x): x is number => x !== null))];
  if (ids.length === 0) return;
  const users = await trx.selectFrom('users').select(['id', 'process_id', 'is_active', 'role']).where('id', 'in', ids).execute();
  const ok = new Set(users.filter((u) => u.process_id === processId && u.is_active && u.role !== 'client').map((u) => u.id));
  tiers.forEach((t, i) => {
    if (t.user_id !== null && !ok.has(t.user_id)) {
      f.fail(`tiers[${i}].user_id`, 'Choose an active member of this process, or leave it empty for the on-call person.');
    }
  });
}

async function checkName(trx: Trx, processId: number, name: string, exceptId: number | null, f: Fields): Promise<void> {
  const rows = await trx.selectFrom('escalation_chains').select(['id', 'name']).where('process_id', '=', processId).execute();
  if (rows.some((r) => r.id !== exceptId && r.name.toLowerCase() === name.toLowerCase())) {
    f.fail('name', 'This process already has a chain with that name.');
  }
}

function readSeverity(f: Fields): number | null {
  return f.int('trigger_severity', { min: 1, max: 4, label: 'Trigger severity' });
}

function readActive(input: Record<string, unknown>, f: Fields): boolean | undefined {
  const v = input.is_active;
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'on' || v === '1' || v === 1) return true;
  if (v === 'false' || v === '0' || v === 0) return false;
  f.fail('is_active', 'is_active must be true or false.');
  return undefined;
}

async function writeTiers(trx: Trx, processId: number, chainId: number, tiers: TierInput[]): Promise<void> {
  // Tiers are kept by position: a tier that stays keeps its id, so its firings still count as fired.
  const existing = await trx.selectFrom('escalation_tiers').select(['id', 'position']).where('chain_id', '=', chainId)
    .orderBy('position').orderBy('id').execute();
  for (let i = 0; i < tiers.length; i++) {
    const t = tiers[i];
    const values = {
      position: i + 1, delay_minutes: t.delay_minutes, channels: JSON.stringify(t.channels), user_id: t.user_id, webhook_url: t.webhook_url,
    };
    if (existing[i]) await trx.updateTable('escalation_tiers').set(values).where('id', '=', existing[i].id).execute();
    else await trx.insertInto('escalation_tiers').values({ ...values, process_id: processId, chain_id: chainId }).execute();
  }
  const gone = existing.slice(tiers.length).map((t) => t.id);
  if (gone.length) await trx.deleteFrom('escalation_tiers').where('id', 'in', gone).execute();
}

async function view(db: Db, actor: Actor, id: number): Promise<ChainView> {
  const row = await findChain(db, actor, id);
  if (!row) throw notFound('Escalation chain');
  return (await withTiers(db, [row]))[0];
}

export async function getChain(db: Db, actor: Actor, id: number): Promise<ChainView> {
  return view(db, actor, id);
}

export async function createChain(db: Db, actor: Actor, input: Record<string, unknown>, now: Date): Promise<ChainView> {
  if (!can(actor.role, 'escalations.manage')) throw forbidden();
  const f = new Fields(input);
  const name = f.text('name', { required: true, max: NAME_MAX, label: 'Chain name' });
  const severity = readSeverity(f);
  const tiers = readTiers(input.tiers, f);
  const active = readActive(input, f);
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process this chain belongs to.');
    f.check();
  }
  const id = await db.transaction().execute(async (trx) => {
    // Every problem at once: the process, name and tier users are checked even when other fields are wrong.
    const process = await f.ref('process_id', processId,
      (pid) => trx.selectFrom('processes').select('id').where('id', '=', pid).executeTakeFirst(), 'Unknown process.');
    if (process && name) await checkName(trx, processId!, name, null, f);
    if (process && tiers) await checkTierUsers(trx, processId!, tiers, f);
    f.check();
    const chainId = insertedId(await trx.insertInto('escalation_chains').values({
      process_id: processId!, name: name!, trigger_severity: severity, is_active: active ?? true,
      created_by: actor.userId, created_at: now, updated_at: now,
    }).executeTakeFirstOrThrow());
    await writeTiers(trx, processId!, chainId, tiers!);
    await recordAction(trx, actor, now, {
      action: 'escalation_chain.create', entityType: 'escalation_chain', entityId: chainId, processId: processId!,
      changes: { name, trigger_severity: severity, tiers }, summary: name!,
    });
    return chainId;
  });
  return view(db, actor, id);
}

/** Any of name, trigger_severity (null clears it), tiers (the whole list) and is_active. */
export async function updateChain(db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date): Promise<ChainView> {
  if (!can(actor.role, 'escalations.manage')) throw forbidden();
  const f = new Fields(input);
  const name = f.has('name') ? f.text('name', { required: true, max: NAME_MAX, label: 'Chain name' }) : undefined;
  const severity = f.has('trigger_severity') ? readSeverity(f) : undefined;
  const tiers = f.has('tiers') ? readTiers(input.tiers, f) : undefined;
  const active = readActive(input, f);
  // Lost to a change at the same moment: tried again on what won (pausing a paused chain is then the
  // no-op it is on its own, not a second audit entry).
  await retryLostRace('The chain changed meanwhile. Reload and try again.', () => db.transaction().execute(async (trx) => {
    // Another process's chain is a 404 whatever the input.
    const current = await findChain(trx, actor, id);
    if (!current) throw notFound('Escalation chain');
    const set: Record<string, unknown> = {};
    const changes: Record<string, unknown> = {};
    if (name !== undefined && name !== null && name !== current.name) {
      await checkName(trx, current.process_id, name, current.id, f);
      set.name = name;
      changes.name = [current.name, name];
    }
    if (severity !== undefined && severity !== current.trigger_severity) {
      set.trigger_severity = severity;
      changes.trigger_severity = [current.trigger_severity, severity];
    }
    if (active !== undefined && active !== Boolean(current.is_active)) {
      set.is_active = active;
      changes.is_active = [Boolean(current.is_active), active];
    }
    if (tiers) {
      await checkTierUsers(trx, current.process_id, tiers, f);
      changes.tiers = tiers;
    }
    f.check();
    if (Object.keys(changes).length === 0) return;
    // Conditional on the changed fields as read, so two racing changes cannot both apply.
    const res = await whereAsRead(trx.updateTable('escalation_chains').set({ ...set, updated_at: now }).where('id', '=', current.id),
      current, Object.keys(set)).executeTakeFirst();
    if (affected(res) === 0) throw new LostRace();
    if (tiers) await writeTiers(trx, current.process_id, current.id, tiers);
    await recordAction(trx, actor, now, {
      action: 'escalation_chain.update', entityType: 'escalation_chain', entityId: current.id, processId: current.process_id,
      changes, summary: (name ?? current.name)!,
    });
  }));
  return view(db, actor, id);
}

/** Rules of the process that escalate through this chain. */
export async function rulesUsingChain(db: Db | Trx, processId: number, chainId: number) {
  const rules = await db.selectFrom('automation_rules').select(['id', 'name', 'action_config', 'is_active'])
    .where('process_id', '=', processId).where('action_type', '=', 'escalate_chain').orderBy('name').execute();
  return rules.filter((r) => {
    try {
      return Number((JSON.parse(r.action_config) as { chain_id?: unknown }).chain_id) === chainId;
    } catch {
      return false;
    }
  });
}

/** Deletes a chain and its tiers; its firings stay on the incidents' timelines. */
export async function deleteChain(db: Db, actor: Actor, id: number, now: Date): Promise<void> {
  if (!can(actor.role, 'escalations.manage')) throw forbidden();
  await db.transaction().execute(async (trx) => {
    const current = await findChain(trx, actor, id);
    if (!current) throw notFound('Escalation chain');
    const users = await rulesUsingChain(trx, current.process_id, current.id);
    if (users.length) {
      throw conflict(`Automation rule${users.length === 1 ? '' : 's'} ${users.map((r) => `"${r.name}"`).join(', ')} escalate${users.length === 1 ? 's' : ''} via this chain: change or delete ${users.length === 1 ? 'it' : 'them'} first.`);
    }
    await trx.deleteFrom('escalation_tiers').where('chain_id', '=', current.id).execute();
    await (trx as unknown as Transaction<any>).deleteFrom('incident_escalations').where('chain_id', '=', current.id).execute();
    // Deleted by a request at the same moment (MySQL runs them side by side): 404, one audit entry.
    if (affected(await trx.deleteFrom('escalation_chains').where('id', '=', current.id).executeTakeFirst()) === 0) throw notFound('Escalation chain');
    await recordAction(trx, actor, now, {
      action: 'escalation_chain.delete', entityType: 'escalation_chain', entityId: current.id, processId: current.process_id,
      changes: { name: current.name }, summary: current.name,
    });
  });
}
