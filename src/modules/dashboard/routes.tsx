import { Hono } from 'hono';
import { ActiveIncidentsTable, DashboardPage } from '../../../views/dashboard/DashboardPage.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import { actorOf, type AppEnv } from '../../http/env.js';
import { renderPage, shellProps } from '../../http/render.js';
import { serializeIncident } from '../incidents/serialize.js';
import { serializeCoverage, serializeNow } from '../oncall/serialize.js';
import type { SlaGroup } from '../reporting/sla.js';
import { activeIncidents, getDashboard } from './service.js';

export const dashboardPages = new Hono<AppEnv>();

dashboardPages.get('/', requireAuth, requirePermission('dashboard.view'), async (c) => {
  const { db, clock } = c.get('deps');
  const now = clock();
  const data = await getDashboard(db, actorOf(c), now);
  return renderPage(c, <DashboardPage shell={await shellProps(c, 'Dashboard')} data={data} now={now} />);
});

dashboardPages.get('/dashboard/active', requireAuth, requirePermission('dashboard.view'), async (c) => {
  const { db, clock } = c.get('deps');
  const now = clock();
  const incidents = await activeIncidents(db, actorOf(c));
  return c.html(<ActiveIncidentsTable actor={actorOf(c)} incidents={incidents} now={now} refreshedAt={now} />);
});

export const dashboardApi = new Hono<AppEnv>();

dashboardApi.get('/dashboard', requireAuth, requirePermission('dashboard.view'), async (c) => {
  const { db, clock } = c.get('deps');
  const data = await getDashboard(db, actorOf(c), clock());
  return c.json({
    open_incidents: data.openIncidents,
    open_sev1: data.openSev1,
    open_tickets: data.openTickets,
    events_today: data.eventsToday,
    active_incidents: data.active.map((i) => ({ ...serializeIncident(i), assignee_name: i.assignee_name ?? null, process_name: i.process_name })),
    on_call_now: data.onCall?.map((o) => ({ process_id: o.process.id, process_slug: o.process.slug, ...serializeNow(o.shifts) })) ?? null,
    oncall_coverage: data.coverage?.map(serializeCoverage) ?? null,
    sla_30d: serializeSla(data.sla.total),
    sla_30d_by_severity: data.sla.bySeverity.map((g) => ({ label: g.label, ...serializeSla(g) })),
  });
});

function serializeSla(g: SlaGroup) {
  return {
    opened: g.opened, acknowledged: g.acknowledged, mtta_minutes: g.mtta_minutes, resolved: g.resolved,
    mttr_minutes: g.mttr_minutes, within_target_pct: g.within_target_pct,
  };
}
