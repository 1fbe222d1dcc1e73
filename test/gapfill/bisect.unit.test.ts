import { describe, expect, it } from 'vitest';
import { chooseSegment, isDenseLevel } from '../../jobs/gapfill/bisect.js';

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
