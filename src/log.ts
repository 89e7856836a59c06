/** Structured logs: one JSON object a line on stdout. */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Lines gathered during one turn of the event loop and written to `out` together: a busy server
 * makes one write for the requests of a turn instead of one each (a synchronous write to a pipe per
 * request cost a tenth of its CPU). A batch that reaches `maxChars` is written at once; what is
 * left is written when the process exits.
 */
export function batchedLines(out: (chunk: string) => void, maxChars = 64 * 1024): { write(line: string): void; flush(): void } {
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!pending) return;
    const chunk = pending;
    pending = '';
    out(chunk);
  };
  const write = (line: string) => {
    pending += line + '\n';
    if (pending.length >= maxChars) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return { write, flush };
}

let stdoutLines: ReturnType<typeof batchedLines> | null = null;

/** The process's stdout as batched lines (one writer, flushed on exit). */
function stdoutWriter(): ReturnType<typeof batchedLines> {
  if (!stdoutLines) {
    stdoutLines = batchedLines((chunk) => process.stdout.write(chunk));
    process.once('exit', stdoutLines.flush);
  }
  return stdoutLines;
}

/** Writes the log lines still waiting (before printing something that must come after them). */
export function flushLogs(): void {
  stdoutLines?.flush();
}

export function createLogger(level: Level | 'silent', write: (line: string) => void = (l) => stdoutWriter().write(l)): Logger {
  const emit = (lvl: Level) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[lvl] < ORDER[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
