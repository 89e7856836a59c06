import { performance } from 'node:perf_hooks';
import { openDatabase } from '../../src/db/index.js';
import { dispatchOutbox, type DispatchResult } from '../../src/mail/dispatcher.js';
import { enqueueEmails, type OutgoingEmail } from '../../src/mail/outbox.js';
import { incidentEmail } from '../../src/mail/templates.js';
import { createMailer, messageIdDomain } from '../../src/mail/transport.js';
import type { SmtpConfig } from '../../src/config.js';

/**
 * Outbox fan-out for the benchmark, in a process of its own as the application's dispatcher job
 * runs in the server: queues one incident email to N recipients, then calls the dispatcher until
 * nothing is due, against the SMTP sink that run.ts listens with on 127.0.0.1. Reports one
 * {type:'result'} message over IPC. Bounded: at most 50 dispatcher calls and 120 s.
 */

if (!process.send) {
  console.error('tests/bench/fanout.ts is started by tests/bench/run.ts (it needs an IPC channel)');
  process.exit(2);
}
process.on('disconnect', () => process.exit(1));
const report = (msg: Record<string, unknown>) => new Promise<void>((resolve) => {
  process.send!(msg, undefined, {}, () => resolve());
});

const recipients = Number(process.env.BENCH_RECIPIENTS || 1000);
const smtp: SmtpConfig = {
  host: '127.0.0.1', port: Number(process.env.BENCH_SMTP_PORT), from: 'ops@d2c-ops.test', ignoreTls: true,
};
const handle = openDatabase(process.env.BENCH_DATABASE_URL!);
const db = handle.db;
const mailer = createMailer(smtp);

try {
  const incident = await db.selectFrom('incidents').innerJoin('processes', 'processes.id', 'incidents.process_id')
    .select(['incidents.id', 'incidents.title', 'incidents.severity', 'incidents.status', 'incidents.description',
      'incidents.opened_at', 'incidents.resolved_at', 'incidents.process_id', 'processes.name as process_name', 'processes.timezone as process_timezone'])
    .where('processes.slug', '=', 'momo')
    .orderBy('incidents.opened_at', 'desc').orderBy('incidents.id', 'desc')
    .limit(1).executeTakeFirstOrThrow();
  const rendered = incidentEmail('created', {
    appUrl: 'http://127.0.0.1', incident, processName: incident.process_name, processTimezone: incident.process_timezone, assigneeName: null, actorName: 'Momo Operator',
  });
  const emails: OutgoingEmail[] = Array.from({ length: recipients }, (_, i) => ({
    to: `bench-${String(i + 1).padStart(4, '0')}@bench.test`,
    subject: rendered.subject, html: rendered.html, text: rendered.text,
    template: 'incident.created', processId: incident.process_id, entityType: 'incident', entityId: incident.id,
  }));

  const t0 = performance.now();
  // One transaction, as a change that fans out does; statements of 250 rows keep each INSERT well
  // under MariaDB's max_allowed_packet with these ~html-sized rows.
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < emails.length; i += 250) await enqueueEmails(trx, emails.slice(i, i + 250), new Date());
  });
  const enqueueSeconds = (performance.now() - t0) / 1000;

  const total: DispatchResult = { sent: 0, bounced: 0, retried: 0, failed: 0 };
  const t1 = performance.now();
  let calls = 0;
  while (calls < 50 && performance.now() - t1 < 120_000) {
    calls++;
    const r = await dispatchOutbox(db, mailer, new Date(), { batchSize: 200, concurrency: 5, messageIdDomain: messageIdDomain(smtp) });
    total.sent += r.sent;
    total.bounced += r.bounced;
    total.retried += r.retried;
    total.failed += r.failed;
    const left = await db.selectFrom('email_outbox').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', ['queued', 'sending', 'retrying']).executeTakeFirstOrThrow();
    if (Number(left.n) === 0) break;
  }
  const dispatchSeconds = (performance.now() - t1) / 1000;
  await report({
    type: 'result', recipients, enqueueSeconds, dispatchSeconds, calls, ...total,
    htmlBytes: Buffer.byteLength(rendered.html), rss: process.memoryUsage().rss,
  });
} catch (e) {
  await report({ type: 'error', message: (e as Error).stack ?? String(e) });
} finally {
  mailer.close();
  await handle.close();
  process.exit(0);
}
