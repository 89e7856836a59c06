import type { Child } from 'hono/jsx';
import type { Process } from '../../src/db/schema.js';
import { can } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { buttonPrimary, buttonSecondary, FormError, inputClass, invalid } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';

export type CardKey = 'incidents' | 'downtime' | 'audit' | 'sla';

export interface CardValues {
  from: string;
  to: string;
  process: string;
}

export interface ReportingProps {
  shell: ShellProps;
  /** The values of each card's form. */
  values: Record<CardKey, CardValues>;
  /** A card whose last submission failed, with its field messages. */
  errors?: { card: CardKey; fields: Record<string, string> };
  /** super_admin: the processes to choose from. */
  processes?: Pick<Process, 'slug' | 'name'>[];
  tz: string;
  sla: Child;
}

const CARDS: { key: Exclude<CardKey, 'sla'>; title: string; text: string; icon: string }[] = [
  { key: 'incidents', title: 'Incident Report', text: 'Every incident opened in the range: severity, status, assignee, when it was opened, acknowledged and resolved, and its RCA.', icon: 'alert' },
  { key: 'downtime', title: 'Downtime Summary', text: 'Every outage that started in the range: services affected, impact, duration and the linked incident.', icon: 'clock' },
  { key: 'audit', title: 'Audit Log Export', text: 'Every audit entry recorded in the range, with user, IP, what changed and the hashes that chain the log.', icon: 'shield' },
];

function RangeFields(props: { card: CardKey; values: CardValues; errors: Record<string, string>; processes?: Pick<Process, 'slug' | 'name'>[]; tz: string }) {
  const id = (name: string) => `${props.card}-${name}`;
  const e = props.errors;
  return (
    <>
      <input type="hidden" name="tz" value={props.tz} x-init="$el.value = Intl.DateTimeFormat().resolvedOptions().timeZone || $el.value" />
      <div class="grid grid-cols-2 gap-3">
        <div>
          <label for={id('from')} class="mb-1 block text-xs font-medium text-slate-500">From</label>
          <input id={id('from')} name="from" type="date" required value={props.values.from} class={inputClass} x-model="from" {...invalid(id('from'), e.from)} />
          {e.from ? <p id={`${id('from')}-error`} class="mt-1 text-xs text-danger" data-field-error="from">{e.from}</p> : null}
        </div>
        <div>
          <label for={id('to')} class="mb-1 block text-xs font-medium text-slate-500">To</label>
          <input id={id('to')} name="to" type="date" required value={props.values.to} class={inputClass} x-bind:min="from" {...invalid(id('to'), e.to)} />
          {e.to ? <p id={`${id('to')}-error`} class="mt-1 text-xs text-danger" data-field-error="to">{e.to}</p> : null}
        </div>
      </div>
      {props.processes ? (
        <div class="mt-3">
          <label for={id('process')} class="mb-1 block text-xs font-medium text-slate-500">Process</label>
          <select id={id('process')} name="process" class={inputClass} {...invalid(id('process'), e.process)}>
            <option value="all" selected={props.values.process === '' || props.values.process === 'all'}>All processes (with a Process column)</option>
            {props.processes.map((p) => <option value={p.slug} selected={props.values.process === p.slug}>{p.name}</option>)}
          </select>
          {e.process ? <p id={`${id('process')}-error`} class="mt-1 text-xs text-danger" data-field-error="process">{e.process}</p> : null}
        </div>
      ) : null}
      {e.tz ? <p class="mt-1 text-xs text-danger" data-field-error="tz">{e.tz}</p> : null}
    </>
  );
}

function Card(props: { card: (typeof CARDS)[number]; reporting: ReportingProps }) {
  const { card, reporting } = props;
  const errors = reporting.errors?.card === card.key ? reporting.errors.fields : {};
  const values = reporting.values[card.key];
  return (
    <section id={card.key} class="flex flex-col rounded-xl border border-slate-200 bg-white p-5 shadow-sm" data-report={card.key}>
      <div class="mb-3 flex items-center gap-3">
        <div class="rounded-lg bg-teal/10 p-2 text-teal"><Icon name={card.icon} class="h-5 w-5" /></div>
        <h2 class="font-semibold text-navy">{card.title}</h2>
      </div>
      <p class="mb-4 text-sm text-slate-500">{card.text}</p>
      <form method="get" action={`/reporting/${card.key}.csv`} class="mt-auto space-y-3" data-export x-data={`{ from: ${JSON.stringify(values.from)} }`}>
        <FormError message={Object.keys(errors).length ? 'Please correct the dates below.' : undefined} />
        <RangeFields card={card.key} values={values} errors={errors} processes={reporting.processes} tz={reporting.tz} />
        <div class="flex gap-2 pt-1">
          <button type="submit" class={buttonPrimary} formaction={`/reporting/${card.key}.csv`} data-testid={`${card.key}-csv`}>
            CSV
          </button>
          <button type="submit" class={buttonSecondary} formaction={`/reporting/${card.key}.pdf`} data-testid={`${card.key}-pdf`}>
            PDF
          </button>
        </div>
      </form>
    </section>
  );
}

export function ReportingPage(props: ReportingProps) {
  const { actor } = props.shell;
  const cards = CARDS.filter((c) => c.key !== 'audit' || can(actor.role, 'reporting.export_audit'));
  const slaErrors = props.errors?.card === 'sla' ? props.errors.fields : {};
  return (
    <AppShell {...props.shell}>
      <p class="mb-4 max-w-3xl text-sm text-slate-500">
        Reports of {scopeText(actor)} as CSV (every field, ISO times in UTC, opens in Excel) or as a branded PDF (times in your time zone).
        Dates are days in your time zone, both included.
      </p>
      <div class={`grid gap-4 ${cards.length === 3 ? 'lg:grid-cols-3' : 'md:grid-cols-2'}`}>
        {cards.map((c) => <Card card={c} reporting={props} />)}
      </div>
      <section id="sla" class="mt-6 rounded-xl border border-slate-200 bg-white p-5 shadow-sm" data-report="sla">
        <div class="mb-4 flex flex-wrap items-end justify-between gap-4">
          <div class="flex items-center gap-3">
            <div class="rounded-lg bg-teal/10 p-2 text-teal"><Icon name="chart" class="h-5 w-5" /></div>
            <div>
              <h2 class="font-semibold text-navy">SLA Report</h2>
              <p class="text-sm text-slate-500">Mean time to acknowledge (MTTA) and to resolve (MTTR), by severity and by process.</p>
            </div>
          </div>
          <form method="get" action="/reporting/sla" class="flex flex-wrap items-end gap-3" data-export x-data={`{ from: ${JSON.stringify(props.values.sla.from)} }`}>
            <div class="w-80"><RangeFields card="sla" values={props.values.sla} errors={slaErrors} processes={props.processes} tz={props.tz} /></div>
            <div class="flex gap-2">
              <button type="submit" class={buttonPrimary} hx-get="/reporting/sla" hx-include="closest form" hx-target="#sla-panel" hx-swap="outerHTML" hx-push-url="false" data-testid="sla-show">
                Show <span class="htmx-indicator">…</span>
              </button>
              <button type="submit" class={buttonSecondary} formaction="/reporting/sla.csv" data-testid="sla-csv">CSV</button>
              <button type="submit" class={buttonSecondary} formaction="/reporting/sla.pdf" data-testid="sla-pdf">PDF</button>
            </div>
          </form>
        </div>
        {props.sla}
      </section>
    </AppShell>
  );
}

function scopeText(actor: Actor): string {
  if (actor.role !== 'super_admin') return 'your process';
  return 'every process, or the one you choose';
}
