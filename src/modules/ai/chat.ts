import { OPEN_TICKET_STATUSES } from '../../db/schema.js';
import { ROLE_LABELS, can } from '../../roles.js';
import { processFilter, scoped, type Actor } from '../../tenancy.js';
import { formatDuration, formatInZone } from '../../time.js';
import { Fields } from '../../validation.js';
import { findIncident, listIncidents, timelineOf, type IncidentRow } from '../incidents/queries.js';
import { onCallAt, type OncallRole, type OnCallPerson } from '../oncall/lookup.js';
import { findTopic, guideText, topicAnswer } from './guide.js';
import { mayUseModel, type AiDeps, type FallbackReason, type Source } from './insights.js';
import { categoriseIncident, findSimilar } from './local.js';
import { complete, ModelError, modelConfigured, type ChatMessage } from './model.js';
import { actorInProcess, pastIncidents, processSnapshot, type ProcessSnapshot } from './queries.js';
import { clip } from './text.js';

/**
 * The assistant: questions about the platform and the process's current state. Answers are grounded
 * in what the asking user can see. With a model configured the model answers from a context built
 * here (one process only); otherwise, or when it fails, the local answerer does.
 */

export const MESSAGE_MAX = 2000;
const REPLY_MAX = 6000;

export interface ChatReply {
  source: Source;
  reply: string;
  model: string | null;
  fallback_reason: FallbackReason | null;
}

export const QUICK_ACTIONS = ['What is open?', 'Who is on call?', 'Summarise incident #', 'How do I escalate?'] as const;

/** The incident number a message refers to: "#12", "incident 12", "incident no. 12". */
export function incidentRef(message: string): number | null {
  const m = /(?:#|\bincident\s*(?:no\.?|number|nr\.?)?\s*#?)\s*(\d{1,9})\b/i.exec(message);
  return m ? Number(m[1]) : null;
}

const HOWTO = /^\s*(?:how (?:do|can|to|should|would|does)|where|can i|could i|what do i|what should i|steps|guide|help me|show me how|explain how|is there a way)/i;
const ONCALL = /on[- ]?call|on duty|who(?:'s| is) covering|pager/i;
const DOWNTIME = /downtime|outage/i;
const TICKETS = /tickets?\b/i;
const APPROVALS = /approv/i;
const MINE = /\b(?:my|mine|assigned to me|i (?:have|own))\b/i;
const OPEN = /\b(?:open|active|unresolved|ongoing|current(?:ly)?|outstanding|going on|happening|broken|down|status|sev\s*1|critical|incidents?)\b/i;

/** Does the message ask for process data (as opposed to how the platform works)? */
function asksForData(message: string): boolean {
  if (incidentRef(message) !== null) return true;
  if (HOWTO.test(message)) return false;
  return ONCALL.test(message) || DOWNTIME.test(message) || TICKETS.test(message) || APPROVALS.test(message) || OPEN.test(message);
}

const ROLE_NAMES: Record<OncallRole, string> = { primary: 'Primary', backup: 'Backup', escalation: 'Escalation' };

function incidentLine(i: IncidentRow, now: Date, withProcess: boolean): string {
  const who = i.assignee_name ? `assigned to ${i.assignee_name}` : 'unassigned';
  return `- #${i.id} Sev ${i.severity} “${i.title}”${withProcess ? ` [${i.process_name}]` : ''} — ${i.status.replace('_', ' ')}, ${who}, open ${formatDuration(now.getTime() - i.opened_at.getTime())}`;
}

function severityCounts(list: IncidentRow[]): string {
  const counts = new Map<number, number>();
  for (const i of list) counts.set(i.severity, (counts.get(i.severity) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${n} Sev ${s}`).join(', ');
}

const bySeverity = (a: IncidentRow, b: IncidentRow) => a.severity - b.severity || a.opened_at.getTime() - b.opened_at.getTime();

/* --------------------------------------------------------------------------- the local answerer */

interface Scope {
  actor: Actor;
  /** The one process the answer is about, or null for a super_admin on "All processes". */
  processId: number | null;
}

async function openAnswer(deps: AiDeps, scope: Scope, now: Date, mineOnly: boolean): Promise<string> {
  const { actor } = scope;
  let list = (await listIncidents(deps.db, actor, { status: 'active', ...(mineOnly ? { assignedTo: actor.userId } : {}) }, null, 500)).sort(bySeverity);
  const where = scope.processId === null ? 'across all processes' : `in ${list[0]?.process_name ?? await processName(deps, scope.processId)}`;
  if (list.length === 0) {
    return mineOnly ? 'Nothing is assigned to you that is still open.' : `No incidents are open ${where}. Everything is resolved.`;
  }
  const total = list.length;
  const counts = severityCounts(list);
  list = list.slice(0, 10);
  const lines = [
    `${mineOnly ? 'Assigned to you and still open' : `${total} active incident${total === 1 ? '' : 's'} ${where}`} (${counts}${total > list.length ? '; the most urgent shown' : ''}):`,
    ...list.map((i) => incidentLine(i, now, scope.processId === null)),
  ];
  if (total > list.length) lines.push(`…and ${total - list.length} more on the Incidents page.`);
  if (!mineOnly && scope.processId !== null) {
    const snap = await processSnapshot(deps.db, actorInProcess(actor, scope.processId), scope.processId);
    if (snap.ongoingDowntime && snap.ongoingDowntime.length) lines.push(`Ongoing downtime: ${snap.ongoingDowntime.length}.`);
    if (snap.openTickets !== null) lines.push(`Open tickets: ${snap.openTickets}.`);
    if (snap.pendingApprovals) lines.push(`Pending approvals: ${snap.pendingApprovals}.`);
  }
  const unassigned = list.filter((i) => i.assigned_to === null);
  if (unassigned.length && !mineOnly) lines.push(`Unassigned: ${unassigned.map((i) => `#${i.id}`).join(', ')}.`);
  return lines.join('\n');
}

async function processName(deps: AiDeps, processId: number): Promise<string> {
  return (await deps.db.selectFrom('processes').select('name').where('id', '=', processId).executeTakeFirst())?.name ?? 'this process';
}

function oncallLines(people: Record<OncallRole, OnCallPerson | null>): string[] {
  return (Object.keys(ROLE_NAMES) as OncallRole[]).map((r) => {
    const p = people[r];
    return `- ${ROLE_NAMES[r]}: ${p ? `${p.name} (${p.email})` : 'nobody scheduled'}`;
  });
}

async function oncallAnswer(deps: AiDeps, scope: Scope, now: Date): Promise<string> {
  const processes = scope.processId === null
    ? await deps.db.selectFrom('processes').select(['id', 'name']).orderBy('name').execute()
    : [{ id: scope.processId, name: await processName(deps, scope.processId) }];
  const lines: string[] = [];
  for (const p of processes) {
    const people = await onCallAt(deps.db, p.id, now);
    if (!people.primary && !people.backup && !people.escalation) {
      lines.push(`Nobody is scheduled on call today in ${p.name}.`);
      continue;
    }
    lines.push(`On call now in ${p.name}:`, ...oncallLines(people));
  }
  lines.push(can(scope.actor.role, 'oncall.manage') ? 'Change the schedule on the On-Call page.' : 'The full schedule is on the On-Call page.');
  return lines.join('\n');
}

async function summaryAnswer(deps: AiDeps, actor: Actor, id: number, now: Date): Promise<string> {
  const i = await findIncident(deps.db, actor, id);
  if (!i) return `I can't find incident #${id} among the incidents you can see.`;
  const tz = i.process_timezone;
  const lines = [
    `#${i.id} “${i.title}” — Sev ${i.severity}, ${i.status.replace('_', ' ')}, ${i.assignee_name ? `assigned to ${i.assignee_name}` : 'unassigned'}${actor.role === 'super_admin' ? ` (${i.process_name})` : ''}.`,
    i.resolved_at
      ? `Opened ${formatInZone(i.opened_at, tz)}, resolved ${formatInZone(i.resolved_at, tz)} after ${formatDuration(i.resolved_at.getTime() - i.opened_at.getTime())} (times in ${tz}).`
      : `Opened ${formatInZone(i.opened_at, tz)} (times in ${tz}), open for ${formatDuration(now.getTime() - i.opened_at.getTime())}.`,
  ];
  if (i.description) lines.push(`Description: ${clip(i.description, 400)}`);
  if (i.rca) lines.push(`Root cause: ${clip(i.rca, 400)}`);
  const timeline = await timelineOf(deps.db, i.id);
  const recent = timeline.filter((t) => t.kind !== 'email').slice(-3);
  if (recent.length) {
    lines.push('Latest on the timeline:', ...recent.map((t) => `- ${formatInZone(t.created_at, tz)}: ${clip(t.message, 200)}`));
  }
  const narrowed = actorInProcess(actor, i.process_id);
  const similar = findSimilar(i, await pastIncidents(deps.db, narrowed, i.id));
  if (similar.length) lines.push(`Similar: ${similar.slice(0, 2).map((s) => `#${s.item.id} “${s.item.title}” (${Math.round(s.score * 100)}%)`).join(', ')}.`);
  lines.push(`Likely category: ${categoriseIncident(i, similar).primary.label}. Full analysis: AI Insights for #${i.id}.`);
  return lines.join('\n');
}

async function downtimeAnswer(deps: AiDeps, scope: Scope, now: Date): Promise<string> {
  if (!can(scope.actor.role, 'downtime.view')) return 'Your role cannot see downtime.';
  const rows = await scoped(deps.db.selectFrom('downtime_events'), scope.actor, 'downtime_events.process_id')
    .innerJoin('processes', 'processes.id', 'downtime_events.process_id')
    .select(['downtime_events.id', 'downtime_events.started_at', 'downtime_events.services_affected', 'downtime_events.impact_level', 'processes.name as process_name'])
    .where('downtime_events.ended_at', 'is', null).orderBy('downtime_events.started_at', 'desc').limit(10).execute();
  if (rows.length === 0) return 'No downtime is ongoing.';
  return [`Ongoing downtime (${rows.length}):`, ...rows.map((r) => {
    let services = '';
    try {
      services = (JSON.parse(r.services_affected) as string[]).join(', ');
    } catch {
      services = '';
    }
    return `- ${services || 'Services not named'} — ${r.impact_level} impact, for ${formatDuration(now.getTime() - r.started_at.getTime())}${scope.processId === null ? ` [${r.process_name}]` : ''}`;
  })].join('\n');
}

async function ticketsAnswer(deps: AiDeps, scope: Scope): Promise<string> {
  if (!can(scope.actor.role, 'tickets.view')) return 'Your role cannot see tickets.';
  const rows = await scoped(deps.db.selectFrom('tickets'), scope.actor, 'tickets.process_id')
    .select(['tickets.id', 'tickets.title', 'tickets.type', 'tickets.status'])
    .where('tickets.status', 'in', OPEN_TICKET_STATUSES).orderBy('tickets.created_at', 'desc').limit(11).execute();
  if (rows.length === 0) return 'No tickets are open.';
  const shown = rows.slice(0, 10);
  return [`Open tickets${rows.length > 10 ? ' (latest 10)' : ''}:`, ...shown.map((t) => `- Ticket ${t.id}: “${t.title}” — ${t.type}, ${t.status.replace('_', ' ')}`)].join('\n');
}

async function approvalsAnswer(deps: AiDeps, scope: Scope): Promise<string> {
  if (!can(scope.actor.role, 'approvals.view')) return 'Your role cannot see approvals.';
  let q = scoped(deps.db.selectFrom('approvals'), scope.actor, 'approvals.process_id')
    .select(['approvals.id', 'approvals.title', 'approvals.type']).where('approvals.status', '=', 'pending');
  if (!can(scope.actor.role, 'approvals.view_all')) q = q.where('approvals.submitted_by', '=', scope.actor.userId);
  const rows = await q.orderBy('approvals.submitted_at', 'desc').limit(10).execute();
  if (rows.length === 0) return 'No approvals are pending.';
  return [`Pending approvals:`, ...rows.map((a) => `- “${a.title}” (${a.type})`)].join('\n');
}

function capabilities(actor: Actor): string {
  return [
    `Hello ${actor.name}. I can answer from what you can see in D2C OPs, for example:`,
    '- "What is open?" — active incidents, most urgent first',
    '- "Who is on call?" — primary, backup and escalation today',
    '- "Summarise incident #12" — status, timeline, similar incidents',
    '- "What is assigned to me?", "Any downtime?", "Open tickets?"',
    '- How-to questions: "How do I escalate?", "How do I log downtime?", "How do I resolve an incident?"',
  ].join('\n');
}

/** Answers without a model, from the user's visible data and the platform guide. */
export async function localReply(deps: AiDeps, scope: Scope, message: string, now: Date): Promise<string> {
  const ref = incidentRef(message);
  if (ref !== null) return summaryAnswer(deps, scope.actor, ref, now);
  const topic = findTopic(message);
  if (HOWTO.test(message) && topic) return topicAnswer(topic, scope.actor.role);
  if (ONCALL.test(message)) return oncallAnswer(deps, scope, now);
  if (DOWNTIME.test(message)) return downtimeAnswer(deps, scope, now);
  if (TICKETS.test(message) && !/incident/i.test(message)) return ticketsAnswer(deps, scope);
  if (APPROVALS.test(message)) return approvalsAnswer(deps, scope);
  if (MINE.test(message) && /assign|incident|open|work/i.test(message)) return openAnswer(deps, scope, now, true);
  if (OPEN.test(message)) return openAnswer(deps, scope, now, false);
  if (topic) return topicAnswer(topic, scope.actor.role);
  if (HOWTO.test(message)) return `I don't have a guide for that yet.\n${capabilities(scope.actor)}`;
  return capabilities(scope.actor);
}

/* --------------------------------------------------------------------------- the model path */

const CHAT_SYSTEM = [
  'You are the D2C OPs assistant, inside a multi-tenant service-operations platform used by IT operations teams.',
  'Answer the user\'s question briefly and concretely (at most about 12 lines), in plain text; simple "- " bullet lines are fine.',
  'For questions about the current state, use only the CONTEXT below (it is what this user is allowed to see); if the answer is not in it, say you do not have that information.',
  'For how-to questions, follow the GUIDE below; mention when the user\'s role cannot do something.',
  'Refer to incidents as #id. Never invent incidents, people or numbers.',
].join(' ');

function snapshotFacts(snap: ProcessSnapshot, now: Date) {
  return {
    process: snap.process.name,
    process_time_zone: snap.process.timezone,
    now: now.toISOString(),
    active_incidents_total: snap.activeTotal,
    active_incidents: snap.active.slice(0, 25).map((i) => ({
      id: i.id, title: i.title, severity: i.severity, status: i.status, assignee: i.assignee_name ?? null,
      opened_at: i.opened_at.toISOString(), open_for: formatDuration(now.getTime() - i.opened_at.getTime()),
    })),
    ongoing_downtime: snap.ongoingDowntime?.map((d) => ({ started_at: d.started_at.toISOString(), services: d.services_affected, impact: d.impact_level })) ?? 'not visible to this role',
    open_tickets: snap.openTickets ?? 'not visible to this role',
    pending_approvals: snap.pendingApprovals ?? 'not visible to this role',
  };
}

/** The context the model gets: this user's view of one process (or none), never two. */
async function chatContext(deps: AiDeps, scope: Scope, message: string, now: Date): Promise<Record<string, unknown>> {
  const { actor } = scope;
  const ctx: Record<string, unknown> = { user: { name: actor.name, role: ROLE_LABELS[actor.role] } };
  if (scope.processId === null) {
    ctx.note = 'The user is a super admin viewing all processes; no process data is included. Suggest choosing a process in the switcher for questions about one process.';
    return ctx;
  }
  const narrowed = actorInProcess(actor, scope.processId);
  const snap = await processSnapshot(deps.db, narrowed, scope.processId);
  Object.assign(ctx, snapshotFacts(snap, now));
  const people = await onCallAt(deps.db, scope.processId, now);
  ctx.on_call_now = Object.fromEntries((Object.keys(people) as OncallRole[]).map((r) => [r, people[r] ? { name: people[r]!.name, email: people[r]!.email } : null]));
  const ref = incidentRef(message);
  if (ref !== null) {
    const i = await findIncident(deps.db, narrowed, ref);
    if (!i) {
      ctx.referenced_incident = `Incident #${ref} does not exist or this user cannot see it.`;
    } else {
      const timeline = await timelineOf(deps.db, i.id);
      const similar = findSimilar(i, await pastIncidents(deps.db, narrowed, i.id)).slice(0, 3);
      ctx.referenced_incident = {
        id: i.id, title: i.title, severity: i.severity, status: i.status, assignee: i.assignee_name ?? null,
        description: i.description ? clip(i.description, 1500) : null, rca: i.rca ? clip(i.rca, 1500) : null,
        opened_at: i.opened_at.toISOString(), resolved_at: i.resolved_at?.toISOString() ?? null,
        timeline: timeline.slice(-30).map((t) => ({ at: t.created_at.toISOString(), kind: t.kind, message: clip(t.message, 200) })),
        similar_past_incidents: similar.map((s) => ({ id: s.item.id, title: s.item.title, status: s.item.status, rca: s.item.rca ? clip(s.item.rca, 600) : null })),
      };
    }
  }
  return ctx;
}

export function chatMessages(context: Record<string, unknown>, message: string): ChatMessage[] {
  return [
    { role: 'system', content: `${CHAT_SYSTEM}\n\nGUIDE\n${guideText()}\n\nCONTEXT\n${JSON.stringify(context)}` },
    { role: 'user', content: message },
  ];
}

/**
 * The assistant's answer to one message (422 for an empty or too long message). The process in view
 * is the actor's; a super_admin on "All processes" gets the referenced incident's process, or none.
 */
export async function assistantReply(deps: AiDeps, actor: Actor, input: Record<string, unknown>, now: Date): Promise<ChatReply> {
  const f = new Fields(input);
  const message = f.text('message', { required: true, max: MESSAGE_MAX, label: 'Message' });
  f.check();
  const text = message!;

  let processId = processFilter(actor);
  const ref = incidentRef(text);
  if (processId === null && ref !== null) {
    processId = (await findIncident(deps.db, actor, ref))?.process_id ?? null;
  }
  const scope: Scope = { actor: processId === null ? actor : actorInProcess(actor, processId), processId };

  let fallback: FallbackReason | null = modelConfigured(deps.openai) ? null : 'not_configured';
  // Across all processes, questions about data are answered locally: the model never sees two processes.
  const useModel = !(processId === null && asksForData(text));
  if (useModel) {
    fallback = await mayUseModel(deps, actor, now);
    if (!fallback) {
      try {
        const reply = await complete(deps.openai, chatMessages(await chatContext(deps, scope, text, now), text), { maxTokens: 700 });
        return { source: 'openai', reply: clip(reply.trim(), REPLY_MAX), model: deps.openai.model, fallback_reason: null };
      } catch (e) {
        deps.log.warn('ai chat: model failed, answering locally', { reason: e instanceof ModelError ? e.reason : 'error', error: (e as Error).message });
        fallback = 'unavailable';
      }
    }
  }
  return { source: 'local', reply: await localReply(deps, scope, text, now), model: null, fallback_reason: fallback };
}
