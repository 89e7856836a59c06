import type { OutgoingWebhook } from './outbox.js';

/**
 * Webhook bodies: a Slack-compatible `text` (Slack, Mattermost, Rocket.Chat and most chat tools
 * show it as is) plus structured fields for programs. Text from users is escaped the way Slack
 * wants (&, <, >), so a title cannot ping a channel or forge a link.
 */

export type WebhookPayload = OutgoingWebhook['payload'];

export interface WebhookProcess {
  id: number;
  slug: string;
  name: string;
}

export interface WebhookIncident {
  id: number;
  title: string;
  severity: number;
  status: string;
  opened_at: Date;
  resolved_at?: Date | null;
  assigned_to?: number | null;
  source?: string;
}

export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * An incident event (e.g. "escalation.fired", "incident.created"). `headline` leads the text,
 * e.g. "Escalation tier 2 fired"; it is escaped too.
 */
export function incidentWebhookPayload(
  event: string,
  incident: WebhookIncident,
  ctx: { appUrl: string; process: WebhookProcess; headline?: string; now: Date; extra?: Record<string, unknown> },
): WebhookPayload {
  const url = `${ctx.appUrl}/incidents/${incident.id}`;
  const head = ctx.headline ? `${slackEscape(ctx.headline)}: ` : '';
  const text = `${head}*Sev ${incident.severity}* incident <${url}|#${incident.id} ${slackEscape(incident.title)}> `
    + `is ${incident.status.replace(/_/g, ' ')} (${slackEscape(ctx.process.name)})`;
  return {
    text,
    event,
    created_at: ctx.now.toISOString(),
    process: { id: ctx.process.id, slug: ctx.process.slug, name: ctx.process.name },
    incident: {
      id: incident.id,
      title: incident.title,
      severity: incident.severity,
      status: incident.status,
      url,
      opened_at: incident.opened_at.toISOString(),
      resolved_at: incident.resolved_at ? incident.resolved_at.toISOString() : null,
      assigned_to: incident.assigned_to ?? null,
      source: incident.source ?? null,
    },
    ...ctx.extra,
  };
}

/** The body of the "Send test webhook" button. */
export function testWebhookPayload(ctx: { process: WebhookProcess; requestedBy: { id: number; name: string }; now: Date }): WebhookPayload {
  return {
    text: `Test webhook from D2C OPs for ${slackEscape(ctx.process.name)}: if you can read this, deliveries work.`,
    event: 'test',
    created_at: ctx.now.toISOString(),
    process: { id: ctx.process.id, slug: ctx.process.slug, name: ctx.process.name },
    requested_by: { id: ctx.requestedBy.id, name: ctx.requestedBy.name },
  };
}
