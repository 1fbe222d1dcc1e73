import { describe, expect, it } from 'vitest';
import { decideMemory, inFullLoad, memoryThreshold, type MemoryFacts } from '../../jobs/memory-guard/decide.js';
import { instanceClassMemory } from '../../lib/aws/dms-instance-classes.js';

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
  swapThreshold: 0,
};
/** Swapping throughout the look-back (256 MiB), unless a case says otherwise. */
const SWAPPING = [15, 10, 5, 4, 3, 2, 1, 0].map((m) => ({ timestamp: at(m), value: 256 * 1024 ** 2 }));
const fmt = (b: number) => `${(b / GiB).toFixed(2)} GiB`;

describe('decideMemory: the memory guard decision', () => {
  it.each<[string, Partial<MemoryFacts>, string, number | null]>([
    ['no datapoints', { points: [] }, 'no-data', null],
    ['a stale newest datapoint', { points: series([15, 0.5], [11, 0.5]) }, 'no-data', null],
    ['plenty of memory', { points: series([3, 3], [2, 2.5], [1, 2]) }, 'ok', 2 * GiB],
    ['exactly the threshold', { points: series([1, 1.5]) }, 'ok', 1.5 * GiB],
    ['below the threshold, no restart yet', { points: series([3, 2], [2, 1.4], [1, 1.6]) }, 'restart', 1.4 * GiB],
    // FreeableMemory includes cache: low FreeableMemory is pressure only while the instance swaps (§15.1, §15.2).
    [
      'below the threshold, no swap at all: cache, not pressure',
      { points: series([3, 2], [2, 1.4], [1, 1.6]), swap: series([3, 0], [2, 0], [1, 0]) },
      'ok',
      1.4 * GiB,
    ],
    [
      'below the threshold, no SwapUsage datapoint: no action on half the evidence',
      { points: series([3, 2], [2, 1.4], [1, 1.6]), swap: [] },
      'no-data',
      1.4 * GiB,
    ],
    [
      'below the threshold, swap only before the restart: not swapping now',
      {
        points: series([4, 3], [1, 1.2]),
        swap: series([8, 0.5], [4, 0], [1, 0]),
        restarts: [at(5)],
        ticksSinceRestart: 4,
      },
      'ok',
      1.2 * GiB,
    ],
    [
      'plenty of memory while swapping a little: ok',
      { points: series([2, 3], [1, 2]), swap: series([2, 0.1], [1, 0.1]) },
      'ok',
      2 * GiB,
    ],
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
      'low datapoints while the restart was under way, then back: the tail of the first drain is not a second one',
      { points: series([4, 0.25], [3, 0.25], [2, 3], [1, 2.8]), restarts: [at(5)], ticksSinceRestart: 3 },
      'ok',
      2.8 * GiB,
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
    const v = decideMemory(
      { points: [], swap: SWAPPING, now, restarts: [], ticksSinceRestart: 0, ...f },
      rules,
      'dms-1',
      fmt,
    );
    expect(v.decision).toBe(decision);
    expect(v.minimum).toBe(minimum);
    if (['no-data', 'not-recovered', 'restart-limit'].includes(decision)) expect(v.warning).toMatch(/dms-1/);
    else expect(v.warning).toBeUndefined();
  });
});

describe('inFullLoad: which tasks the memory guard leaves alone', () => {
  it.each([
    ['cdc', 0, false],
    ['cdc', undefined, false],
    ['CDC', 42, false],
    ['full-load-and-cdc', 0, true],
    ['full-load-and-cdc', 99.5, true],
    ['full-load-and-cdc', 100, false],
    ['full-load', 50, true],
    [undefined, 50, true],
    [undefined, undefined, false],
  ] as const)('MigrationType %s at %s %% → %s', (migrationType, fullLoadProgressPercent, expected) => {
    expect(inFullLoad({ migrationType, fullLoadProgressPercent })).toBe(expected);
  });
});

describe('memoryThreshold: bytes, or a fraction of the instance class memory', () => {
  const cls = (instanceClass: string) => ({ instanceClass, memory: instanceClassMemory(instanceClass) });
  it.each<[string, number | undefined, Parameters<typeof memoryThreshold>[2], number | RegExp]>([
    ['no fraction: the byte threshold, class not read', undefined, {}, 1.5 * GiB],
    ['10 % of dms.t3.micro (1 GiB) is below 1.5 GiB', 0.1, cls('dms.t3.micro'), Math.floor(0.1 * GiB)],
    ['25 % of dms.c4.large (3.75 GiB)', 0.25, cls('dms.c4.large'), Math.floor(0.25 * 3.75 * GiB)],
    ['20 % of dms.r5.large (16 GiB) is above 1.5 GiB: the lower wins', 0.2, cls('dms.r5.large'), 1.5 * GiB],
    ['the whole of dms.t3.small (2 GiB) is above 1.5 GiB', 1, cls('dms.t3.small'), 1.5 * GiB],
    ['a class name in upper case', 0.05, cls('DMS.R4.LARGE'), Math.floor(0.05 * 15.25 * GiB)],
    [
      'an unknown class: no guess',
      0.1,
      cls('dms.r6i.large'),
      /memory of instance class "dms.r6i.large" of ri-1 is not known.*no action/,
    ],
    [
      'the class could not be read',
      0.1,
      { classError: 'AccessDeniedException' },
      /could not be read \(AccessDeniedException\): no action/,
    ],
  ])('%s', (_name, fraction, c, expected) => {
    const t = memoryThreshold({ threshold: 1.5 * GiB, fraction }, 'ri-1', c);
    if (typeof expected === 'number') expect(t).toEqual({ bytes: expected });
    else expect(t.warning).toMatch(expected);
  });

  it('a restart below a fraction threshold that 1.5 GiB would not allow, and none above it', () => {
    const { bytes } = memoryThreshold({ threshold: 1.5 * GiB, fraction: 0.5 }, 'ri-1', cls('dms.t3.micro'));
    const tick = (gib: number) =>
      decideMemory(
        { points: series([1, gib]), swap: SWAPPING, now, restarts: [], ticksSinceRestart: 0 },
        { ...rules, threshold: bytes! },
        'ri-1',
        fmt,
      ).decision;
    expect([tick(0.4), tick(0.6), tick(1.2)]).toEqual(['restart', 'ok', 'ok']);
  });
});
