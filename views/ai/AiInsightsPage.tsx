import type { Child } from 'hono/jsx';
import type { Insight } from '../../src/modules/ai/insights.js';
import type { IncidentRow } from '../../src/modules/incidents/queries.js';
import { crossesProcesses, type Actor } from '../../src/tenancy.js';
import { EmptyState } from '../components/EmptyState.js';
import { buttonPrimary, inputClass } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { ChatComposer, Welcome } from './Chat.js';
import { InsightLoader, InsightPanels } from './InsightPanels.js';

export type Tab = 'insights' | 'assistant';

export interface SelectedIncident {
  incident: IncidentRow;
  /** Cached insights, or null: the page then asks for them as soon as it loads. */
  insight: Insight | null;
}

export interface InsightsAreaProps {
  actor: Actor;
  selected: SelectedIncident | null;
  now: Date;
  modelLabel: string | null;
}

/** What #insights holds: the panels, the loader, or the invitation to pick an incident. */
export function InsightsArea(props: InsightsAreaProps) {
  if (!props.selected) {
    return (
      <div class="rounded-xl border border-slate-200 bg-white shadow-sm">
        <EmptyState icon="sparkle" title="Pick an incident to analyse">
          You get the likely root cause, recommended actions, similar past incidents of the same process and prevention tips.
          {props.modelLabel
            ? <> Answers come from the AI model <strong>{props.modelLabel}</strong>, with the local analysis as a fallback.</>
            : <> No AI model is configured, so the built-in local analysis answers: it compares the incident with the process's past incidents and their RCAs.</>}
        </EmptyState>
      </div>
    );
  }
  const { incident, insight } = props.selected;
  return insight
    ? <InsightPanels actor={props.actor} incident={incident} insight={insight} now={props.now} />
    : <InsightLoader actor={props.actor} incident={incident} />;
}

function optionLabel(actor: Actor, i: IncidentRow): string {
  const process = crossesProcesses(actor) ? ` · ${i.process_name}` : '';
  return `#${i.id} · Sev ${i.severity} · ${i.title}${process}`;
}

function Picker(props: { actor: Actor; active: IncidentRow[]; resolved: IncidentRow[]; selectedId: number | null }) {
  const none = props.active.length === 0 && props.resolved.length === 0;
  return (
    <form method="get" action="/ai-insights" class="flex flex-wrap items-end gap-3" hx-get="/ai-insights" hx-target="#insights" hx-swap="innerHTML"
      hx-push-url="true" hx-trigger="change" role="search">
      <div class="min-w-64 flex-1">
        <label for="incident" class="mb-1 block text-xs font-medium text-slate-500">Incident</label>
        <select id="incident" name="incident" class={inputClass} disabled={none} data-testid="incident-picker">
          <option value="">{none ? 'No incidents yet' : 'Choose an incident…'}</option>
          {props.active.length ? (
            <optgroup label="Active">
              {props.active.map((i) => <option value={String(i.id)} selected={i.id === props.selectedId}>{optionLabel(props.actor, i)}</option>)}
            </optgroup>
          ) : null}
          {props.resolved.length ? (
            <optgroup label="Resolved">
              {props.resolved.map((i) => <option value={String(i.id)} selected={i.id === props.selectedId}>{optionLabel(props.actor, i)}</option>)}
            </optgroup>
          ) : null}
        </select>
      </div>
      <noscript><button type="submit" class={buttonPrimary}>Analyse</button></noscript>
    </form>
  );
}

function Tabs(props: { tab: Tab; selectedId: number | null }) {
  const tab = (id: Tab, label: string, icon: string, href: string) => (
    <a href={href} role="tab" aria-selected={props.tab === id ? 'true' : 'false'} data-tab={id}
      class={`-mb-px inline-flex items-center gap-2 border-b-2 px-4 py-2.5 text-sm font-semibold ${props.tab === id ? 'border-teal text-teal' : 'border-transparent text-slate-500 hover:text-navy'}`}>
      <Icon name={icon} class="h-4 w-4" /> {label}
    </a>
  );
  return (
    <div class="mb-4 flex border-b border-slate-200" role="tablist">
      {tab('insights', 'Incident Insights', 'sparkle', props.selectedId ? `/ai-insights?incident=${props.selectedId}` : '/ai-insights')}
      {tab('assistant', 'AI Assistant', 'mail', '/ai-insights?tab=assistant')}
    </div>
  );
}

export interface AssistantTabProps {
  actor: Actor;
  modelLabel: string | null;
  processName: string | null;
  /** Exchanges already had (a form posted without JavaScript lands here). */
  log?: Child;
}

/** The AI Assistant tab (Figure 6.10c). */
export function AssistantTab(props: AssistantTabProps) {
  return (
    <section class="mx-auto flex max-w-3xl flex-col rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="assistant-tab">
      <header class="flex items-center gap-3 border-b border-slate-200 px-5 py-4">
        <div class="flex h-10 w-10 items-center justify-center rounded-full bg-teal text-white"><Icon name="sparkle" class="h-5 w-5" /></div>
        <div class="min-w-0 flex-1">
          <h2 class="font-semibold text-navy">D2C OPs AI Assistant</h2>
          <p class="text-xs text-slate-500">
            {props.processName ? `Answers from what you can see in ${props.processName}` : 'Answers from what you can see in every process'}
            {' · '}{props.modelLabel ? `AI model ${props.modelLabel}` : 'local answers (no AI model configured)'}
          </p>
        </div>
      </header>
      <div id="assistant-log" class="h-[28rem] space-y-3 overflow-y-auto p-5" aria-live="polite" data-chat-log>
        <Welcome name={props.actor.name} />
        {props.log ?? null}
      </div>
      <div class="border-t border-slate-200 p-4">
        <ChatComposer logId="assistant-log" inputId="assistant-input" />
      </div>
    </section>
  );
}

export interface AiInsightsPageProps {
  shell: ShellProps;
  tab: Tab;
  picker: { active: IncidentRow[]; resolved: IncidentRow[] };
  area: InsightsAreaProps;
  assistant: AssistantTabProps;
}

export function AiInsightsPage(props: AiInsightsPageProps) {
  const selectedId = props.area.selected?.incident.id ?? null;
  return (
    <AppShell {...props.shell}>
      <Tabs tab={props.tab} selectedId={selectedId} />
      {props.tab === 'assistant' ? <AssistantTab {...props.assistant} /> : (
        <div class="space-y-4">
          <div class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
            <Picker actor={props.area.actor} active={props.picker.active} resolved={props.picker.resolved} selectedId={selectedId} />
          </div>
          <div id="insights">
            <InsightsArea {...props.area} />
          </div>
        </div>
      )}
    </AppShell>
  );
}
