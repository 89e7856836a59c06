import { statementsExecuted } from '../db/index.js';

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

  render(extra: Record<string, number> = {}): string {
    const lines = ['# HELP d2c_http_requests_total HTTP requests served.', '# TYPE d2c_http_requests_total counter'];
    for (const [k, v] of this.requests) lines.push(`d2c_http_requests_total{${k}} ${v}`);
    lines.push('# HELP d2c_http_request_duration_seconds Time spent serving requests.', '# TYPE d2c_http_request_duration_seconds summary');
    lines.push(`d2c_http_request_duration_seconds_sum ${this.durationSum}`, `d2c_http_request_duration_seconds_count ${this.durationCount}`);
    lines.push('# HELP d2c_db_statements_total SQL statements run.', '# TYPE d2c_db_statements_total counter', `d2c_db_statements_total ${statementsExecuted()}`);
    const gauge = (name: string, help: string, value: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    const mem = process.memoryUsage();
    gauge('process_resident_memory_bytes', 'Resident memory.', mem.rss);
    gauge('nodejs_heap_used_bytes', 'JavaScript heap in use.', mem.heapUsed);
    gauge('nodejs_heap_total_bytes', 'JavaScript heap reserved.', mem.heapTotal);
    gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript (buffers, drivers).', mem.external);
    for (const [k, v] of Object.entries(extra)) lines.push(`# TYPE ${k} gauge`, `${k} ${v}`);
    return lines.join('\n') + '\n';
  }
}
