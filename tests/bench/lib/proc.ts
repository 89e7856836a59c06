import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * What the benchmarks read of processes from /proc (Linux): memory and CPU of the server under test
 * (summed over its HTTP workers) and of the database server. Every reader answers null where there
 * is no /proc or the process is gone.
 */

/** A figure of /proc/<pid>/status in MB (VmRSS, VmHWM), or null. */
export function statusMb(pid: number, key: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** A process and its descendants (a server with WEB_CONCURRENCY > 1 is a primary and its workers). */
export function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // No /proc, or the process is gone.
  }
  return [pid, ...children.flatMap(processTree)];
}

/** Sums a per-process /proc figure over the process tree; null where there is no /proc. */
function overTree(pid: number, one: (pid: number) => number | null): number | null {
  const values = processTree(pid).map(one);
  return values[0] === null ? null : values.reduce<number>((sum, v) => sum + (v ?? 0), 0);
}

/** Resident memory (MB) of a process (with its workers), from /proc; null where there is no /proc. */
export function rssMb(pid: number): number | null {
  return overTree(pid, (p) => statusMb(p, 'VmRSS'));
}

/** The largest resident mappings of a process (BENCH_DEBUG diagnostics). */
export function topMappings(pid: number): string {
  try {
    const text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    const maps: { name: string; rss: number }[] = [];
    let current: { name: string; rss: number } | null = null;
    for (const line of text.split('\n')) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) {
        current = { name: head[1] || '[anon]', rss: 0 };
        maps.push(current);
        continue;
      }
      const rss = /^Rss:\s+(\d+) kB/.exec(line);
      if (rss && current) current.rss += Number(rss[1]);
    }
    const byName = new Map<string, { rss: number; n: number }>();
    for (const m of maps) {
      const e = byName.get(m.name) ?? { rss: 0, n: 0 };
      e.rss += m.rss;
      e.n += 1;
      byName.set(m.name, e);
    }
    const big = maps.filter((m) => m.name === '[anon]').sort((a, b) => b.rss - a.rss).slice(0, 5).map((m) => `${(m.rss / 1024).toFixed(0)}`);
    return [...byName].sort((a, b) => b[1].rss - a[1].rss).slice(0, 6)
      .map(([name, e]) => `${name}: ${(e.rss / 1024).toFixed(0)} MB in ${e.n}`).join('; ') + `; largest anon: ${big.join(', ')} MB`;
  } catch {
    return 'no /proc';
  }
}

/** CPU seconds (user + system) a process (with its workers) has used, from /proc; null where there is no /proc. */
export function cpuSeconds(pid: number): number | null {
  return overTree(pid, (p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
    } catch {
      return null;
    }
  });
}

/** The pid of a running program by name (e.g. the database server), from /proc; null if none. */
export function findProcess(names: string[]): number | null {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) return Number(entry);
      } catch {
        // Gone meanwhile.
      }
    }
  } catch {
    // No /proc.
  }
  return null;
}

/**
 * CPU use over an interval, as % of one core (the machine has cores × 100 %): of the given processes
 * and of this one (the load generator or the bare loop's client). Where a figure cannot be read, null.
 */
export function cpuMeter(pids: { server?: number; database?: number | null }): () => { server: number | null; database: number | null; client: number } {
  const read = (pid: number | null | undefined) => (pid ? cpuSeconds(pid) : null);
  const t0 = performance.now();
  const self0 = process.cpuUsage();
  const server0 = read(pids.server);
  const database0 = read(pids.database);
  return () => {
    const wall = (performance.now() - t0) / 1000;
    const self = process.cpuUsage(self0);
    const pct = (a: number | null, b: number | null) => (a !== null && b !== null ? ((b - a) / wall) * 100 : null);
    return {
      server: pct(server0, read(pids.server)),
      database: pct(database0, read(pids.database)),
      client: ((self.user + self.system) / 1e6 / wall) * 100,
    };
  };
}

