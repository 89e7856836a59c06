import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { runAutomation } from '../../src/modules/automation/engine.js';
import { runEscalations, type EngineHooks } from '../../src/modules/escalations/engine.js';
import { engine } from '../../src/modules/escalations/store.js';
import { localDate } from '../../src/time.js';
import { BASE, type TestApp } from '../helpers/app.js';

/** Shared by the escalation and automation tests. */

export const MIN = 60_000;

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export async function userId(t: TestApp, email: string): Promise<number> {
  return (await t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

export async function processOf(t: TestApp, slug: string): Promise<{ id: number; timezone: string }> {
  return t.db.selectFrom('processes').select(['id', 'timezone']).where('slug', '=', slug).executeTakeFirstOrThrow();
}

export async function countRows(t: TestApp, table: string, where: (q: any) => any = (q) => q): Promise<number> {
  const q = where((t.db as any).selectFrom(table).select(sql<number>`count(*)`.as('n')));
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** One worker tick of the engine (automation, then escalations), as the worker runs it. */
export async function tick(t: TestApp, hooks?: EngineHooks) {
  const db = engine(t.db);
  const mail = { appUrl: BASE };
  const now = t.clock.now();
  const automation = await runAutomation(db, now, { mail, hooks, intervalMs: 60_000 });
  const escalations = await runEscalations(db, now, { mail, hooks });
  return { automation, escalations };
}

export async function openIncident(t: TestApp, email: string, body: Record<string, unknown>): Promise<{ id: number; [k: string]: any }> {
  const res = await t.api(email, 'POST', '/incidents', body);
  if (res.status !== 201) throw new Error(`incident not created: ${res.status} ${await res.text()}`);
  return json(res);
}

export async function timelineOf(t: TestApp, incidentId: number, kind?: string): Promise<string[]> {
  let q = t.db.selectFrom('incident_events').select(['kind', 'message']).where('incident_id', '=', incidentId).orderBy('id');
  if (kind) q = q.where('kind', '=', kind);
  return (await q.execute()).map((e) => e.message);
}

export async function firingsOf(t: TestApp, incidentId: number) {
  return t.db.selectFrom('escalation_executions')
    .innerJoin('escalation_tiers', 'escalation_tiers.id', 'escalation_executions.tier_id')
    .select(['escalation_executions.id', 'escalation_executions.tier_id', 'escalation_tiers.position', 'escalation_tiers.delay_minutes',
      'escalation_executions.target_user_id', 'escalation_executions.chain_id', 'escalation_executions.fired_at'])
    .where('escalation_executions.incident_id', '=', incidentId)
    .orderBy('escalation_executions.id')
    .execute();
}

export async function escalationMails(t: TestApp, incidentId: number) {
  return t.db.selectFrom('email_outbox').select(['id', 'to_address', 'subject', 'text', 'channel', 'status'])
    .where('entity_type', '=', 'incident').where('entity_id', '=', incidentId).where('template', '=', 'escalation.tier')
    .orderBy('id').execute();
}

/** Replaces a process's on-call schedule for the calendar day of `at` with the given people. */
export async function setOnCall(t: TestApp, processId: number, tz: string, at: Date, people: { primary?: number; backup?: number }) {
  await t.db.deleteFrom('oncall_schedules').where('process_id', '=', processId).execute();
  const date = localDate(at, tz);
  if (people.primary) {
    await t.db.insertInto('oncall_schedules').values({
      process_id: processId, user_id: people.primary, date, role: 'primary', primary_date: date, created_at: at,
    }).execute();
  }
  if (people.backup) {
    await t.db.insertInto('oncall_schedules').values({
      process_id: processId, user_id: people.backup, date, role: 'backup', primary_date: null, created_at: at,
    }).execute();
  }
}

export interface ChildTick {
  /** Resolves when the child has its database open. */
  ready: Promise<void>;
  go(): void;
  /** Exit code and the JSON it printed (null when it crashed before printing). */
  done: Promise<{ code: number | null; result: any; stderr: string }>;
}

/** An engine instance in another process (see tick-child.ts). */
export function childTick(dbUrl: string, now: Date, env: Record<string, string> = {}): ChildTick {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/escalations/tick-child.ts'], {
    env: { ...process.env, DB_URL: dbUrl, NOW: now.toISOString(), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += String(d); });
  const lines = createInterface({ input: child.stdout });
  let result: any = null;
  let markReady: () => void;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  lines.on('line', (line) => {
    if (line === 'ready') markReady();
    else if (line.startsWith('{')) result = JSON.parse(line);
  });
  const done = new Promise<{ code: number | null; result: any; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      markReady();
      resolve({ code, result, stderr });
    });
  });
  return { ready, go: () => child.stdin.write('go\n'), done };
}
