import type { Deps } from '../deps.js';
import { sendUnattendedReminders } from '../modules/incidents/reminders.js';
import { runAutomation } from '../modules/automation/engine.js';
import { runEscalations } from '../modules/escalations/engine.js';
import { engine } from '../modules/escalations/store.js';
import type { JobDefinition } from './scheduler.js';

/**
 * The background worker of the original (every 60 s by default): each task claims its own work
 * atomically, so ticks from several instances, or after a restart, never repeat or skip anything.
 */
export function workerTasks(deps: Pick<Deps, 'db' | 'config'>): { name: string; run: (now: Date) => Promise<number> }[] {
  const mail = { appUrl: deps.config.appUrl };
  const log = (deps as Partial<Pick<Deps, 'log'>>).log;
  const intervalMs = deps.config.workerIntervalSeconds * 1000;
  return [
    { name: 'unattended-reminders', run: (now) => sendUnattendedReminders(deps.db, now, mail) },
    // Automation first: a rule that escalates via a chain asks the escalation task, next, to fire.
    { name: 'automation', run: async (now) => (await runAutomation(engine(deps.db), now, { mail, log, intervalMs })).executed },
    { name: 'escalations', run: async (now) => (await runEscalations(engine(deps.db), now, { mail, log })).fired },
  ];
}

/** One tick: every task in turn; a failing task does not stop the others. */
export async function workerTick(deps: Pick<Deps, 'db' | 'config' | 'log'>, now: Date): Promise<Record<string, number | string>> {
  const result: Record<string, number | string> = {};
  for (const task of workerTasks(deps)) {
    try {
      result[task.name] = await task.run(now);
    } catch (err) {
      result[task.name] = 'failed';
      deps.log.error('worker task failed', { task: task.name, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  }
  return result;
}

export function workerJob(deps: Pick<Deps, 'db' | 'config' | 'log'>): JobDefinition {
  return { name: 'worker', intervalSeconds: deps.config.workerIntervalSeconds, run: (now) => workerTick(deps, now) };
}
