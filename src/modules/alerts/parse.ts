import { createHash } from 'node:crypto';
import { validationFailed, type FieldErrors } from '../../errors.js';
import type { IntegrationKind } from '../integrations/queries.js';
import { DESCRIPTION_MAX, TITLE_MAX } from '../incidents/service.js';
import { truncate } from '../../text.js';

/**
 * Monitoring payloads turned into one shape. Each alert has a status, a deduplication key (the
 * Alertmanager/Grafana fingerprint, the generic `dedup_key`, or a hash), a title, a description and
 * the labels the severity mapping reads. A payload with any problem is refused whole (422, with a
 * message per field) so nothing is half applied.
 *
 * - Prometheus Alertmanager webhook, version "4": `{version, status, alerts: [{status, labels,
 *   annotations, startsAt, endsAt, generatorURL, fingerprint}], ...}`.
 * - Grafana alerting: the unified alerting webhook (same `alerts` list, plus dashboardURL, panelURL,
 *   valueString) or the legacy one (`{ruleId, ruleName, state: "alerting"|"ok"|"no_data"|...}`).
 * - Generic JSON: `{title, description?, severity?, dedup_key?, status: "firing"|"resolved"}`.
 */

export const MAX_ALERTS = 200;
export const DEDUP_MAX = 191;
const LABELS_MAX = 100;
const LABEL_VALUE_MAX = 1000;

export type AlertStatus = 'firing' | 'resolved' | 'ignored';

export interface NormalizedAlert {
  status: AlertStatus;
  dedupKey: string;
  title: string;
  description: string | null;
  labels: Record<string, string>;
  /** A severity the sender stated (generic 1-4); otherwise the mapping decides. */
  severity: number | null;
  /** Why an "ignored" alert changes nothing (legacy Grafana "pending", "paused"). */
  note?: string;
}

type Obj = Record<string, unknown>;

class Problems {
  readonly fields: FieldErrors = {};
  fail(field: string, message: string): void {
    this.fields[field] ??= message;
  }
  check(message: string): void {
    if (Object.keys(this.fields).length) throw validationFailed(this.fields, message);
  }
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A key that fits the column: short keys as they are, long ones hashed. */
function dedupOf(raw: string): string {
  return raw.length <= DEDUP_MAX ? raw : `sha256:${hash(raw)}`;
}

function labelsFingerprint(labels: Record<string, string>): string {
  const canonical = JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
  return `labels:${hash(canonical).slice(0, 32)}`;
}

function readLabels(p: Problems, raw: unknown, field: string, required: boolean): Record<string, string> {
  if (raw === undefined || raw === null) {
    if (required) p.fail(field, 'Labels are required: an object of label names to text values.');
    return {};
  }
  if (!isObj(raw)) {
    p.fail(field, 'Labels must be an object of label names to text values.');
    return {};
  }
  const entries = Object.entries(raw);
  if (entries.length > LABELS_MAX) p.fail(field, `At most ${LABELS_MAX} labels.`);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else if (typeof v === 'string') out[k] = v.slice(0, LABEL_VALUE_MAX);
    else {
      p.fail(field, `The label “${truncate(k, 40)}” must have a text value.`);
      return {};
    }
  }
  return out;
}

/** Annotations are free text; values that are not text are left out rather than refused. */
function readAnnotations(p: Problems, raw: unknown, field: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isObj(raw)) {
    p.fail(field, 'Annotations must be an object of names to text values.');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
  return out;
}

function titleOf(labels: Record<string, string>, annotations: Record<string, string>, fallback: string): string {
  const summary = str(annotations.summary) ?? str(annotations.title);
  const name = str(labels.alertname);
  let title: string;
  if (summary && name && !summary.toLowerCase().includes(name.toLowerCase())) title = `${name}: ${summary}`;
  else title = summary ?? name ?? fallback;
  return truncate(title.replace(/\s+/g, ' '), TITLE_MAX);
}

function describe(parts: { text?: string; value?: string; labels: Record<string, string>; startsAt?: string; links: [string, string | undefined][] }): string | null {
  const lines: string[] = [];
  if (parts.text) lines.push(parts.text, '');
  if (parts.value) lines.push(`Values: ${parts.value}`);
  const labels = Object.entries(parts.labels).filter(([k]) => !k.startsWith('__'));
  if (labels.length) lines.push(`Labels: ${labels.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (parts.startsAt) lines.push(`Started: ${parts.startsAt}`);
  for (const [label, url] of parts.links) if (url) lines.push(`${label}: ${url}`);
  const text = lines.join('\n').trim();
  return text ? truncate(text, DESCRIPTION_MAX) : null;
}

/** The `alerts` list shared by Alertmanager and Grafana's unified alerting. */
function parseAlertList(p: Problems, body: Obj, fallbackTitle: string): NormalizedAlert[] {
  const list = body.alerts;
  if (!Array.isArray(list)) {
    p.fail('alerts', 'alerts must be a list of alerts.');
    return [];
  }
  if (list.length === 0) p.fail('alerts', 'The payload lists no alerts.');
  if (list.length > MAX_ALERTS) {
    p.fail('alerts', `At most ${MAX_ALERTS} alerts per request (set max_alerts in the webhook configuration).`);
    return [];
  }
  const out: NormalizedAlert[] = [];
  list.forEach((raw, i) => {
    const at = `alerts[${i}]`;
    if (!isObj(raw)) {
      p.fail(at, 'Each alert must be an object.');
      return;
    }
    const status = raw.status;
    if (status !== 'firing' && status !== 'resolved') p.fail(`${at}.status`, 'status must be "firing" or "resolved".');
    const labels = readLabels(p, raw.labels, `${at}.labels`, true);
    const annotations = readAnnotations(p, raw.annotations, `${at}.annotations`);
    if (raw.fingerprint !== undefined && typeof raw.fingerprint !== 'string') p.fail(`${at}.fingerprint`, 'fingerprint must be text.');
    const fingerprint = str(raw.fingerprint);
    if (!fingerprint && Object.keys(labels).length === 0) p.fail(`${at}.labels`, 'An alert needs labels or a fingerprint to be told apart from others.');
    out.push({
      status: status === 'resolved' ? 'resolved' : 'firing',
      dedupKey: dedupOf(fingerprint ?? labelsFingerprint(labels)),
      title: titleOf(labels, annotations, fallbackTitle),
      description: describe({
        text: str(annotations.description) ?? str(annotations.message),
        value: str(raw.valueString),
        labels,
        startsAt: str(raw.startsAt),
        links: [
          ['Source', str(raw.generatorURL)],
          ['Dashboard', str(raw.dashboardURL)],
          ['Panel', str(raw.panelURL)],
          ['Runbook', str(annotations.runbook_url)],
        ],
      }),
      labels,
      severity: null,
    });
  });
  return out;
}

function parseAlertmanager(body: Obj): NormalizedAlert[] {
  const p = new Problems();
  if (body.version !== undefined && body.version !== '4') p.fail('version', 'Only version "4" of the Alertmanager webhook is supported.');
  const alerts = parseAlertList(p, body, 'Alertmanager alert');
  p.check('This is not a valid Alertmanager webhook (version 4).');
  return alerts;
}

const LEGACY_STATES: Record<string, AlertStatus> = { alerting: 'firing', no_data: 'firing', ok: 'resolved', pending: 'ignored', paused: 'ignored' };

/** Grafana's legacy (pre-unified) alert notification: one rule, one state. */
function parseGrafanaLegacy(p: Problems, body: Obj): NormalizedAlert[] {
  const state = body.state;
  if (typeof state !== 'string' || !(state in LEGACY_STATES)) {
    p.fail('state', 'state must be alerting, ok, no_data, pending or paused.');
    return [];
  }
  const rule = typeof body.ruleId === 'number' || typeof body.ruleId === 'string' ? String(body.ruleId) : undefined;
  const ruleName = str(body.ruleName);
  const title = str(body.title) ?? ruleName;
  if (!rule && !ruleName) p.fail('ruleId', 'A Grafana alert needs a ruleId or ruleName.');
  const tags = body.tags === undefined ? {} : readLabels(p, body.tags, 'tags', false);
  const matches = Array.isArray(body.evalMatches)
    ? body.evalMatches.filter(isObj).slice(0, 20).map((m) => `${str(m.metric) ?? 'value'}=${String(m.value)}`).join(', ')
    : undefined;
  const status = LEGACY_STATES[state];
  return [{
    status,
    dedupKey: dedupOf(`grafana-rule:${rule ?? ruleName}`),
    title: truncate((title ?? 'Grafana alert').replace(/^\[(Alerting|OK|No Data)\]\s*/i, ''), TITLE_MAX),
    description: describe({ text: str(body.message), value: matches || undefined, labels: tags, links: [['Rule', str(body.ruleUrl)]] }),
    labels: { ...tags, alertname: ruleName ?? title ?? '' },
    severity: null,
    note: status === 'ignored' ? `Grafana state “${state}” changes nothing` : undefined,
  }];
}

function parseGrafana(body: Obj): NormalizedAlert[] {
  const p = new Problems();
  const alerts = Array.isArray(body.alerts) ? parseAlertList(p, body, 'Grafana alert') : parseGrafanaLegacy(p, body);
  p.check('This is not a valid Grafana alerting webhook.');
  return alerts;
}

/** The documented generic JSON: one alert. */
function parseGeneric(body: Obj): NormalizedAlert[] {
  const p = new Problems();
  let title: string | undefined;
  if (typeof body.title !== 'string' || !body.title.trim()) p.fail('title', 'title is required (text).');
  else if (body.title.trim().length > TITLE_MAX) p.fail('title', `title must be at most ${TITLE_MAX} characters.`);
  else title = body.title.trim().replace(/\s+/g, ' ');
  let description: string | null = null;
  if (body.description !== undefined && body.description !== null) {
    if (typeof body.description !== 'string') p.fail('description', 'description must be text.');
    else if (body.description.length > DESCRIPTION_MAX) p.fail('description', `description must be at most ${DESCRIPTION_MAX.toLocaleString('en-US')} characters.`);
    else description = body.description.trim() || null;
  }
  const status = body.status;
  if (status !== 'firing' && status !== 'resolved') p.fail('status', 'status must be "firing" or "resolved".');
  let severity: number | null = null;
  const labels: Record<string, string> = {};
  const sev = body.severity;
  if (typeof sev === 'number' || (typeof sev === 'string' && /^\s*\d+\s*$/.test(sev))) {
    const n = Number(sev);
    if (Number.isInteger(n) && n >= 1 && n <= 4) severity = n;
    else p.fail('severity', 'severity must be 1 to 4 (or a name the severity mapping knows, e.g. "critical").');
  } else if (typeof sev === 'string' && sev.trim()) {
    if (sev.length > LABEL_VALUE_MAX) p.fail('severity', 'severity is too long.');
    else labels.severity = sev.trim();
  } else if (sev !== undefined && sev !== null && sev !== '') {
    p.fail('severity', 'severity must be 1 to 4 (or a name the severity mapping knows, e.g. "critical").');
  }
  let dedup: string | undefined;
  if (body.dedup_key !== undefined && body.dedup_key !== null && body.dedup_key !== '') {
    if (typeof body.dedup_key !== 'string' && typeof body.dedup_key !== 'number') p.fail('dedup_key', 'dedup_key must be text.');
    else if (String(body.dedup_key).length > DEDUP_MAX) p.fail('dedup_key', `dedup_key must be at most ${DEDUP_MAX} characters.`);
    else dedup = String(body.dedup_key);
  }
  p.check('This is not a valid alert: send {title, description?, severity?, dedup_key?, status: "firing"|"resolved"}.');
  return [{
    status: status as 'firing' | 'resolved',
    // Without a dedup_key, the same title is the same alert.
    dedupKey: dedup ?? `title:${hash(title!.toLowerCase()).slice(0, 40)}`,
    title: title!,
    description,
    labels,
    severity,
  }];
}

/** Reads a payload of the integration's kind; a 422 with every problem when it is not one. */
export function parseAlertPayload(kind: IntegrationKind, body: Record<string, unknown>): NormalizedAlert[] {
  if (kind === 'alertmanager') return parseAlertmanager(body);
  if (kind === 'grafana') return parseGrafana(body);
  return parseGeneric(body);
}
