import type { Role } from '../../db/schema.js';
import { can, type Permission } from '../../roles.js';

/**
 * How the platform works, as short how-to answers. The local assistant answers from these; the model
 * gets them as its reference so its answers match the product.
 */

export interface GuideTopic {
  id: string;
  title: string;
  /** Matched against the lower-cased question. */
  match: RegExp;
  /** Who may do it; people without it are told who can. */
  permission?: Permission;
  whoCan?: string;
  steps: string[];
}

export const GUIDE: GuideTopic[] = [
  {
    id: 'escalate',
    title: 'Escalating an incident',
    match: /escalat|page (?:someone|the)|wake (?:up )?(?:the )?(?:manager|on-?call)/,
    steps: [
      'Sev 1 incidents escalate on their own through the "Sev1 Escalation" chain: tier 1 is notified at once, the next tiers after their delay (15 and 30 minutes) while the incident is still unresolved.',
      'A tier without a named person notifies whoever is primary on call that day (On-Call page).',
      'To escalate by hand, raise the severity on the incident (Incidents → open it → Severity) or assign it to the manager on call; the assignee is emailed at once.',
      'Managers and admins edit chains under Escalations and rules such as "Escalate Sev 1 after 30min" under Automation.',
    ],
  },
  {
    id: 'create_incident',
    title: 'Opening an incident',
    match: /(?:open|create|log|raise|report|add|new)\w* (?:a |an |new )*incident|new incident/,
    permission: 'incidents.edit',
    whoCan: 'operators, managers and admins',
    steps: [
      'Go to Incidents and press "New Incident".',
      'Give a short title (what is broken), the severity (Sev 1 critical … Sev 4 low) and a description of impact and what you tried.',
      'Optionally take it yourself; a manager can assign anyone.',
      'Everyone in the process is emailed when it opens; an incident left unassigned for 30 minutes sends a reminder.',
    ],
  },
  {
    id: 'resolve',
    title: 'Resolving an incident',
    match: /resolv|close (?:an |the )?incident|mark (?:it |an incident )?(?:as )?(?:done|fixed|in progress)|\brca\b|root cause/,
    permission: 'incidents.edit',
    whoCan: 'operators, managers and admins',
    steps: [
      'Open the incident from Incidents.',
      'Press "Mark In Progress" when work starts (everyone is emailed), then "Resolve" when service is restored.',
      'Write the root cause analysis (RCA) on the incident: it feeds AI Insights for the next similar incident.',
      'A resolved incident can be reopened if the problem comes back.',
    ],
  },
  {
    id: 'assign',
    title: 'Assigning an incident',
    match: /assign|take (?:an |the |this )?incident|owner/,
    permission: 'incidents.edit',
    whoCan: 'operators (to themselves) and managers or admins (to anyone)',
    steps: [
      'Open the incident and use "Take it" to assign it to yourself.',
      'Managers and admins pick anyone active in the process from the Assignee list and press "Assign"; the assignee gets an "Assigned to You" email.',
    ],
  },
  {
    id: 'downtime',
    title: 'Logging downtime',
    match: /downtime|outage window|service (?:is )?down/,
    permission: 'downtime.edit',
    whoCan: 'operators, managers and admins',
    steps: [
      'Go to Downtime and press "Log Downtime".',
      'Enter when it started, the services affected and the impact level (low, medium, high); link the incident if there is one.',
      'Press "End" when service is back. Managers and admins are emailed at the start and the end, with the duration.',
    ],
  },
  {
    id: 'handover',
    title: 'Shift handovers',
    match: /hand ?over|shift/,
    permission: 'handovers.submit',
    whoCan: 'operators, managers and admins',
    steps: [
      'Go to Handovers and press "Submit Handover".',
      'Pick the shift, the handover time and who takes over; open incidents are pre-filled; add actions taken and notes.',
      'The recipient is emailed and acknowledges it; you are emailed when they do.',
    ],
  },
  {
    id: 'approval',
    title: 'Approvals',
    match: /approv|access request|change request/,
    permission: 'approvals.submit',
    whoCan: 'operators, managers and admins',
    steps: [
      'Go to Approvals and press "New Request": a change or an access request with a title and details.',
      'Managers and admins are emailed; one of them approves or rejects it with a note (never their own request).',
      'You are emailed with the decision.',
    ],
  },
  {
    id: 'ticket',
    title: 'Tickets',
    match: /ticket/,
    permission: 'tickets.edit',
    whoCan: 'operators, managers and admins',
    steps: [
      'Go to Tickets and press "New Ticket": type incident, change, access or report, a title and a description.',
      'Move it through open → in progress → closed and assign it from its detail.',
    ],
  },
  {
    id: 'oncall',
    title: 'On-call schedule',
    match: /on-?call (?:schedule|rota|roster)|schedule (?:someone|on-?call)|rotation|who(?:'s| is) on call next|add (?:someone )?to (?:the )?on-?call/,
    permission: 'oncall.manage',
    whoCan: 'managers and admins',
    steps: [
      'Everyone can see the On-Call page: who is primary, backup and escalation for each day.',
      'Managers and admins add a person for a date and role, or set up a rotation that fills the days.',
      'Escalation tiers without a named person notify the primary on call of that day.',
    ],
  },
  {
    id: 'automation',
    title: 'Automation rules',
    match: /automat|rule/,
    permission: 'automation.manage',
    whoCan: 'managers and admins',
    steps: [
      'Go to Automation and press "New Rule".',
      'Choose a trigger (severity unresolved after N minutes, or a schedule) and an action (escalate via a chain, or an email digest).',
      'Each rule shows how often it ran; switch it off without deleting it.',
    ],
  },
  {
    id: 'reports',
    title: 'Reports and exports',
    match: /report|export|csv|pdf|sla/,
    permission: 'reporting.view',
    whoCan: 'managers and admins',
    steps: [
      'Go to Reporting: Incident Report, Downtime Summary and Audit Log Export (admins).',
      'Pick a date range and press CSV or PDF.',
    ],
  },
  {
    id: 'notify',
    title: 'Messaging clients and the ops team',
    match: /notif|message (?:the )?(?:client|stakeholder|ops)|tell (?:the )?client|stakeholder|broadcast/,
    steps: [
      'Go to Notifications.',
      'Operators and above send a message to all client stakeholders of the process; clients send one to the operations team.',
      'The list shows recipients and bounces for each message.',
    ],
  },
  {
    id: 'password',
    title: 'Changing your password',
    match: /password|log ?in problem|locked out/,
    steps: [
      'Open /account/password (Change password) and enter your current and new password.',
      'Forgot it? Use "Forgot password?" on the sign-in page: a 6-digit code is emailed to you.',
    ],
  },
  {
    id: 'ai',
    title: 'AI Insights',
    match: /insight|analy[sz]|similar incident|prevent/,
    steps: [
      'Go to AI Insights and pick an incident: you get the likely root cause, recommended actions, similar past incidents of your process and prevention tips.',
      'The badge says whether it came from the AI model or the local analysis; "Regenerate" runs it again.',
    ],
  },
  {
    id: 'roles',
    title: 'Roles and permissions',
    match: /\brole|permission|who can|access (?:to|rights)|what can i/,
    steps: [
      'Viewer: reads every module of the process. Operator: also opens and works incidents, downtime, tickets, handovers and requests. Manager: also assigns anyone, approves requests, manages escalations, automation, on-call and reports. Admin: also manages users and sees the audit log. Client: sees incidents, downtime and on-call and messages the ops team.',
      'Only the super admin sees more than one process.',
    ],
  },
  {
    id: 'integrations',
    title: 'Alert integrations',
    match: /integrat|alertmanager|prometheus|grafana|webhook|monitoring/,
    permission: 'integrations.manage',
    whoCan: 'admins',
    steps: [
      'Admins add an integration (Alertmanager, Grafana or generic JSON) under Integrations and get its URL.',
      'Alerts sent there open incidents, deduplicate repeats and resolve them when the alert clears.',
    ],
  },
];

/** The topic a question is about, if any. */
export function findTopic(question: string): GuideTopic | undefined {
  const q = question.toLowerCase();
  return GUIDE.find((t) => t.match.test(q));
}

/** The answer to a how-to question for this role. */
export function topicAnswer(topic: GuideTopic, role: Role): string {
  const lines = [`${topic.title}:`, ...topic.steps.map((s, i) => `${i + 1}. ${s}`)];
  if (topic.permission && !can(role, topic.permission)) {
    lines.push(`Your role cannot do this yourself: ${topic.whoCan ?? 'ask a manager'} can.`);
  }
  return lines.join('\n');
}

/** The whole guide as text, for the model's reference. */
export function guideText(): string {
  return GUIDE.map((t) => `## ${t.title}${t.whoCan ? ` (who: ${t.whoCan})` : ''}\n${t.steps.map((s) => `- ${s}`).join('\n')}`).join('\n\n');
}
