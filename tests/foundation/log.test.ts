import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { batchedLines, createLogger } from '../../src/log.js';
import { ROOT } from '../helpers/compiled-server.js';

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('log lines', () => {
  it('are written together once the turn of the event loop ends, in order', async () => {
    const chunks: string[] = [];
    const lines = batchedLines((c) => chunks.push(c));
    lines.write('{"n":1}');
    lines.write('{"n":2}');
    expect(chunks).toEqual([]);
    await nextTurn();
    expect(chunks).toEqual(['{"n":1}\n{"n":2}\n']);
    lines.write('{"n":3}');
    await nextTurn();
    expect(chunks).toEqual(['{"n":1}\n{"n":2}\n', '{"n":3}\n']);
  });

  it('are written at once when a batch grows past its limit, or on flush()', async () => {
    const chunks: string[] = [];
    const lines = batchedLines((c) => chunks.push(c), 20);
    lines.write('x'.repeat(25));
    expect(chunks).toEqual([`${'x'.repeat(25)}\n`]);
    lines.write('short');
    lines.flush();
    expect(chunks).toEqual([`${'x'.repeat(25)}\n`, 'short\n']);
    await nextTurn();
    expect(chunks).toHaveLength(2); // nothing written twice
  });

  it('reach stdout when the process exits right after logging', () => {
    const script = [
      "import { createLogger } from './src/log.ts';",
      "const log = createLogger('info');",
      "for (let i = 0; i < 3; i++) log.info('request', { n: i });",
      'process.exit(0);',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; n: number });
    expect(lines.map((l) => [l.msg, l.n])).toEqual([['request', 0], ['request', 1], ['request', 2]]);
  });

  it('below the level are dropped', () => {
    const out: string[] = [];
    const log = createLogger('warn', (l) => out.push(l));
    log.info('quiet');
    log.warn('loud', { why: 'test' });
    expect(out.map((l) => JSON.parse(l) as { msg: string })).toEqual([expect.objectContaining({ msg: 'loud', level: 'warn', why: 'test' })]);
  });
});
