import { formatDuration } from '../../time.js';
import type { IncidentRow, TimelineEntry } from '../incidents/queries.js';
import { categorise, httpHints, type Categorisation } from './categories.js';
import type { PastIncident } from './queries.js';
import { clip, rankBySimilarity, sentences, type Ranked } from './text.js';

/**
 * The local analysis: no network, no key. It categorises the incident from its text, finds the most
 * similar incidents of the same process (TF-IDF cosine over title, description and RCA), and builds
 * the root cause hypothesis, actions and prevention tips from those incidents' RCAs and the category
 * playbooks.
 */

/** Below this similarity an incident is not shown as similar. */
export const SIMILAR_MIN = 0.15;
export const SIMILAR_MAX = 5;
/** From this similarity on, a past RCA is used as evidence for the root cause. */
const EVIDENCE_MIN = 0.25;
/** From this similarity on, a resolved incident counts as the same problem (a recurrence). */
const RECURRENCE_MIN = 0.5;

export interface SimilarIncident {
  id: number;
  title: string;
  severity: number;
  status: string;
  opened_at: string;
  resolved_at: string | null;
  rca: string | null;
  /** Cosine similarity, 0..1, two decimals. */
  similarity: number;
}

export interface Analysis {
  category: { id: string; label: string };
  root_cause: string;
  recommended_actions: string[];
  similar_incidents: SimilarIncident[];
  prevention_tips: string[];
}

export function findSimilar(incident: Pick<IncidentRow, 'title' | 'description' | 'rca'>, candidates: PastIncident[]): Ranked<PastIncident>[] {
  const ranked = rankBySimilarity(incident, candidates, (c) => c, { min: SIMILAR_MIN });
  // Equal scores: an incident with an RCA teaches more, then the most recent.
  ranked.sort((a, b) => (b.score - a.score) || (Number(Boolean(b.item.rca)) - Number(Boolean(a.item.rca))) || (b.item.opened_at.getTime() - a.item.opened_at.getTime()));
  return ranked.slice(0, SIMILAR_MAX);
}

export function toSimilar(r: Ranked<PastIncident>): SimilarIncident {
  const i = r.item;
  return {
    id: i.id, title: i.title, severity: i.severity, status: i.status,
    opened_at: i.opened_at.toISOString(), resolved_at: i.resolved_at ? i.resolved_at.toISOString() : null,
    rca: i.rca, similarity: Math.round(r.score * 100) / 100,
  };
}

const pct = (score: number) => `${Math.round(score * 100)}%`;

function ago(at: Date, now: Date): string {
  const ms = now.getTime() - at.getTime();
  if (ms < 0) return 'later';
  if (ms < 3_600_000) return `${formatDuration(ms)} ago`;
  const days = Math.floor(ms / 86_400_000);
  if (days >= 1) return days === 1 ? '1 day ago' : `${days} days ago`;
  return `${Math.floor(ms / 3_600_000)}h ago`;
}

function describePast(p: PastIncident, score: number, now: Date): string {
  const when = p.resolved_at ? `resolved ${ago(p.resolved_at, now)}` : `${p.status.replace('_', ' ')}, opened ${ago(p.opened_at, now)}`;
  return `#${p.id} “${p.title}” (${pct(score)} similar, ${when})`;
}

const PREVENTIVE = /\b(monitor|alert|now |are now|is now|added|automatic|ahead|separate|rate limit|load test|probe|graceful|quarantine|distributed from|agreed|shortened|batched|raised)/i;

/** A past RCA split into its cause (first sentence) and what was done (the rest). */
function splitRca(rca: string): { cause: string; fixes: string[] } {
  const s = sentences(rca);
  return { cause: s[0] ?? rca, fixes: s.slice(1) };
}

function unique(list: string[], max: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of list) {
    const key = item.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}

export interface LocalInput {
  incident: IncidentRow;
  timeline: TimelineEntry[];
  similar: Ranked<PastIncident>[];
  now: Date;
}

/**
 * The category from the incident's own text, plus the RCAs of its closest neighbours: what caused the
 * same symptoms before is evidence for what causes them now.
 */
export function categoriseIncident(incident: Pick<IncidentRow, 'title' | 'description' | 'rca'>, similar: Ranked<PastIncident>[] = []): Categorisation {
  const learned = similar.filter((s) => s.item.rca && s.score >= RECURRENCE_MIN).slice(0, 2).map((s) => s.item.rca);
  return categorise(incident.title, [incident.description ?? '', incident.rca ?? '', ...learned].join('\n'));
}

export function localAnalysis({ incident, timeline, similar, now }: LocalInput): Analysis {
  const cat = categoriseIncident(incident, similar);
  const { primary, secondary } = cat;
  const resolved = incident.status === 'resolved';
  const evidence = similar.filter((s) => s.item.rca && s.score >= EVIDENCE_MIN);
  const recurrences = similar.filter((s) => s.score >= RECURRENCE_MIN && s.item.status === 'resolved');
  const text = `${incident.title}\n${incident.description ?? ''}`;

  // --- Root cause -------------------------------------------------------------------------------
  const cause: string[] = [];
  if (incident.rca) {
    cause.push(`Recorded root cause: ${clip(incident.rca, 1200)}`);
    cause.push(`Category: ${primary.label}${secondary.length ? ` (also ${secondary.map((c) => c.label).join(', ')})` : ''}.`);
  } else {
    const also = secondary.length ? ` Also points to: ${secondary.map((c) => c.label).join(', ')}.` : '';
    const hints = httpHints(text).map((hint) => ` The description mentions ${hint}.`).join('');
    cause.push(primary.id === 'general'
      ? `No clear category from the text: ${primary.hypothesis}${hints}`
      : `Likely cause — ${primary.label}: ${primary.hypothesis}${also}${hints}`);
    const best = evidence[0];
    if (best) {
      cause.push(`The closest past incident, ${describePast(best.item, best.score, now)}, was caused by: ${clip(splitRca(best.item.rca!).cause, 500)} Check whether the same applies here first.`);
    }
  }
  if (recurrences.length > 0) {
    const ids = recurrences.map((r) => `#${r.item.id}`).join(', ');
    cause.push(recurrences.length === 1
      ? `This repeats the symptoms of ${ids}; if its fix is still in place, the underlying cause was not fully removed.`
      : `The same symptoms were seen in ${ids}: a recurring problem whose underlying cause has not been removed.`);
  }

  // --- Recommended actions ----------------------------------------------------------------------
  const actions: string[] = [];
  const openFor = formatDuration(now.getTime() - incident.opened_at.getTime());
  if (!resolved) {
    if (incident.assigned_to === null) actions.push(`Assign an owner: the incident has been open for ${openFor} without one.`);
    else if (incident.status === 'open') actions.push(`Move it to In Progress once ${incident.assignee_name ?? 'the assignee'} starts work, so the team is told.`);
    if (incident.severity <= 2) actions.push('Keep the client stakeholders informed from Notifications until it is resolved.');
  }
  for (const e of evidence.slice(0, 2)) {
    const { fixes } = splitRca(e.item.rca!);
    for (const fix of fixes.slice(0, 2)) actions.push(`What worked for #${e.item.id}: ${clip(fix, 300)}`);
  }
  if (!resolved) {
    actions.push(...primary.playbook);
    for (const c of secondary) actions.push(c.playbook[0]);
  } else {
    if (!incident.rca) actions.push('Write the root cause analysis on the incident while the details are fresh.');
    actions.push('Confirm the fix holds: watch the error rates and the affected services for the next day.');
    actions.push('Turn the prevention tips below into tickets so they get done.');
  }

  // --- Prevention tips --------------------------------------------------------------------------
  const tips: string[] = [];
  if (recurrences.length >= 1) {
    tips.push(`This problem has now happened ${recurrences.length + 1} times: open a change or problem ticket for a permanent fix instead of fixing each occurrence.`);
  }
  for (const e of evidence.slice(0, 3)) {
    const { fixes } = splitRca(e.item.rca!);
    const preventive = fixes.filter((f) => PREVENTIVE.test(f));
    for (const p of preventive.slice(0, 1)) tips.push(`After #${e.item.id}: ${clip(p, 300)} Check it is in place and covers this case.`);
  }
  tips.push(...primary.prevention);
  for (const c of secondary) tips.push(c.prevention[0]);
  if (timeline.length > 0 && !timeline.some((t) => t.kind === 'escalation') && incident.severity === 1 && !resolved) {
    tips.push('Make sure a Sev 1 escalation chain and an automation rule cover incidents like this one.');
  }

  return {
    category: { id: primary.id, label: primary.label },
    root_cause: cause.join('\n\n'),
    recommended_actions: unique(actions, 8),
    similar_incidents: similar.map(toSimilar),
    prevention_tips: unique(tips, 6),
  };
}
