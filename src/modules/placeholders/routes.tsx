import { Hono } from 'hono';
import { ComingSoonPage } from '../../../views/placeholders/ComingSoon.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import type { AppEnv } from '../../http/env.js';
import { renderPage, shellProps } from '../../http/render.js';
import { NAVIGATION } from '../../navigation.js';

/** What each not-yet-built module will do, shown on its page meanwhile. */
const DESCRIPTIONS: Record<string, string> = {
  '/escalations': 'Chains of tiers that page the right people when an incident stays unresolved.',
  '/oncall': 'Who is on call, today and on every day, with rotations and calendar feeds.',
  '/automation': 'Rules that escalate, email digests and act on incidents by threshold or schedule.',
  '/notifications': 'Messages between the operations team and the client stakeholders of this process.',
  '/activity': 'A live feed of everything happening in your processes.',
  '/ai-insights': 'Root cause analysis, similar past incidents and prevention tips for any incident.',
  '/reporting': 'Incident, downtime and audit reports as CSV and branded PDF.',
  '/users': 'Manage the people of your process, their roles and access.',
  '/audit-log': 'The immutable record of every action on the platform.',
  '/integrations': 'Connect Prometheus Alertmanager, Grafana and other monitoring to open incidents automatically.',
};

export const placeholderPages = new Hono<AppEnv>();

for (const item of NAVIGATION.flatMap((s) => s.items)) {
  const description = DESCRIPTIONS[item.path];
  if (!description) continue;
  placeholderPages.get(item.path, requireAuth, requirePermission(item.permission), async (c) =>
    renderPage(c, <ComingSoonPage shell={await shellProps(c, item.label)} description={description} />),
  );
}
