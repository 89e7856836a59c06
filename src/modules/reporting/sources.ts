import { setImmediate } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Db } from '../../db/index.js';
import type { Permission } from '../../roles.js';
import { crossesProcesses, processFilter, scoped, type Actor } from '../../tenancy.js';
import { formatDuration } from '../../time.js';
import { hinted } from './hint.js';
import type { PdfColumn } from './pdf.js';

/**
 * What each report holds: its rows (read in keyset batches, oldest first, within the date range and
 * the actor's scope) and its columns, for CSV (every field, ISO timestamps) and for PDF (what fits
 * on a landscape page, times in the reader's zone).
 */

export const BATCH = 1000;

export type Cell = string | number | null;

export interface Column<R> {
  header: string;
  csv?: (r: R) => Cell;
  pdf?: (r: R, tz: string) => string;
  /** PDF: relative width and how many lines the cell may wrap to. */
  width?: number;
  lines?: number;
  align?: 'left' | 'right';
  /** Only when the report spans several processes. */
  crossOnly?: boolean;
}

export interface Range {
  start: Date;
  end: Date;
}

export interface ReportDef<R> {
  key: 'incidents' | 'downtime' | 'audit';
  title: string;
  /** "Opened", "Started", "Recorded": what the date range applies to. */
  rangeLabel: string;
  permission: Permission;
  columns: Column<R>[];
  batches(db: Db, actor: Actor, range: Range): AsyncGenerator<R[]>;
  count(db: Db, actor: Actor, range: Range): Promise<number>;
}

const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** "2026-05-08 05:23" in the zone. */
export function localStamp(d: Date | null | undefined, tz: string): string {
  if (!d) return '';
  const p: Record<string, string> = {};
  for (const part of new Intl.DateTimeFormat('en-CA', {
    timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(d)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/**
 * Names of the people and processes rows refer to, looked up per batch for the ids not seen yet and
 * remembered for the rest of the export. (Joining them in the batch query makes MariaDB read the
 * process's whole index prefix instead of seeking to the cursor.)
 */
class Names {
  private readonly users = new Map<number, { name: string; email: string }>();
  private readonly processes = new Map<number, string>();

  constructor(private readonly db: Db) {}

  async load(userIds: (number | null)[], processIds: (number | null)[]): Promise<void> {
    const users = [...new Set(userIds)].filter((id): id is number => id !== null && !this.users.has(id));
    if (users.length) {
      for (const u of await this.db.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', users).execute()) {
        this.users.set(u.id, { name: u.name, email: u.email });
      }
    }
    const processes = [...new Set(processIds)].filter((id): id is number => id !== null && !this.processes.has(id));
    if (processes.length) {
      for (const p of await this.db.selectFrom('processes').select(['id', 'name']).where('id', 'in', processes).execute()) {
        this.processes.set(p.id, p.name);
      }
    }
  }

  user(id: number | null) {
    return id === null ? undefined : this.users.get(id);
  }

  process(id: number | null): string | null {
    return id === null ? null : this.processes.get(id) ?? null;
  }
}

export type After = { at: Date; id: number } | null;

const DAY_MS = 86_400_000;

/**
 * Rows in batches, oldest first, by keyset on (instant, id) inside a moving time window: each batch
 * is one short query over [lower, upper) after the cursor, so an export of any size holds one batch
 * in memory, never a connection between batches, and costs the same per batch at the end as at the
 * start. The window shrinks where rows are dense and grows where they are sparse; keeping it small
 * is what makes MariaDB seek the index at the cursor (over a wide range it prefers to read the
 * process's index prefix from the start).
 */
export async function* keyset<R extends { id: number }>(
  range: Range,
  fetch: (lower: Date, upper: Date, after: After) => Promise<R[]>,
  at: (r: R) => Date,
): AsyncGenerator<R[]> {
  const end = range.end.getTime();
  let lower = range.start.getTime();
  let after: After = null;
  let window = Math.max(1, Math.min(DAY_MS, end - lower));
  while (lower < end) {
    const upper = Math.min(end, lower + window);
    const rows = await fetch(new Date(lower), new Date(upper), after);
    // Let the event loop serve other requests between batches. SQLite answers synchronously and a
    // fast reader's socket never pushes back, so without this a long export is one unbroken run of
    // promise callbacks and every other user waits for its end.
    await setImmediate();
    if (rows.length) yield rows;
    if (rows.length >= BATCH) {
      const last = rows[rows.length - 1];
      after = { at: at(last), id: last.id };
      lower = after.at.getTime();
      window = Math.max(1, Math.floor(window / 2));
    } else {
      // Everything before `upper` has been read.
      lower = upper;
      after = null;
      window *= 2;
    }
  }
}

/* ------------------------------------------------------------------ incidents */

function incidentQuery(db: Db, actor: Actor, lower: Date, upper: Date) {
  const index = processFilter(actor) === null ? 'ix_incidents_opened_at_id' : 'ix_incidents_process_id_opened_at_id';
  return scoped(db.selectFrom(hinted(db, 'incidents', index)), actor, 'incidents.process_id')
    .where('incidents.opened_at', '>=', lower)
    .where('incidents.opened_at', '<', upper);
}

async function incidentRows(db: Db, actor: Actor, lower: Date, upper: Date, after: After, names: Names) {
  let q = incidentQuery(db, actor, lower, upper).select([
    'incidents.id', 'incidents.process_id', 'incidents.title', 'incidents.severity', 'incidents.status', 'incidents.opened_at',
    'incidents.acknowledged_at', 'incidents.resolved_at', 'incidents.source', 'incidents.rca', 'incidents.assigned_to',
  ]);
  if (after) {
    q = q.where((eb) => eb.or([eb('incidents.opened_at', '>', after.at), eb.and([eb('incidents.opened_at', '=', after.at), eb('incidents.id', '>', after.id)])]));
  }
  const rows = await q.orderBy('incidents.opened_at').orderBy('incidents.id').limit(BATCH).execute();
  await names.load(rows.map((r) => r.assigned_to), rows.map((r) => r.process_id));
  return rows.map((r) => Object.assign(r, { process_name: names.process(r.process_id), assignee_name: names.user(r.assigned_to)?.name ?? null }));
}

export type IncidentReportRow = Awaited<ReturnType<typeof incidentRows>>[number];

/** Whole minutes, rounded down as the pages ("1h 59m") and the API's `duration_minutes` count them. */
const minutesBetween = (a: Date | null, b: Date | null): number | null =>
  a && b ? Math.max(0, Math.floor((b.getTime() - a.getTime()) / 60_000)) : null;

export const incidentReport: ReportDef<IncidentReportRow> = {
  key: 'incidents',
  title: 'Incident Report',
  rangeLabel: 'Opened',
  permission: 'reporting.view',
  columns: [
    { header: 'ID', csv: (r) => r.id, width: 5, align: 'right' },
    { header: 'Process', csv: (r) => r.process_name, width: 9, crossOnly: true },
    { header: 'Title', csv: (r) => r.title, width: 30, lines: 3 },
    { header: 'Severity', csv: (r) => r.severity, width: 6, align: 'right' },
    { header: 'Status', csv: (r) => r.status, width: 8 },
    { header: 'Assignee', csv: (r) => r.assignee_name, width: 12, lines: 2 },
    { header: 'Opened At', csv: (r) => isoOrNull(r.opened_at), pdf: (r, tz) => localStamp(r.opened_at, tz), width: 11 },
    { header: 'Acknowledged At', csv: (r) => isoOrNull(r.acknowledged_at) },
    { header: 'Resolved At', csv: (r) => isoOrNull(r.resolved_at), pdf: (r, tz) => localStamp(r.resolved_at, tz), width: 11 },
    { header: 'Minutes To Resolve', csv: (r) => minutesBetween(r.opened_at, r.resolved_at) },
    { header: 'Source', csv: (r) => r.source },
    { header: 'RCA', csv: (r) => r.rca },
  ],
  batches: (db, actor, range) => {
    const names = new Names(db);
    return keyset(range, (lower, upper, after) => incidentRows(db, actor, lower, upper, after, names), (r) => r.opened_at);
  },
  count: async (db, actor, range) =>
    Number((await incidentQuery(db, actor, range.start, range.end).select(sql<number>`count(*)`.as('n')).executeTakeFirst())?.n ?? 0),
};

/* ------------------------------------------------------------------ downtime */

function downtimeQuery(db: Db, actor: Actor, lower: Date, upper: Date) {
  const index = processFilter(actor) === null ? 'ix_downtime_events_started_at_id' : 'ix_downtime_events_process_id_started_at_id';
  return scoped(db.selectFrom(hinted(db, 'downtime_events', index)), actor, 'downtime_events.process_id')
    .where('downtime_events.started_at', '>=', lower)
    .where('downtime_events.started_at', '<', upper);
}

async function downtimeRows(db: Db, actor: Actor, lower: Date, upper: Date, after: After, names: Names) {
  let q = downtimeQuery(db, actor, lower, upper).select([
    'downtime_events.id', 'downtime_events.process_id', 'downtime_events.incident_id', 'downtime_events.started_at', 'downtime_events.ended_at',
    'downtime_events.services_affected', 'downtime_events.impact_level', 'downtime_events.notes',
  ]);
  if (after) {
    q = q.where((eb) => eb.or([eb('downtime_events.started_at', '>', after.at), eb.and([eb('downtime_events.started_at', '=', after.at), eb('downtime_events.id', '>', after.id)])]));
  }
  const rows = await q.orderBy('downtime_events.started_at').orderBy('downtime_events.id').limit(BATCH).execute();
  await names.load([], rows.map((r) => r.process_id));
  return rows.map((r) => Object.assign(r, { process_name: names.process(r.process_id) }));
}

export type DowntimeReportRow = Awaited<ReturnType<typeof downtimeRows>>[number];

function services(raw: string): string {
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.map(String).join('; ') : String(v);
  } catch {
    return raw;
  }
}

export const downtimeReport: ReportDef<DowntimeReportRow> = {
  key: 'downtime',
  title: 'Downtime Summary',
  rangeLabel: 'Started',
  permission: 'reporting.view',
  columns: [
    { header: 'ID', csv: (r) => r.id, width: 5, align: 'right' },
    { header: 'Process', csv: (r) => r.process_name, width: 10, crossOnly: true },
    { header: 'Services Affected', csv: (r) => services(r.services_affected), width: 28, lines: 3 },
    { header: 'Impact', csv: (r) => r.impact_level, width: 7 },
    { header: 'Status', csv: (r) => (r.ended_at ? 'ended' : 'ongoing'), width: 7 },
    { header: 'Started At', csv: (r) => isoOrNull(r.started_at), pdf: (r, tz) => localStamp(r.started_at, tz), width: 11 },
    { header: 'Ended At', csv: (r) => isoOrNull(r.ended_at), pdf: (r, tz) => localStamp(r.ended_at, tz), width: 11 },
    { header: 'Duration Minutes', csv: (r) => minutesBetween(r.started_at, r.ended_at) },
    {
      header: 'Duration', width: 8, align: 'right',
      pdf: (r) => (r.ended_at ? formatDuration(r.ended_at.getTime() - r.started_at.getTime()) : 'ongoing'),
    },
    { header: 'Incident', csv: (r) => r.incident_id, pdf: (r) => (r.incident_id ? `#${r.incident_id}` : ''), width: 7 },
    { header: 'Notes', csv: (r) => r.notes, width: 20, lines: 3 },
  ],
  batches: (db, actor, range) => {
    const names = new Names(db);
    return keyset(range, (lower, upper, after) => downtimeRows(db, actor, lower, upper, after, names), (r) => r.started_at);
  },
  count: async (db, actor, range) =>
    Number((await downtimeQuery(db, actor, range.start, range.end).select(sql<number>`count(*)`.as('n')).executeTakeFirst())?.n ?? 0),
};

/* ------------------------------------------------------------------ audit */

function auditQuery(db: Db, actor: Actor, lower: Date, upper: Date) {
  const index = processFilter(actor) === null ? 'ix_audit_log_created_at' : 'ix_audit_log_process_id_created_at';
  return scoped(db.selectFrom(hinted(db, 'audit_log', index)), actor, 'audit_log.process_id')
    .where('audit_log.created_at', '>=', lower)
    .where('audit_log.created_at', '<', upper);
}

async function auditRows(db: Db, actor: Actor, lower: Date, upper: Date, after: After, names: Names) {
  let q = auditQuery(db, actor, lower, upper).select([
    'audit_log.id', 'audit_log.process_id', 'audit_log.created_at', 'audit_log.action', 'audit_log.entity_type', 'audit_log.entity_id',
    'audit_log.user_id', 'audit_log.ip', 'audit_log.user_agent', 'audit_log.changes', 'audit_log.prev_hash', 'audit_log.hash',
  ]);
  if (after) {
    q = q.where((eb) => eb.or([eb('audit_log.created_at', '>', after.at), eb.and([eb('audit_log.created_at', '=', after.at), eb('audit_log.id', '>', after.id)])]));
  }
  const rows = await q.orderBy('audit_log.created_at').orderBy('audit_log.id').limit(BATCH).execute();
  await names.load(rows.map((r) => r.user_id), rows.map((r) => r.process_id));
  return rows.map((r) => {
    const u = names.user(r.user_id);
    return Object.assign(r, { process_name: names.process(r.process_id), user_name: u?.name ?? null, user_email: u?.email ?? null });
  });
}

export type AuditReportRow = Awaited<ReturnType<typeof auditRows>>[number];

export const auditReport: ReportDef<AuditReportRow> = {
  key: 'audit',
  title: 'Audit Log Export',
  rangeLabel: 'Recorded',
  permission: 'reporting.export_audit',
  columns: [
    { header: 'ID', csv: (r) => r.id, width: 6, align: 'right' },
    { header: 'Time', csv: (r) => isoOrNull(r.created_at), pdf: (r, tz) => localStamp(r.created_at, tz), width: 11 },
    { header: 'Process', csv: (r) => r.process_name, width: 9, crossOnly: true },
    { header: 'User', csv: (r) => r.user_name ?? (r.user_id === null ? 'System' : null), width: 13, lines: 2 },
    { header: 'User Email', csv: (r) => r.user_email },
    { header: 'Action', csv: (r) => r.action, width: 14 },
    { header: 'Entity Type', csv: (r) => r.entity_type },
    { header: 'Entity ID', csv: (r) => r.entity_id },
    { header: 'Entity', pdf: (r) => `${r.entity_type}${r.entity_id !== null ? ` #${r.entity_id}` : ''}`, width: 12 },
    { header: 'IP', csv: (r) => r.ip, width: 10 },
    { header: 'User Agent', csv: (r) => r.user_agent },
    { header: 'Changes', csv: (r) => r.changes, pdf: (r) => r.changes ?? '', width: 26, lines: 2 },
    { header: 'Previous Hash', csv: (r) => r.prev_hash },
    { header: 'Hash', csv: (r) => r.hash, pdf: (r) => (r.hash ? `${r.hash.slice(0, 12)}…` : ''), width: 11 },
  ],
  batches: (db, actor, range) => {
    const names = new Names(db);
    return keyset(range, (lower, upper, after) => auditRows(db, actor, lower, upper, after, names), (r) => r.created_at);
  },
  count: async (db, actor, range) =>
    Number((await auditQuery(db, actor, range.start, range.end).select(sql<number>`count(*)`.as('n')).executeTakeFirst())?.n ?? 0),
};

export const REPORTS = { incidents: incidentReport, downtime: downtimeReport, audit: auditReport } as const;
export type ReportKey = keyof typeof REPORTS;

/** The columns of a report for a format, without the Process column unless the report spans processes. */
export function columnsFor<R>(def: ReportDef<R>, actor: Actor, format: 'csv' | 'pdf'): Column<R>[] {
  const cross = crossesProcesses(actor);
  return def.columns.filter((c) => (format === 'csv' ? c.csv : c.width !== undefined) && (cross || !c.crossOnly));
}

export function pdfColumns<R>(cols: Column<R>[]): PdfColumn[] {
  return cols.map((c) => ({ header: c.header, width: c.width ?? 10, lines: c.lines, align: c.align }));
}

export function pdfCell<R>(c: Column<R>, r: R, tz: string): string {
  if (c.pdf) return c.pdf(r, tz);
  const v = c.csv ? c.csv(r) : null;
  return v === null || v === undefined ? '' : String(v);
}
