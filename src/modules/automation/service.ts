import type { Transaction } from 'kysely';
import { recordAction } from '../../audit.js';
import { affected, insertedId, type Db } from '../../db/index.js';
import type { Database } from '../../db/schema.js';
import { forbidden, notFound, validationFailed } from '../../errors.js';
import { can } from '../../roles.js';
import { owningProcess, type Actor } from '../../tenancy.js';
import { Fields } from '../../validation.js';
import { LostRace, retryLostRace, whereAsRead } from '../../races.js';
import { actionConfigJson, readAction, readTrigger, triggerConfigJson, type Action, type Trigger } from './config.js';
import { findRule, type RuleRow } from './queries.js';

type Trx = Transaction<Database>;

export const RULE_NAME_MAX = 120;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function readActive(input: Record<string, unknown>, f: Fields): boolean | undefined {
  const v = input.is_active;
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'on' || v === '1' || v === 1) return true;
  if (v === 'false' || v === '0' || v === 0 || v === '') return false;
  f.fail('is_active', 'is_active must be true or false.');
  return undefined;
}

/** The rule's trigger and action from the input, falling back to the stored ones for a partial update. */
async function readRule(trx: Trx, input: Record<string, unknown>, f: Fields, processId: number, current?: RuleRow): Promise<{ trigger: Trigger | null; action: Action | null }> {
  const process = await trx.selectFrom('processes').select('slug').where('id', '=', processId).executeTakeFirst();
  const knownSlugs = (await trx.selectFrom('processes').select('slug').execute()).map((p) => p.slug);
  const triggerType = input.trigger_type ?? current?.trigger_type;
  const triggerChanged = input.trigger_type !== undefined && input.trigger_type !== current?.trigger_type;
  let triggerConfig = input.trigger_config;
  if (triggerConfig === undefined && current && !triggerChanged) triggerConfig = parseJson(current.trigger_config);
  if (triggerType === undefined) f.fail('trigger_type', 'Trigger is required.');
  else if (triggerConfig === undefined) f.fail('trigger_config', 'Trigger settings are required.');
  const trigger = triggerType !== undefined && triggerConfig !== undefined
    ? readTrigger(triggerType, triggerConfig, f.errors, { processSlug: process?.slug ?? null, knownSlugs })
    : null;

  const actionType = input.action_type ?? current?.action_type;
  const actionChanged = input.action_type !== undefined && input.action_type !== current?.action_type;
  let actionConfig = input.action_config;
  if (actionConfig === undefined && current && !actionChanged) actionConfig = parseJson(current.action_config);
  if (actionType === undefined) f.fail('action_type', 'Action is required.');
  else if (actionConfig === undefined) f.fail('action_config', 'Action settings are required.');
  const action = actionType !== undefined && actionConfig !== undefined ? readAction(actionType, actionConfig, f.errors, trigger) : null;

  if (action?.type === 'escalate_chain') {
    // Only a chain of the rule's own process: another process's chain is as good as unknown.
    const chain = await trx.selectFrom('escalation_chains').select(['id', 'process_id'])
      .where('id', '=', action.chain_id).where('process_id', '=', processId).executeTakeFirst();
    if (!chain) f.fail('action_config.chain_id', 'Choose an escalation chain of this process.');
  }
  return { trigger, action };
}

export async function getRule(db: Db, actor: Actor, id: number): Promise<RuleRow> {
  const row = await findRule(db, actor, id);
  if (!row) throw notFound('Automation rule');
  return row;
}

export async function createRule(db: Db, actor: Actor, input: Record<string, unknown>, now: Date): Promise<RuleRow> {
  if (!can(actor.role, 'automation.manage')) throw forbidden();
  const f = new Fields(input);
  const name = f.text('name', { required: true, max: RULE_NAME_MAX, label: 'Rule name' });
  const active = readActive(input, f);
  const processId = owningProcess(actor, f.optionalId('process_id', 'Process'));
  if (processId === null) {
    f.fail('process_id', 'Choose the process this rule belongs to.');
    f.check();
  }
  const id = await db.transaction().execute(async (trx) => {
    const process = await trx.selectFrom('processes').select('id').where('id', '=', processId!).executeTakeFirst();
    if (!process) {
      f.fail('process_id', 'Unknown process.');
      f.check();
    }
    // Every problem at once: the trigger and action are read even when the name is wrong.
    const { trigger, action } = await readRule(trx, input, f, processId!);
    f.check();
    if (!trigger || !action) throw validationFailed({ trigger_type: 'Trigger and action are required.' });
    const ruleId = insertedId(await trx.insertInto('automation_rules').values({
      process_id: processId!, name: name!, trigger_type: trigger.type, trigger_config: JSON.stringify(triggerConfigJson(trigger)),
      action_type: action.type, action_config: JSON.stringify(actionConfigJson(action)), is_active: active ?? true,
      execution_count: 0, last_run_at: null, created_by: actor.userId, created_at: now, updated_at: now,
    }).executeTakeFirstOrThrow());
    await recordAction(trx, actor, now, {
      action: 'automation_rule.create', entityType: 'automation_rule', entityId: ruleId, processId: processId!,
      changes: { name, trigger_type: trigger.type, trigger_config: triggerConfigJson(trigger), action_type: action.type, action_config: actionConfigJson(action), is_active: active ?? true },
      summary: name!,
    });
    return ruleId;
  });
  return getRule(db, actor, id);
}

/** Any of the rule's fields; the trigger and action are checked again as a whole. */
export async function updateRule(db: Db, actor: Actor, id: number, input: Record<string, unknown>, now: Date): Promise<RuleRow> {
  if (!can(actor.role, 'automation.manage')) throw forbidden();
  const f = new Fields(input);
  const name = f.has('name') ? f.text('name', { required: true, max: RULE_NAME_MAX, label: 'Rule name' }) : undefined;
  const active = readActive(input, f);
  // Lost to a change at the same moment: tried again on what won (pausing a paused rule is then the
  // no-op it is on its own, not a second audit entry).
  await retryLostRace('The rule changed meanwhile. Reload and try again.', () => applyRuleUpdate(db, actor, id, input, f, name, active, now));
  return getRule(db, actor, id);
}

async function applyRuleUpdate(
  db: Db, actor: Actor, id: number, input: Record<string, unknown>, f: Fields, name: string | null | undefined, active: boolean | null | undefined, now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await findRule(trx, actor, id);
    if (!current) throw notFound('Automation rule');
    const { trigger, action } = await readRule(trx, input, f, current.process_id, current);
    f.check();
    if (!trigger || !action) throw validationFailed({ trigger_type: 'Trigger and action are required.' });
    const next = {
      name: name ?? current.name,
      trigger_type: trigger.type,
      trigger_config: JSON.stringify(triggerConfigJson(trigger)),
      action_type: action.type,
      action_config: JSON.stringify(actionConfigJson(action)),
      is_active: active ?? Boolean(current.is_active),
    };
    const changes: Record<string, [unknown, unknown]> = {};
    for (const key of Object.keys(next) as (keyof typeof next)[]) {
      const before = key === 'is_active' ? Boolean(current.is_active) : current[key];
      if (before !== next[key]) changes[key] = [before, next[key]];
    }
    if (Object.keys(changes).length === 0) return;
    // Conditional on the changed fields as read, so two racing changes cannot both apply.
    const res = await whereAsRead(trx.updateTable('automation_rules').set({ ...next, updated_at: now }).where('id', '=', current.id),
      current, Object.keys(changes)).executeTakeFirst();
    if (affected(res) === 0) throw new LostRace();
    const onlyToggle = Object.keys(changes).length === 1 && 'is_active' in changes;
    await recordAction(trx, actor, now, {
      action: onlyToggle ? (next.is_active ? 'automation_rule.activate' : 'automation_rule.deactivate') : 'automation_rule.update',
      entityType: 'automation_rule', entityId: current.id, processId: current.process_id, changes, summary: next.name,
    });
  });
}

export async function setRuleActive(db: Db, actor: Actor, id: number, active: boolean, now: Date): Promise<RuleRow> {
  return updateRule(db, actor, id, { is_active: active }, now);
}

/** Deletes a rule and its execution log (incidents keep their timeline entries). */
export async function deleteRule(db: Db, actor: Actor, id: number, now: Date): Promise<RuleRow> {
  if (!can(actor.role, 'automation.manage')) throw forbidden();
  return db.transaction().execute(async (trx) => {
    const current = await findRule(trx, actor, id);
    if (!current) throw notFound('Automation rule');
    await trx.deleteFrom('automation_executions').where('rule_id', '=', current.id).execute();
    await (trx as unknown as Transaction<any>).updateTable('incident_escalations').set({ rule_id: null }).where('rule_id', '=', current.id).execute();
    // Deleted by a request at the same moment (MySQL runs them side by side): 404, one audit entry.
    if (affected(await trx.deleteFrom('automation_rules').where('id', '=', current.id).executeTakeFirst()) === 0) throw notFound('Automation rule');
    await recordAction(trx, actor, now, {
      action: 'automation_rule.delete', entityType: 'automation_rule', entityId: current.id, processId: current.process_id,
      changes: { name: current.name, execution_count: current.execution_count }, summary: current.name,
    });
    return current;
  });
}
