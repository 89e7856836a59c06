import type { PropsWithChildren } from 'hono/jsx';
import type { Insight } from '../../src/modules/ai/insights.js';
import type { IncidentRow } from '../../src/modules/incidents/queries.js';
import type { Actor } from '../../src/tenancy.js';
import { SeverityBadge, StatusBadge } from '../components/Badge.js';
import { buttonPrimary, buttonSecondary } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { LocalTime, RelativeTime } from '../components/Time.js';
import { SourceBadge } from './SourceBadge.js';

function Panel(props: PropsWithChildren<{ title: string; icon: string; tone: string; testid: string }>) {
  return (
    <section class="rounded-xl border border-slate-200 bg-white shadow-sm" data-testid={props.testid}>
      <h3 class="flex items-center gap-2 border-b border-slate-100 px-4 py-3 font-semibold text-navy">
        <span class={`rounded-md p-1.5 ${props.tone}`}><Icon name={props.icon} class="h-4 w-4" /></span>
        {props.title}
      </h3>
      <div class="p-4 text-sm leading-relaxed text-slate-700">{props.children}</div>
    </section>
  );
}

function IncidentHeader(props: PropsWithChildren<{ actor: Actor; incident: IncidentRow }>) {
  const i = props.incident;
  return (
    <div class="flex flex-wrap items-start justify-between gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <div class="min-w-0">
        <div class="flex flex-wrap items-center gap-2">
          <SeverityBadge severity={i.severity} />
          <StatusBadge status={i.status} />
          {props.actor.role === 'super_admin' ? <span class="text-xs text-slate-500">{i.process_name}</span> : null}
        </div>
        <h2 class="mt-1 text-lg font-semibold text-navy" data-testid="insight-incident-title">
          <a href={`/incidents/${i.id}`} class="hover:underline">#{i.id} {i.title}</a>
        </h2>
        <p class="text-xs text-slate-500">
          Opened <LocalTime at={i.opened_at} tz={i.process_timezone} />
          {i.assignee_name ? ` · assigned to ${i.assignee_name}` : ' · unassigned'}
        </p>
      </div>
      {props.children}
    </div>
  );
}

function RegenerateForm(props: { incidentId: number; label: string; primary?: boolean }) {
  return (
    <form method="post" action={`/ai-insights/${props.incidentId}`} hx-post={`/ai-insights/${props.incidentId}`} hx-target="#insights" hx-swap="innerHTML"
      hx-disabled-elt="find button">
      <input type="hidden" name="refresh" value="1" />
      <button type="submit" class={props.primary ? buttonPrimary : buttonSecondary} data-testid="regenerate">
        <Icon name="refresh" class="h-4 w-4" /> {props.label}<span class="htmx-indicator" aria-hidden="true">…</span>
      </button>
    </form>
  );
}

/** The four panels of Figures 6.10a–b for one incident, with where they came from and Regenerate. */
export function InsightPanels(props: { actor: Actor; incident: IncidentRow; insight: Insight; now: Date }) {
  const { incident, insight } = props;
  const tz = incident.process_timezone;
  return (
    <div class="space-y-4" data-testid="insight-panels" data-source={insight.source}>
      <IncidentHeader actor={props.actor} incident={incident}>
        <div class="flex flex-col items-end gap-2">
          <div class="flex items-center gap-2">
            <SourceBadge source={insight.source} model={insight.model} reason={insight.fallback_reason} />
            <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-600" title="Category from the incident's text">{insight.category.label}</span>
          </div>
          <div class="flex items-center gap-3">
            <span class="text-xs text-slate-500">
              Generated <RelativeTime at={new Date(insight.generated_at)} now={props.now} tz={tz} />
            </span>
            <RegenerateForm incidentId={incident.id} label="Regenerate" />
          </div>
        </div>
      </IncidentHeader>

      <div class="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Panel title="Root Cause" icon="alert" tone="bg-danger/10 text-danger" testid="panel-root-cause">
          <p class="whitespace-pre-line" data-testid="root-cause">{insight.root_cause}</p>
        </Panel>
        <Panel title="Recommended Actions" icon="check" tone="bg-teal/10 text-teal" testid="panel-actions">
          <ol class="list-decimal space-y-1.5 pl-5 marker:font-semibold marker:text-teal">
            {insight.recommended_actions.map((a) => <li>{a}</li>)}
          </ol>
        </Panel>
        <Panel title="Similar Past Incidents" icon="clock" tone="bg-amber/10 text-amber" testid="panel-similar">
          {insight.similar_incidents.length === 0 ? (
            <p class="text-slate-500">No similar incidents in this process yet. As incidents are resolved with a root cause analysis, they show up here for the next one.</p>
          ) : (
            <ul class="divide-y divide-slate-100" data-testid="similar-list">
              {insight.similar_incidents.map((s) => (
                <li class="py-2 first:pt-0 last:pb-0" data-similar-id={String(s.id)}>
                  <div class="flex flex-wrap items-center gap-2">
                    <a href={`/incidents/${s.id}`} class="font-medium text-navy hover:underline">#{s.id} {s.title}</a>
                    <SeverityBadge severity={s.severity} />
                    <StatusBadge status={s.status} />
                    <span class="ml-auto rounded bg-slate-100 px-1.5 py-0.5 text-xs font-semibold text-slate-600" title="Text similarity">{Math.round(s.similarity * 100)}% match</span>
                  </div>
                  <p class="mt-0.5 text-xs text-slate-500">
                    {s.resolved_at ? <>Resolved <LocalTime at={new Date(s.resolved_at)} tz={tz} /></> : <>Opened <LocalTime at={new Date(s.opened_at)} tz={tz} /></>}
                  </p>
                  {s.rca ? <p class="mt-1 line-clamp-3 text-xs text-slate-600"><span class="font-semibold">RCA:</span> {s.rca}</p> : null}
                </li>
              ))}
            </ul>
          )}
        </Panel>
        <Panel title="Prevention Tips" icon="shield" tone="bg-navy/10 text-navy" testid="panel-prevention">
          <ul class="list-disc space-y-1.5 pl-5 marker:text-navy">
            {insight.prevention_tips.map((t) => <li>{t}</li>)}
          </ul>
        </Panel>
      </div>
    </div>
  );
}

/** Shown while the analysis runs: htmx posts for it as soon as this is on the page. */
export function InsightLoader(props: { actor: Actor; incident: IncidentRow }) {
  const id = props.incident.id;
  return (
    <div class="space-y-4" data-testid="insight-loader">
      <IncidentHeader actor={props.actor} incident={props.incident}>
        <noscript><RegenerateForm incidentId={id} label="Analyse" primary /></noscript>
      </IncidentHeader>
      <div hx-post={`/ai-insights/${id}`} hx-trigger="load" hx-target="#insights" hx-swap="innerHTML" class="grid grid-cols-1 gap-4 lg:grid-cols-2" aria-busy="true">
        {['Root Cause', 'Recommended Actions', 'Similar Past Incidents', 'Prevention Tips'].map((t) => (
          <section class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
            <h3 class="font-semibold text-navy">{t}</h3>
            <div class="mt-3 space-y-2">
              <div class="h-3 w-11/12 animate-pulse rounded bg-slate-200"></div>
              <div class="h-3 w-9/12 animate-pulse rounded bg-slate-200"></div>
              <div class="h-3 w-10/12 animate-pulse rounded bg-slate-200"></div>
            </div>
          </section>
        ))}
      </div>
      <p class="text-center text-sm text-slate-500" role="status">Analysing incident #{id}…</p>
    </div>
  );
}
