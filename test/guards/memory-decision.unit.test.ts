import { describe, expect, it } from 'vitest';
import { decideMemory, type MemoryFacts } from '../../jobs/memory-guard/decide.js';

const GiB = 1024 ** 3;
const now = new Date('2026-06-01T12:00:00Z');
const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);
const series = (...values: [number, number][]) => values.map(([m, gib]) => ({ timestamp: at(m), value: gib * GiB }));
const rules = {
  lookback: 900,
  threshold: 1.5 * GiB,
  staleAfter: 600,
  maxRestarts: 2,
  restartWindow: 3600,
  recoveryTicks: 3,
};
const fmt = (b: number) => `${(b / GiB).toFixed(2)} GiB`;

describe('decideMemory: the memory guard decision', () => {
  it.each<[string, Partial<MemoryFacts>, string, number | null]>([
    ['no datapoints', { points: [] }, 'no-data', null],
    ['a stale newest datapoint', { points: series([15, 0.5], [11, 0.5]) }, 'no-data', null],
    ['plenty of memory', { points: series([3, 3], [2, 2.5], [1, 2]) }, 'ok', 2 * GiB],
    ['exactly the threshold', { points: series([1, 1.5]) }, 'ok', 1.5 * GiB],
    ['below the threshold, no restart yet', { points: series([3, 2], [2, 1.4], [1, 1.6]) }, 'restart', 1.4 * GiB],
    [
      'below, memory not back since the restart, waiting',
      { points: series([10, 1], [4, 1.2], [1, 1.1]), restarts: [at(5)], ticksSinceRestart: 2 },
      'waiting-for-recovery',
      1.1 * GiB,
    ],
    [
      'below, memory not back after the recovery ticks',
      { points: series([10, 1], [4, 1.2], [1, 1.1]), restarts: [at(5)], ticksSinceRestart: 3 },
      'not-recovered',
      1.1 * GiB,
    ],
    [
      'memory came back after a restart, then drained again',
      { points: series([4, 3], [1, 1.2]), restarts: [at(5)], ticksSinceRestart: 4 },
      'restart',
      1.2 * GiB,
    ],
    [
      'drained again with the restart limit reached',
      { points: series([4, 3], [1, 1.2]), restarts: [at(5), at(30)], ticksSinceRestart: 4 },
      'restart-limit',
      1.2 * GiB,
    ],
    [
      'only datapoints before the restart',
      { points: series([9, 1]), restarts: [at(5)], ticksSinceRestart: 0 },
      'waiting-for-recovery',
      null,
    ],
    [
      'no datapoint since the restart yet',
      { points: series([6, 1], [1, 1]), restarts: [at(1)] },
      'waiting-for-recovery',
      null,
    ],
  ])('%s', (_name, f, decision, minimum) => {
    const v = decideMemory({ points: [], now, restarts: [], ticksSinceRestart: 0, ...f }, rules, 'dms-1', fmt);
    expect(v.decision).toBe(decision);
    expect(v.minimum).toBe(minimum);
    if (['no-data', 'not-recovered', 'restart-limit'].includes(decision)) expect(v.warning).toMatch(/dms-1/);
    else expect(v.warning).toBeUndefined();
  });
});
