import { describe, expect, it } from 'vitest';
import { chooseSegment, isDenseLevel } from '../../jobs/gapfill/bisect.js';
import { firstLevelBuckets, MAX_FIRST_LEVEL } from '../../jobs/gapfill/compare-buckets.js';
import { batchCap, type CompareOptions } from '../../jobs/gapfill/compare.js';

const o = { leafRows: 4096, denseRowFraction: 0.25, denseFraction: 0.5 };

describe('gap-filling bisection: leaf, dense or recurse', () => {
  it.each<[number, number, boolean, string]>([
    [100, 99, false, 'leaf'],
    [4096, 4095, false, 'leaf'],
    [4097, 4096, false, 'recurse'],
    [1_000_000, 999_999, false, 'recurse'],
    [1_000_000, 700_000, false, 'dense'],
    [1000, 0, false, 'dense'],
    [0, 1000, false, 'dense'],
    [1_000_000, 999_999, true, 'dense'],
    [10, 10, true, 'dense'],
  ])('source %i rows, target %i rows, dense level %s → %s', (s, g, level, expected) => {
    expect(chooseSegment(s, g, level, o)).toBe(expected);
  });

  it.each<[number, number, boolean]>([
    [7, 7, false],
    [8, 4, false],
    [8, 5, true],
    [1024, 513, true],
    [1024, 512, false],
  ])('%i segments with %i differing: dense level %s', (segments, differing, expected) => {
    expect(isDenseLevel(segments, differing, o)).toBe(expected);
  });
});

describe('firstLevelBuckets', () => {
  const opts = { initialSegments: 512, fetchRowsPerRound: 50_000 } as CompareOptions;
  it('sizes the first grouped level so the differing buckets fit one fetch round', () => {
    // 10M rows, 100 rows' difference: ~20,000 buckets wanted, rounded up to a power of two.
    expect(firstLevelBuckets(10_000_000, 100, opts)).toBe(32_768);
    // Equal counts (a replaced key, a stale version) or few rows: the default first level.
    expect(firstLevelBuckets(10_000_000, 0, opts)).toBe(512);
    expect(firstLevelBuckets(1_000, 10, opts)).toBe(512);
    // Dense differences: capped.
    expect(firstLevelBuckets(10_000_000, 100_000, opts)).toBe(MAX_FIRST_LEVEL);
  });
});

describe('gap-filling fingerprint batches', () => {
  const cap = (msPerRow: number | undefined, rows: number | undefined) =>
    batchCap(msPerRow, rows, { targetQueryMs: 500 });
  it('fills a statement with as many segments as take about targetQueryMs, 4 to 256', () => {
    expect(cap(undefined, undefined)).toBe(256);
    // 0.4 µs a row: first-level segments of 20,000 rows → 62 a statement; the next level's 2,000-row ones → 256.
    expect(cap(0.0004, 20_000)).toBe(63);
    expect(cap(0.0004, 2_000)).toBe(256);
    expect(cap(0.01, 1_000_000)).toBe(4);
  });
});
