import type { OnCallShift } from '../../src/modules/oncall/lookup.js';
import type { CoverageReport, ProcessOnCall } from '../../src/modules/oncall/service.js';
import { formatDay, roleLabel } from '../../src/modules/oncall/shifts.js';
import { Badge, type Tone } from '../components/Badge.js';
import { Icon } from '../components/Icon.js';
import { LocalTime } from '../components/Time.js';

export const ROLE_TONE: Record<string, Tone> = { primary: 'navy', backup: 'sky', escalation: 'amber' };

export function RoleBadge(props: { role: string }) {
  return <Badge tone={ROLE_TONE[props.role] ?? 'slate'}>{props.role}</Badge>;
}

function Person(props: { role: 'primary' | 'backup' | 'escalation'; shift: OnCallShift | null; tz: string }) {
  const s = props.shift;
  return (
    <div class="min-w-0" data-oncall-role={props.role}>
      <div class="text-xs font-semibold uppercase tracking-wide text-slate-500">{roleLabel(props.role)}</div>
      {s ? (
        <>
          <div class="truncate font-semibold text-navy" data-testid={`oncall-now-${props.role}`}>
            {s.name}
            {s.is_active ? null : <span class="ml-1 align-middle"><Badge tone="danger">inactive</Badge></span>}
          </div>
          <div class="text-xs text-slate-500">until <LocalTime at={s.window.end} tz={props.tz} /></div>
        </>
      ) : (
        <div class="font-medium text-slate-500" data-testid={`oncall-now-${props.role}`}>Nobody</div>
      )}
    </div>
  );
}

/**
 * "On call now": primary, backup and escalation of the process, each with the end of their shift.
 * A super_admin viewing every process gets one line per process.
 */
export function OnCallNowCard(props: { items: ProcessOnCall[]; link?: boolean }) {
  const many = props.items.length > 1;
  return (
    <section class="rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="oncall-now" aria-labelledby="oncall-now-title">
      <div class="flex items-center justify-between border-b border-slate-200 px-4 py-3">
        <h2 id="oncall-now-title" class="flex items-center gap-2 font-semibold text-navy">
          <Icon name="phone" class="h-4 w-4 text-teal" /> On call now
        </h2>
        {props.link ? <a href="/oncall" class="text-sm font-semibold text-teal hover:underline">Schedule →</a> : null}
      </div>
      {props.items.length === 0 ? (
        <p class="px-4 py-4 text-sm text-slate-500">No process to show.</p>
      ) : many ? (
        <ul class="divide-y divide-slate-100">
          {props.items.map((i) => (
            <li class="grid grid-cols-1 gap-2 px-4 py-3 sm:grid-cols-4" data-process={i.process.slug}>
              <div class="text-sm font-semibold text-slate-700">{i.process.name}</div>
              <Person role="primary" shift={i.shifts.primary} tz={i.process.timezone} />
              <Person role="backup" shift={i.shifts.backup} tz={i.process.timezone} />
              <Person role="escalation" shift={i.shifts.escalation} tz={i.process.timezone} />
            </li>
          ))}
        </ul>
      ) : (
        <div class="grid grid-cols-1 gap-4 px-4 py-4 sm:grid-cols-3" data-process={props.items[0].process.slug}>
          <Person role="primary" shift={props.items[0].shifts.primary} tz={props.items[0].process.timezone} />
          <Person role="backup" shift={props.items[0].shifts.backup} tz={props.items[0].process.timezone} />
          <Person role="escalation" shift={props.items[0].shifts.escalation} tz={props.items[0].process.timezone} />
        </div>
      )}
    </section>
  );
}

function dayList(dates: string[]): string {
  const shown = dates.slice(0, 6).map(formatDay);
  return dates.length > 6 ? `${shown.join(', ')} and ${dates.length - 6} more` : shown.join(', ');
}

/**
 * The coverage warning: days of the next 14 without a primary, and on-call people who cannot be
 * reached. Renders nothing when coverage is complete.
 */
export function CoverageWarning(props: { reports: CoverageReport[]; showProcess: boolean; manage?: boolean }) {
  const problems = props.reports.filter((r) => r.missingPrimary.length > 0 || r.unreachable.length > 0);
  if (problems.length === 0) return <div data-testid="coverage-ok"></div>;
  return (
    <section class="rounded-xl border border-amber/40 bg-amber/5 px-4 py-3" role="alert" data-testid="coverage-warning">
      <h2 class="flex items-center gap-2 font-semibold text-amber-dark">
        <Icon name="alert" class="h-4 w-4" /> On-call coverage needs attention
      </h2>
      <ul class="mt-2 space-y-1 text-sm text-slate-700">
        {problems.map((r) => (
          <>
            {r.missingPrimary.length > 0 ? (
              <li data-coverage="missing-primary" data-process={r.process.slug}>
                {props.showProcess ? <span class="font-semibold">{r.process.name}: </span> : null}
                {r.missingPrimary.length === 1 ? '1 day' : `${r.missingPrimary.length} days`} of the next 14 {r.missingPrimary.length === 1 ? 'has' : 'have'} no primary on call: {dayList(r.missingPrimary)}.
              </li>
            ) : null}
            {r.unreachable.map((u) => (
              <li data-coverage="unreachable" data-user={u.user_id} data-process={r.process.slug}>
                {props.showProcess ? <span class="font-semibold">{r.process.name}: </span> : null}
                <span class="font-semibold">{u.name}</span> {u.reason === 'inactive' ? 'has an inactive account' : 'has no usable email address'} but is on call on {dayList(u.dates)}.
              </li>
            ))}
          </>
        ))}
      </ul>
      {props.manage ? <a href="/oncall" class="mt-2 inline-block text-sm font-semibold text-teal hover:underline">Fix the schedule →</a> : null}
    </section>
  );
}
