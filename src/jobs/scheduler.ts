import { Cron } from 'croner';
import type { Deps } from '../deps.js';
import { dispatchOutbox } from '../mail/dispatcher.js';
import { getMailer, messageIdDomain, type Mailer } from '../mail/transport.js';
import { dispatchWebhooks } from '../webhooks/dispatcher.js';

/**
 * Background jobs in the server process. Each job takes `now` from the application clock, claims
 * its own work atomically (so several instances may run the same jobs) and never overlaps itself.
 */

export interface JobDefinition {
  name: string;
  /** A croner pattern; 6 fields start with seconds ("0 0 2 * * *" is 02:00:00 daily). */
  cron?: string;
  /** Or: run every N seconds. */
  intervalSeconds?: number;
  /** IANA zone the cron pattern is read in (default UTC). */
  timezone?: string;
  run: (now: Date) => Promise<unknown>;
}

export interface RunningJobs {
  /** Stops every job and waits for the runs in progress to finish. */
  stop(): Promise<void>;
}

export const OUTBOX_INTERVAL_SECONDS = 10;

export function startJobs(deps: Pick<Deps, 'clock' | 'log'>, jobs: (JobDefinition | null | undefined)[]): RunningJobs {
  const inFlight = new Set<Promise<void>>();
  const crons: Cron[] = [];
  for (const job of jobs) {
    if (!job) continue;
    if (!job.cron && !job.intervalSeconds) throw new Error(`job ${job.name} needs a cron pattern or an interval`);
    const tick = (): Promise<void> => {
      const started = Date.now();
      const run = (async () => {
        try {
          const result = await job.run(deps.clock());
          deps.log.debug('job done', { job: job.name, ms: Date.now() - started, result: result as unknown });
        } catch (err) {
          deps.log.error('job failed', { job: job.name, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        }
      })();
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
      return run;
    };
    const pattern = job.cron ?? '* * * * * *';
    const cron = new Cron(pattern, {
      protect: (blocked) => deps.log.debug('job still running, tick skipped', { job: job.name, since: blocked.currentRun()?.toISOString() }),
      interval: job.cron ? undefined : Math.max(1, Math.round(job.intervalSeconds!)),
      timezone: job.timezone,
      unref: false,
    }, tick);
    crons.push(cron);
    deps.log.info('job scheduled', { job: job.name, cron: job.cron, intervalSeconds: job.intervalSeconds, next: cron.nextRun()?.toISOString() });
  }
  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= (async () => {
        for (const c of crons) c.stop();
        await Promise.allSettled([...inFlight]);
      })();
      return stopping;
    },
  };
}

/**
 * The email dispatcher as a job (every 10 s). Without SMTP settings there is no job: mail stays
 * queued and admins see it on the Email Log.
 */
export function outboxJob(deps: Pick<Deps, 'config' | 'db'>, mailer?: Mailer): JobDefinition | null {
  const smtp = deps.config.smtp;
  if (!smtp) return null;
  const m = mailer ?? getMailer(smtp);
  const domain = messageIdDomain(smtp);
  return {
    name: 'email-outbox',
    intervalSeconds: OUTBOX_INTERVAL_SECONDS,
    run: (now) => dispatchOutbox(deps.db, m, now, { messageIdDomain: domain }),
  };
}

/** The webhook dispatcher as a job (every 10 s); it needs no SMTP, so it always runs. */
export function webhookJob(deps: Pick<Deps, 'db'>): JobDefinition {
  return {
    name: 'webhook-outbox',
    intervalSeconds: OUTBOX_INTERVAL_SECONDS,
    run: (now) => dispatchWebhooks(deps.db, now),
  };
}
