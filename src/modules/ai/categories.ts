/**
 * Incident categories for the local analysis: the words that point to each, what the category usually
 * means, a playbook of first actions and prevention tips. Written from common SRE practice; the local
 * analysis combines them with what the process's own past incidents (their RCAs) say.
 */

export type CategoryId =
  | 'network' | 'database' | 'certificate' | 'deployment' | 'capacity' | 'third_party'
  | 'authentication' | 'batch' | 'messaging' | 'general';

export interface Category {
  id: CategoryId;
  label: string;
  /** Word patterns (matched on lower-case text at word starts) and their weight. */
  signals: [RegExp, number][];
  /** What the category usually means, as the start of a root cause hypothesis. */
  hypothesis: string;
  playbook: string[];
  prevention: string[];
}

const w = (pattern: string, weight = 1): [RegExp, number] => [new RegExp(`\\b(?:${pattern})`, 'g'), weight];

export const CATEGORIES: Category[] = [
  {
    id: 'network',
    label: 'Network / connectivity',
    signals: [
      w('network', 2), w('dns', 3), w('vpn', 3), w('tunnel', 3), w('firewall', 3), w('packet', 2), w('connectivity', 3),
      w('unreachable', 2), w('routing|route[sd]?\\b', 2), w('bgp', 3), w('proxy', 2), w('load balancer', 2), w('latency', 1),
      w('timeouts?|timed out|time out', 1), w('504|502', 1), w('connection (?:refused|reset|dropped)', 2), w('sip', 2),
      w('trunk', 2), w('bandwidth', 2), w('isp\\b', 2), w('resolver', 2),
    ],
    hypothesis: 'traffic is not getting through on the path between services or to a partner: DNS, a VPN or tunnel, a firewall rule, a load balancer or a route in between.',
    playbook: [
      'Trace the failing path hop by hop: resolve the hostnames from the affected hosts (dig or nslookup) and compare with the expected addresses.',
      'Check VPN/tunnel and firewall state on both sides, and any firewall, routing or DNS change made recently.',
      'Check load balancer health checks and which backends are in the pool.',
      'Compare the error timeline with network monitoring (packet loss, latency) to locate the break.',
    ],
    prevention: [
      'Probe each critical path end to end with a synthetic check (DNS resolution, TLS handshake, a test transaction) and alert on it.',
      'Keep DNS caching short on egress to partners that may change addresses.',
      'Alert on tunnel and link state changes, not only on the downstream errors they cause.',
      'Ask network partners for advance notice of changes and review firewall changes before rollout.',
    ],
  },
  {
    id: 'database',
    label: 'Database',
    signals: [
      w('databases?|db\\b', 3), w('replication|replicas?', 3), w('\\blag\\b|lagging', 1), w('quer(?:y|ies)', 2), w('deadlocks?', 3),
      w('locks?|locking', 1), w('sql|mysql|mariadb|postgres|oracle', 3), w('index(?:es)?', 1), w('binlog|transaction log', 3),
      w('stale data', 2), w('schema', 1), w('connection pool', 1), w('tables?\\b', 1),
    ],
    hypothesis: 'the database layer is the bottleneck: slow or blocking queries, replication falling behind, lock contention or exhausted connections.',
    playbook: [
      'List running queries and lock waits (SHOW PROCESSLIST, information_schema.innodb_trx or pg_stat_activity); stop or reschedule long-running ones that block others.',
      'Check replication status and lag on each replica; send reads to the primary or a healthy replica meanwhile.',
      'Compare open connections with the pool size and the server limit.',
      'Review schema changes and the query plans of the slowest statements since the incident started.',
    ],
    prevention: [
      'Alert on replication lag, lock waits and connection-pool saturation before users notice.',
      'Run reporting and reconciliation queries on a dedicated replica or off-peak, with statement timeouts.',
      'Review query plans in code review and load-test new queries with production-sized data.',
    ],
  },
  {
    id: 'certificate',
    label: 'Certificate / TLS',
    signals: [
      w('certificates?|certs?\\b', 3), w('ssl', 3), w('tls', 3), w('handshakes?', 2), w('x\\.?509', 3), w('expir', 2),
      w('renew', 2), w('keystore|truststore', 3), w('mutual tls|mtls', 3),
    ],
    hypothesis: 'a TLS certificate (or its chain) is expired, replaced or mismatched on one side of a connection.',
    playbook: [
      'Inspect the certificate the failing endpoint presents (openssl s_client -connect host:443 -servername host): expiry, chain and host name.',
      'Renew or redeploy the certificate with its full chain and reload the services gracefully, one node at a time.',
      'Check client certificates used for partner connections (mutual TLS) as well as server certificates.',
    ],
    prevention: [
      'Monitor the expiry of every server and client certificate and alert 30 days ahead.',
      'Automate renewals (ACME or the CA\'s API) and keep an inventory of certificates with their owners.',
      'Reload TLS endpoints gracefully so a renewal does not drop in-flight handshakes.',
    ],
  },
  {
    id: 'deployment',
    label: 'Change / deployment',
    signals: [
      w('deploy(?:ed|ment|ments)?', 3), w('releases?', 2), w('rollouts?|roll(?:ed)? out', 3), w('rollback|rolled back|roll back', 3),
      w('upgrades?|upgraded', 2), w('config(?:uration)? change', 3), w('migrations?', 2), w('hotfix|patch(?:ed)?', 2),
      w('feature flag', 3), w('pipeline', 1), w('new version', 2),
    ],
    hypothesis: 'a recent change — a deployment, a configuration change or an upgrade — introduced the fault.',
    playbook: [
      'Line up the incident start with recent deployments and configuration changes (CI/CD history, approved change requests).',
      'If a change lines up, roll it back or switch off its feature flag first, then investigate.',
      'Compare error rates and logs of the affected service before and after the change.',
    ],
    prevention: [
      'Deploy progressively (canary or one node at a time) with automatic rollback on an error-rate alarm.',
      'Add a load test and a smoke test of the critical path to the pipeline.',
      'Link every production change to an approved change request so incidents can be correlated quickly.',
    ],
  },
  {
    id: 'capacity',
    label: 'Capacity / load',
    signals: [
      w('capacity', 3), w('cpu', 3), w('memory|oom|out of memory', 3), w('disk (?:full|space)', 3), w('saturat', 3),
      w('exhaust', 3), w('pool', 1), w('quota', 2), w('throttl', 2), w('rate limit', 2), w('peak|spike|surge', 2),
      w('load\\b', 1), w('queue depth|backlog', 2), w('scal(?:e|ing)', 1), w('p9[59]', 1), w('slow', 1),
    ],
    hypothesis: 'demand exceeded a limit: CPU, memory, disk, a connection or thread pool, a queue or a rate quota.',
    playbook: [
      'Check saturation of the affected service and its dependencies: CPU, memory, disk, pools and queue depth.',
      'Throttle or shed the heaviest traffic source, or scale out the saturated tier.',
      'Find what changed in demand: a campaign, a batch job, or a client retrying without backoff.',
    ],
    prevention: [
      'Alert on saturation (pool usage, queue depth, quota use) at 70–80%, not only on errors.',
      'Set per-client rate limits and require retries with exponential backoff.',
      'Review capacity ahead of campaigns and month-end peaks.',
    ],
  },
  {
    id: 'third_party',
    label: 'Third-party dependency',
    signals: [
      w('vendors?', 3), w('partners?', 2), w('providers?', 2), w('third[- ]party', 3), w('aggregators?', 3), w('mno', 3),
      w('bank\\b|banks\\b', 2), w('processors?', 2), w('upstream', 2), w('external', 2), w('national switch|switch\\b', 1),
      w('carriers?', 2), w('suppliers?', 2),
    ],
    hypothesis: 'an external dependency — a partner, vendor, bank or aggregator — is failing or changed something on its side.',
    playbook: [
      'Check the provider\'s status page and open a ticket with their NOC, quoting timestamps and request ids.',
      'Fail over to a secondary provider or region if there is one; queue and retry requests that can wait.',
      'Tell the affected client stakeholders (Notifications) what is impacted and when the next update comes.',
    ],
    prevention: [
      'Keep a secondary provider or region for critical dependencies and test the failover regularly.',
      'Monitor each provider with synthetic transactions and alert on their error rate separately from yours.',
      'Agree change notices and escalation contacts in each provider\'s SLA.',
    ],
  },
  {
    id: 'authentication',
    label: 'Authentication / identity',
    signals: [
      w('log ?in|sign ?in', 3), w('auth', 2), w('otp', 2), w('tokens?', 2), w('passwords?', 2), w('sessions?', 1),
      w('identity', 3), w('sso|oauth|saml|jwt', 3), w('401|403', 2), w('signing key|keys? rotat', 3), w('credentials?', 2),
    ],
    hypothesis: 'authentication or identity is failing: tokens, signing keys, sessions or the OTP step.',
    playbook: [
      'Read the identity service logs for the rejection reason (expired or invalid token, unknown key id, clock skew).',
      'Check that signing keys and secrets are the same on every node and that clocks are in sync.',
      'If users are stuck at the code step, check OTP delivery through the SMS gateway.',
    ],
    prevention: [
      'Distribute keys from a secrets store and rotate them with an overlap (old and new valid together).',
      'Monitor the login success rate and the OTP delivery rate.',
    ],
  },
  {
    id: 'batch',
    label: 'Batch / scheduled job',
    signals: [
      w('batch', 3), w('jobs?\\b', 2), w('cron', 3), w('nightly', 3), w('scheduled', 2), w('reconciliation', 3),
      w('settlement', 2), w('payouts?', 2), w('statement file|input file|files?\\b', 1), w('etl|import|export', 2),
    ],
    hypothesis: 'a scheduled or batch job failed on its input, its timing or one of its dependencies.',
    playbook: [
      'Read the job log for the first failing record or step; check whether its input files arrived complete and on time.',
      'Re-run the job for the failed range once the cause is fixed, making sure a re-run cannot pay or post twice.',
      'Tell the owners of downstream reports and payments about the delay.',
    ],
    prevention: [
      'Quarantine bad records and continue instead of aborting the whole batch.',
      'Alert when a job does not start, runs long or ends with errors.',
      'Validate input files (format, header names, completeness) before processing them.',
    ],
  },
  {
    id: 'messaging',
    label: 'Messaging (SMS, push, USSD, email)',
    signals: [
      w('sms', 3), w('smsc', 3), w('push', 2), w('notifications?', 2), w('ussd', 3), w('e-?mails?', 1), w('sender id', 3),
      w('delivery|delivered', 2), w('ivr', 2),
    ],
    hypothesis: 'message delivery (SMS, push, USSD or email) is delayed or failing at a gateway or provider.',
    playbook: [
      'Check queue depth and delivery receipts at the gateway and at the provider.',
      'Check sender-ID throttling and quota with the aggregator.',
      'Give transactional messages priority over bulk or marketing traffic.',
    ],
    prevention: [
      'Separate transactional and marketing traffic (sender IDs, queues and rate limits).',
      'Alert on delivery latency and queue depth per provider.',
    ],
  },
];

export const GENERAL: Category = {
  id: 'general',
  label: 'Application',
  signals: [],
  hypothesis: 'no single cause stands out from the text yet; start from the symptoms, the impact and recent changes.',
  playbook: [
    'Confirm the impact: which customers, services and channels, and since when.',
    'Check the service\'s logs, error rates and dashboards around the start time.',
    'Review every change made in the 24 hours before the start.',
  ],
  prevention: [
    'Add monitoring on the symptom customers saw first, so the next occurrence raises an alert before a complaint.',
    'Write the RCA when the incident is resolved, so the next similar one starts with a head start.',
  ],
};

export interface Categorisation {
  primary: Category;
  /** Other categories scoring at least half the primary's score. */
  secondary: Category[];
  scores: Partial<Record<CategoryId, number>>;
}

/** Scores the text against each category's signals; the title counts double. */
export function categorise(title: string, body: string): Categorisation {
  const t = ` ${title.toLowerCase()} `;
  const b = ` ${body.toLowerCase()} `;
  const scores: Partial<Record<CategoryId, number>> = {};
  for (const c of CATEGORIES) {
    let s = 0;
    for (const [re, weight] of c.signals) {
      s += 2 * weight * (t.match(re)?.length ?? 0);
      s += weight * Math.min(3, b.match(re)?.length ?? 0);
    }
    if (s > 0) scores[c.id] = s;
  }
  const ranked = CATEGORIES.filter((c) => (scores[c.id] ?? 0) > 0).sort((a, b2) => (scores[b2.id] ?? 0) - (scores[a.id] ?? 0));
  if (ranked.length === 0 || (scores[ranked[0].id] ?? 0) < 2) return { primary: GENERAL, secondary: [], scores };
  const top = scores[ranked[0].id]!;
  return { primary: ranked[0], secondary: ranked.slice(1, 3).filter((c) => scores[c.id]! >= top / 2), scores };
}

export function categoryById(id: string): Category {
  return CATEGORIES.find((c) => c.id === id) ?? GENERAL;
}

/** HTTP status codes named in the text, with what they usually mean. */
const HTTP_HINTS: Record<string, string> = {
  '401': 'HTTP 401 (credentials or tokens are being refused)',
  '403': 'HTTP 403 (a permission or IP allow-list refuses the caller)',
  '429': 'HTTP 429 (a rate limit is being hit)',
  '500': 'HTTP 500 (the service itself is failing)',
  '502': 'HTTP 502 (a proxy or gateway got a bad answer from the service behind it)',
  '503': 'HTTP 503 (the service behind the gateway is down or refusing load)',
  '504': 'HTTP 504 (a gateway waited too long for the service behind it)',
};

export function httpHints(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(/\b(?:http\s*)?(401|403|429|500|502|503|504)\b/gi)) seen.add(m[1]);
  return [...seen].sort().map((code) => HTTP_HINTS[code]);
}
