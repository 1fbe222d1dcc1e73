import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, jobLogger, newRunId } from '../../lib/log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, destination };
}

describe('logging', () => {
  it('writes JSON lines carrying job, task and runId, with secrets redacted', () => {
    const { lines, destination } = capture();
    const root = createLogger({ format: 'json', destination });
    const runId = newRunId();
    const log = jobLogger(root, 'fixer', runId, 'orders');
    log.info({ connection: { host: 'h', password: 'hunter2' }, token: 'abc' }, 'repaired 3 rows');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      job: 'fixer',
      task: 'orders',
      runId,
      msg: 'repaired 3 rows',
      connection: { host: 'h', password: '***' },
      token: '***',
    });
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('gives each run its own id', () => {
    expect(newRunId()).not.toBe(newRunId());
  });
});
