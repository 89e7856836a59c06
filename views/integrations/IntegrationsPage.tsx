import type { SigningSecret } from '../../src/webhooks/signing.js';
import { buttonPrimary } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';
import { IntegrationList, type IntegrationListProps } from './IntegrationList.js';
import { DeliveryFilter, DeliveryList, SecretPanel, TestWebhookForm, VerifyHelp, type DeliveryListProps, type TestFormProps } from './Webhooks.js';

function SetupHelp(props: { appUrl: string }) {
  const url = `${props.appUrl}/api/v1/alerts/<key>`;
  return (
    <details class="border-t border-slate-200 px-4 py-3 text-sm text-slate-600" data-testid="setup-help">
      <summary class="cursor-pointer font-medium text-navy">How to send alerts here</summary>
      <div class="mt-3 grid gap-4 lg:grid-cols-3">
        <div>
          <h4 class="mb-1 font-semibold text-navy">Prometheus Alertmanager</h4>
          <p class="mb-2">A webhook receiver in <code>alertmanager.yml</code>:</p>
          <pre class="overflow-x-auto rounded-md bg-navy p-3 text-xs text-slate-100">{`receivers:
  - name: d2c-ops
    webhook_configs:
      - url: ${url}
        send_resolved: true
        max_alerts: 200`}</pre>
        </div>
        <div>
          <h4 class="mb-1 font-semibold text-navy">Grafana alerting</h4>
          <p>
            Add a contact point of type <em>Webhook</em> with the integration's URL and method POST. Grafana's unified alerting
            and the legacy notification format are both understood.
          </p>
        </div>
        <div>
          <h4 class="mb-1 font-semibold text-navy">Generic JSON</h4>
          <pre class="overflow-x-auto rounded-md bg-navy p-3 text-xs text-slate-100">{`curl -X POST ${url} \\
  -H 'Content-Type: application/json' \\
  -d '{"title":"Checkout API down",
       "severity":1,
       "dedup_key":"checkout-api",
       "status":"firing"}'`}</pre>
          <p class="mt-1">Send <code>"status":"resolved"</code> with the same <code>dedup_key</code> to resolve it.</p>
        </div>
      </div>
      <p class="mt-3">
        A firing alert opens an incident; the same alert firing again while it is unresolved is added to that incident's timeline; a resolved
        alert resolves it. Up to 120 requests a minute per integration, 200 alerts and 1 MB per request.
      </p>
    </details>
  );
}

export interface IntegrationsPageProps {
  shell: ShellProps;
  appUrl: string;
  list: IntegrationListProps;
  secret: SigningSecret | null;
  secretTz: string;
  test: TestFormProps;
  deliveries: DeliveryListProps;
}

export function IntegrationsPage(props: IntegrationsPageProps) {
  const { actor } = props.shell;
  const scope = actor.role === 'super_admin' && !actor.viewProcessId ? 'every process' : 'your process';
  return (
    <AppShell {...props.shell}>
      <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
        <p class="text-sm text-slate-500">Monitoring that opens and resolves incidents for {scope}, and the webhooks the platform sends out.</p>
        <a href="/integrations/new" hx-get="/integrations/new" hx-target="#modal" class={buttonPrimary} data-testid="new-integration">
          <Icon name="plug" class="h-4 w-4" /> New Integration
        </a>
      </div>

      <section class="mb-6 rounded-xl border border-slate-200 bg-white shadow-sm" aria-labelledby="inbound-title">
        <div class="border-b border-slate-200 px-4 py-3">
          <h2 id="inbound-title" class="font-semibold text-navy">Inbound alerts</h2>
          <p class="text-xs text-slate-500">Each integration has a secret URL: whoever posts alerts to it opens incidents here.</p>
        </div>
        <div id="integration-list" hx-get="/integrations" hx-trigger="integrations:changed from:body" hx-target="this">
          <IntegrationList {...props.list} />
        </div>
        <SetupHelp appUrl={props.appUrl} />
      </section>

      <section class="mb-6 rounded-xl border border-slate-200 bg-white shadow-sm" aria-labelledby="outbound-title">
        <div class="border-b border-slate-200 px-4 py-3">
          <h2 id="outbound-title" class="font-semibold text-navy">Outbound webhooks</h2>
          <p class="text-xs text-slate-500">
            Escalation tiers and automation rules can post to Slack or any URL. Every webhook is signed with the process's secret.
          </p>
        </div>
        <div class="grid gap-6 p-4 lg:grid-cols-2">
          <div class="space-y-3">
            <SecretPanel secret={props.secret} tz={props.secretTz} />
            <VerifyHelp />
          </div>
          <div>
            <TestWebhookForm {...props.test} />
          </div>
        </div>
      </section>

      <section class="rounded-xl border border-slate-200 bg-white shadow-sm" aria-labelledby="deliveries-title">
        <div class="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 px-4 py-3">
          <div>
            <h2 id="deliveries-title" class="font-semibold text-navy">Webhook delivery log</h2>
            <p class="text-xs text-slate-500">Newest first, with the receiver's answer. Retries back off from 30 s to an hour.</p>
          </div>
          <DeliveryFilter filters={props.deliveries.filters} />
        </div>
        <div id="delivery-list">
          <DeliveryList {...props.deliveries} />
        </div>
      </section>
      <div id="modal"></div>
    </AppShell>
  );
}
