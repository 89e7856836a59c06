import { iso } from '../../http/api.js';
import type { OnCallShift, OncallRole } from './lookup.js';
import type { OncallRow, RotationRow } from './queries.js';
import type { CoverageReport, GenerateResult } from './service.js';

/** A schedule row: the seed's columns plus the person, the process and the shift's instants. */
export function serializeOncall(r: OncallRow) {
  return {
    id: r.id,
    process_id: r.process_id,
    process_slug: r.process_slug,
    process_name: r.process_name,
    user_id: r.user_id,
    user_name: r.user_name,
    user_email: r.user_email,
    date: r.date,
    role: r.role,
    rotation_id: r.rotation_id,
    rotation_name: r.rotation_name ?? null,
    time_zone: r.process_timezone,
    handoff_time: r.handoff_time ?? '00:00',
    starts_at: iso(r.window.start),
    ends_at: iso(r.window.end),
    created_at: iso(r.created_at),
  };
}

export function serializeRotation(r: RotationRow) {
  return {
    id: r.id,
    process_id: r.process_id,
    process_slug: r.process_slug,
    name: r.name,
    role: r.role,
    member_ids: r.memberIds,
    members: r.members.map((m) => ({ id: m.id, name: m.name, is_active: m.is_active })),
    start_date: r.start_date,
    handoff_time: r.handoff_time,
    shift_days: r.shift_days,
    time_zone: r.process_timezone,
    created_by: r.created_by,
    created_at: iso(r.created_at),
  };
}

export function serializeGenerate(g: GenerateResult) {
  return { from: g.from, to: g.to, created: g.created, kept: g.kept, skipped: g.skipped };
}

/** `{primary, backup, escalation}`, each null or `{id, name, email}` (API.md). */
export function serializeNow(shifts: Record<OncallRole, OnCallShift | null>) {
  const person = (s: OnCallShift | null) => (s ? { id: s.id, name: s.name, email: s.email } : null);
  return { primary: person(shifts.primary), backup: person(shifts.backup), escalation: person(shifts.escalation) };
}

/** Extra detail beside API.md's fields: each role's shift (until when) and the account state. */
export function serializeNowShifts(shifts: Record<OncallRole, OnCallShift | null>) {
  const shift = (s: OnCallShift | null) => (s
    ? { user_id: s.id, schedule_id: s.row_id, date: s.date, starts_at: iso(s.window.start), ends_at: iso(s.window.end), is_active: s.is_active }
    : null);
  return { primary: shift(shifts.primary), backup: shift(shifts.backup), escalation: shift(shifts.escalation) };
}

export function serializeCoverage(r: CoverageReport) {
  return {
    process_id: r.process.id,
    process_slug: r.process.slug,
    from: r.from,
    to: r.to,
    days_without_primary: r.missingPrimary,
    unreachable: r.unreachable.map((u) => ({ user_id: u.user_id, name: u.name, email: u.email, reason: u.reason, dates: u.dates })),
  };
}
