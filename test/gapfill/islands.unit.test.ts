import { describe, expect, it } from 'vitest';
import { diffIslands, type Island } from '../../jobs/gapfill/islands.js';

const runs = (...xs: [number, number][]): Island[] =>
  xs.map(([lo, hi]) => ({ lo: BigInt(lo), hi: BigInt(hi), n: hi - lo + 1 }));
const keys = (d: { missing: string[][]; extra: string[][] } | undefined) =>
  d && [d.missing.map((k) => k[0]), d.extra.map((k) => k[0])];

describe('gaps and islands: missing and extra keys from runs of consecutive keys', () => {
  it.each<[string, Island[], Island[], string[], string[]]>([
    ['identical', runs([1, 10]), runs([1, 10]), [], []],
    ['a lost run', runs([1, 10]), runs([1, 3], [7, 10]), ['4', '5', '6'], []],
    ['extra at both ends', runs([5, 6]), runs([3, 8]), [], ['3', '4', '7', '8']],
    ['runs split differently', runs([1, 4], [6, 9]), runs([1, 2], [3, 9]), [], ['5']],
    ['empty target', runs([1, 2], [9, 9]), [], ['1', '2', '9'], []],
    ['empty source', [], runs([4, 4]), [], ['4']],
    ['interleaved', runs([1, 1], [3, 3], [5, 5]), runs([2, 2], [3, 4]), ['1', '5'], ['2', '4']],
  ])('%s', (_name, s, g, missing, extra) => {
    expect(keys(diffIslands(s, g))).toEqual([missing, extra]);
  });

  it('works on keys near 2^62 without losing precision', () => {
    const big = 4611686018427387904n;
    const d = diffIslands([{ lo: big, hi: big + 2n, n: 3 }], [{ lo: big, hi: big, n: 1 }]);
    expect(keys(d)).toEqual([[`${big + 1n}`, `${big + 2n}`], []]);
  });

  it('gives up when a side holds a key twice (more rows than keys in a run, or overlapping runs)', () => {
    expect(diffIslands(runs([1, 5]), [{ lo: 1n, hi: 5n, n: 6 }])).toBeUndefined();
    expect(diffIslands(runs([1, 5]), runs([1, 3], [3, 5]))).toBeUndefined();
  });
});
