import type { Selectable } from 'kysely';
import type { DowntimeEventsTable } from '../../db/schema.js';
import { iso } from '../../http/api.js';
import { formatDuration } from '../../time.js';

export type DowntimeEvent = Selectable<DowntimeEventsTable>;

/** The stored JSON array of services, as strings; anything unreadable becomes an empty list. */
export function servicesOf(raw: string | null | undefined): string[] {
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * How long the event lasted (ended) or has lasted so far (ongoing), in ms. Both ends are UTC
 * instants, so neither the server's nor the viewer's zone plays a part; it is never negative.
 */
export function durationMs(d: Pick<DowntimeEvent, 'started_at' | 'ended_at'>, now: Date): number {
  const end = d.ended_at ?? now;
  return Math.max(0, end.getTime() - d.started_at.getTime());
}

/** The downtime record of API.md, plus status and duration. */
export function serializeDowntime(d: DowntimeEvent, now: Date) {
  const ms = durationMs(d, now);
  return {
    id: d.id,
    process_id: d.process_id,
    incident_id: d.incident_id,
    started_at: iso(d.started_at),
    ended_at: iso(d.ended_at),
    services_affected: servicesOf(d.services_affected),
    impact_level: d.impact_level,
    notes: d.notes,
    status: d.ended_at ? ('ended' as const) : ('ongoing' as const),
    duration_minutes: Math.floor(ms / 60_000),
    duration_text: formatDuration(ms),
    created_by: d.created_by,
    created_at: iso(d.created_at),
  };
}
