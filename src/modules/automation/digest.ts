import { genericEmail, type RenderedEmail } from '../../mail/templates.js';
import { formatDuration } from '../../time.js';
import type { EngineExecutor } from '../escalations/store.js';

/**
 * The email digest of an automation rule: the process's open incidents (most severe and oldest
 * first) and SLA figures. SLA targets per severity — time to acknowledge (In Progress) and to
 * resolve — are the platform's defaults, listed in the README.
 */

export const SLA_TARGETS: Record<number, { ackMinutes: number; resolveMinutes: number }> = {
  1: { ackMinutes: 15, resolveMinutes: 4 * 60 },
  2: { ackMinutes: 30, resolveMinutes: 8 * 60 },
  3: { ackMinutes: 2 * 60, resolveMinutes: 24 * 60 },
  4: { ackMinutes: 8 * 60, resolveMinutes: 72 * 60 },
};

const LIST_MAX = 25;
const DAY = 86_400_000;

export interface Digest {
  openTotal: number;
  openBySeverity: Record<number, number>;
  inProgress: number;
  breaching: number;
  oldest: { id: number; title: string; severity: number; status: string; opened_at: Date; assignee_name: string | null }[];
  last24h: { opened: number; resolved: number; mttaMinutes: number | null; mttrMinutes: number | null; withinSla: number; resolvedCount: number };
}

export async function buildDigest(db: EngineExecutor, processId: number, now: Date): Promise<Digest> {
  const counts = await db.selectFrom('incidents')
    .select(['severity', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('process_id', '=', processId)
    .where('status', 'in', ['open', 'in_progress'])
    .groupBy(['severity', 'status'])
    .execute();
  const openBySeverity: Record<number, number> = { 1: 0, 2: 0, 3: 0, 4: 0 };
  let inProgress = 0;
  for (const c of counts) {
    openBySeverity[c.severity] = (openBySeverity[c.severity] ?? 0) + Number(c.n);
    if (c.status === 'in_progress') inProgress += Number(c.n);
  }
  const openTotal = Object.values(openBySeverity).reduce((a, b) => a + b, 0);

  let breaching = 0;
  for (const sev of [1, 2, 3, 4]) {
    const row = await db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('process_id', '=', processId).where('status', 'in', ['open', 'in_progress'])
      .where('opened_at', '<', new Date(now.getTime() - SLA_TARGETS[sev].resolveMinutes * 60_000))
      .where('severity', '=', sev)
      .executeTakeFirstOrThrow();
    breaching += Number(row.n);
  }

  const oldest = await db.selectFrom('incidents')
    .leftJoin('users', 'users.id', 'incidents.assigned_to')
    .select(['incidents.id', 'incidents.title', 'incidents.severity', 'incidents.status', 'incidents.opened_at', 'users.name as assignee_name'])
    .where('incidents.process_id', '=', processId)
    .where('incidents.status', 'in', ['open', 'in_progress'])
    .orderBy('incidents.severity', 'asc').orderBy('incidents.opened_at', 'asc').orderBy('incidents.id', 'asc')
    .limit(LIST_MAX)
    .execute();

  const recent = await db.selectFrom('incidents')
    .select(['severity', 'opened_at', 'acknowledged_at', 'resolved_at'])
    .where('process_id', '=', processId)
    .where('opened_at', '>=', new Date(now.getTime() - DAY))
    .where('opened_at', '<=', now)
    .execute();
  const acks = recent.filter((r) => r.acknowledged_at).map((r) => r.acknowledged_at!.getTime() - r.opened_at.getTime());
  const resolved = recent.filter((r) => r.resolved_at);
  const fixes = resolved.map((r) => r.resolved_at!.getTime() - r.opened_at.getTime());
  const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length / 60_000) : null);
  const withinSla = resolved.filter((r) => r.resolved_at!.getTime() - r.opened_at.getTime() <= (SLA_TARGETS[r.severity] ?? SLA_TARGETS[4]).resolveMinutes * 60_000).length;
  return {
    openTotal, openBySeverity, inProgress, breaching,
    oldest: oldest.map((o) => ({ ...o, assignee_name: o.assignee_name ?? null })),
    last24h: { opened: recent.length, resolved: resolved.length, mttaMinutes: mean(acks), mttrMinutes: mean(fixes), withinSla, resolvedCount: resolved.length },
  };
}

const minutes = (m: number | null) => (m === null ? '—' : formatDuration(m * 60_000));

export function digestEmail(d: { appUrl: string; ruleName: string; processName: string; digest: Digest; now: Date }): RenderedEmail {
  const g = d.digest;
  const sla = g.last24h.resolvedCount ? `${Math.round((g.last24h.withinSla / g.last24h.resolvedCount) * 100)}%` : '—';
  const lines = [
    `${d.processName} has ${g.openTotal} unresolved incident${g.openTotal === 1 ? '' : 's'} (${g.inProgress} in progress); `
      + `${g.breaching} ${g.breaching === 1 ? 'is past the resolution target of its' : 'are past the resolution target of their'} severity.`,
  ];
  if (g.oldest.length) {
    lines.push(`Most severe and oldest first${g.openTotal > g.oldest.length ? ` (${g.oldest.length} of ${g.openTotal})` : ''}:`);
    for (const o of g.oldest) {
      lines.push(`• Sev ${o.severity} · ${o.status.replace('_', ' ')} · open ${formatDuration(d.now.getTime() - o.opened_at.getTime())} · #${o.id} ${o.title}`
        + ` · ${o.assignee_name ?? 'unassigned'}`);
    }
  } else {
    lines.push('No unresolved incidents. Well done.');
  }
  return genericEmail({
    appUrl: d.appUrl,
    subject: `${d.ruleName}: ${g.openTotal} open incident${g.openTotal === 1 ? '' : 's'} in ${d.processName}`,
    heading: `${d.ruleName} — ${d.processName}`,
    lines,
    facts: [
      { label: 'Open Sev 1 / 2 / 3 / 4', value: [1, 2, 3, 4].map((s) => g.openBySeverity[s] ?? 0).join(' / ') },
      { label: 'Past resolution target', value: String(g.breaching) },
      { label: 'Opened (last 24 h)', value: String(g.last24h.opened) },
      { label: 'Resolved of those', value: String(g.last24h.resolved) },
      { label: 'Mean time to acknowledge', value: minutes(g.last24h.mttaMinutes) },
      { label: 'Mean time to resolve', value: minutes(g.last24h.mttrMinutes) },
      { label: 'Resolved within SLA', value: sla },
    ],
    link: { href: '/incidents?status=active', label: 'View open incidents' },
  });
}
