import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortOnStopSignal } from '../../cli/stop-signal.js';

describe('Ctrl-C and SIGTERM in one-shot commands', () => {
  it('the first signal aborts the jobs at their next safe point, a second forces the exit, dispose removes the handlers', () => {
    const proc = new EventEmitter();
    const seen: string[] = [];
    const stop = abortOnStopSignal(
      proc,
      (s) => seen.push(`first ${s}`),
      (s) => seen.push(`force ${s}`),
    );
    expect(stop.signal.aborted).toBe(false);
    proc.emit('SIGINT', 'SIGINT');
    expect(stop.signal.aborted).toBe(true);
    expect((stop.signal.reason as Error).message).toBe('SIGINT received');
    proc.emit('SIGTERM', 'SIGTERM');
    expect(seen).toEqual(['first SIGINT', 'force SIGTERM']);
    stop.dispose();
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
  });
});
