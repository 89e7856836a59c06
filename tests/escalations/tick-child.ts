/**
 * One engine instance in a process of its own, for the exactly-once tests: opens the database,
 * says "ready", waits for "go" on stdin (so two instances start together), runs the worker's
 * automation and escalation tasks at NOW, prints the results as JSON and exits.
 *
 *   DB_URL=sqlite:/tmp/x.sqlite NOW=2026-05-09T08:00:00.000Z [CRASH=after-claim|after-commit] \
 *     node --import tsx tests/escalations/tick-child.ts
 *
 * CRASH ends the process abruptly (as a kill would) right after the first claim, inside its
 * transaction, or right after the first firing committed, before anything is sent.
 */
import { createInterface } from 'node:readline';
import { openDatabase } from '../../src/db/index.js';
import { runAutomation } from '../../src/modules/automation/engine.js';
import { runEscalations, type EngineHooks } from '../../src/modules/escalations/engine.js';
import { engine } from '../../src/modules/escalations/store.js';

const url = process.env.DB_URL;
const now = new Date(process.env.NOW ?? '');
if (!url || Number.isNaN(now.getTime())) {
  console.error('DB_URL and NOW are required');
  process.exit(2);
}
const crash = process.env.CRASH ?? '';
const tasks = (process.env.TASKS ?? 'automation,escalations').split(',');
const hooks: EngineHooks = {
  afterClaim: () => {
    if (crash === 'after-claim') process.exit(3);
  },
  afterCommit: () => {
    if (crash === 'after-commit') process.exit(3);
  },
};

async function main(): Promise<void> {
  const handle = openDatabase(url!, { poolSize: 4 });
  // Touch the database before saying ready, so both instances start from an open connection.
  await handle.db.selectFrom('processes').select('id').limit(1).execute();
  process.stdout.write('ready\n');
  const rl = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => rl.once('line', () => resolve()));
  rl.close();
  const db = engine(handle.db);
  const mail = { appUrl: 'http://localhost:3000' };
  const out: Record<string, unknown> = {};
  if (tasks.includes('automation')) out.automation = await runAutomation(db, now, { mail, hooks, intervalMs: 60_000 });
  if (tasks.includes('escalations')) out.escalations = await runEscalations(db, now, { mail, hooks });
  process.stdout.write(`${JSON.stringify(out)}\n`);
  await handle.close();
}

main().then(() => process.exit(0), (err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
