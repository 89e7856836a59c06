import { statementsExecuted } from '../db/index.js';

/** What one process has counted: plain data, so a cluster's processes can send it to each other. */
export interface MetricsSnapshot {
  /** Requests by their `method="…",status="…"` label set. */
  requests: Record<string, number>;
  durationSum: number;
  durationCount: number;
  statements: number;
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number };
  /** How many processes the figures cover (more than one when a cluster summed them). */
  processes: number;
}

/** A few Prometheus counters, kept in memory per process. */
export class Metrics {
  private requests = new Map<string, number>();
  private durationSum = 0;
  private durationCount = 0;

  observe(method: string, status: number, ms: number): void {
    const key = `method="${method}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.durationSum += ms / 1000;
    this.durationCount += 1;
  }

  snapshot(): MetricsSnapshot {
    return {
      ...processSnapshot(),
      requests: Object.fromEntries(this.requests),
      durationSum: this.durationSum,
      durationCount: this.durationCount,
    };
  }
}

/** This process's figures that do not come from serving requests: its SQL and its memory. */
export function processSnapshot(): MetricsSnapshot {
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return {
    requests: {}, durationSum: 0, durationCount: 0, statements: statementsExecuted(),
    memory: { rss, heapUsed, heapTotal, external }, processes: 1,
  };
}

/** The figures of several processes as one: counters and memory added up. */
export function mergeSnapshots(snapshots: MetricsSnapshot[]): MetricsSnapshot {
  const total: MetricsSnapshot = {
    requests: {}, durationSum: 0, durationCount: 0, statements: 0,
    memory: { rss: 0, heapUsed: 0, heapTotal: 0, external: 0 }, processes: 0,
  };
  for (const s of snapshots) {
    for (const [k, v] of Object.entries(s.requests)) total.requests[k] = (total.requests[k] ?? 0) + v;
    total.durationSum += s.durationSum;
    total.durationCount += s.durationCount;
    total.statements += s.statements;
    for (const k of Object.keys(total.memory) as (keyof MetricsSnapshot['memory'])[]) total.memory[k] += s.memory[k];
    total.processes += s.processes;
  }
  return total;
}

/** Prometheus text format (0.0.4). */
export function renderMetrics(s: MetricsSnapshot): string {
  const lines = ['# HELP d2c_http_requests_total HTTP requests served.', '# TYPE d2c_http_requests_total counter'];
  for (const [k, v] of Object.entries(s.requests)) lines.push(`d2c_http_requests_total{${k}} ${v}`);
  lines.push('# HELP d2c_http_request_duration_seconds Time spent serving requests.', '# TYPE d2c_http_request_duration_seconds summary');
  lines.push(`d2c_http_request_duration_seconds_sum ${s.durationSum}`, `d2c_http_request_duration_seconds_count ${s.durationCount}`);
  lines.push('# HELP d2c_db_statements_total SQL statements run.', '# TYPE d2c_db_statements_total counter', `d2c_db_statements_total ${s.statements}`);
  const gauge = (name: string, help: string, value: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
  gauge('d2c_processes', 'Server processes these figures add up (the primary and its HTTP workers in a cluster).', s.processes);
  gauge('process_resident_memory_bytes', 'Resident memory.', s.memory.rss);
  gauge('nodejs_heap_used_bytes', 'JavaScript heap in use.', s.memory.heapUsed);
  gauge('nodejs_heap_total_bytes', 'JavaScript heap reserved.', s.memory.heapTotal);
  gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript (buffers, drivers).', s.memory.external);
  return lines.join('\n') + '\n';
}

/** How the /metrics route gets the figures it shows: this process's own, or a whole cluster's. */
export type MetricsCollector = (own: Metrics) => Promise<MetricsSnapshot>;

export const ownMetrics: MetricsCollector = async (own) => own.snapshot();
