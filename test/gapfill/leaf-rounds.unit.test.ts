import { describe, expect, it } from 'vitest';
import { BLOCK_ROUND_KEYS } from '../../jobs/gapfill/blocks.js';
import { DEFAULT_COMPARE, leafRounds } from '../../jobs/gapfill/compare.js';
import { contiguousRanges, type Leaf } from '../../jobs/gapfill/integer-leaves.js';
import type { GapTable } from '../../jobs/gapfill/table.js';

/** A table with a single integer key the source enforces unique: leaves whose source is complete are proven. */
const t = { integerOnly: true, sourceKeyUnique: true } as GapTable;

/** `n` leaves of `width` keys from `start`, the source complete (proven) unless `sourceShort`. */
function leaves(n: number, width: number, start = 0, sourceShort = 0): Leaf[] {
  return Array.from({ length: n }, (_x, i) => {
    const after = start + i * width;
    return {
      seg: { after: String(after), upTo: String(after + width) },
      rows: width,
      sourceRows: width - sourceShort,
      targetRows: width - 1,
    };
  });
}

describe('gap-filling leaf rounds', () => {
  it('reads a dense day of proven leaves in as many even rounds as the connection budget, never more keys than the cap', () => {
    const rounds = leafRounds(t, leaves(512, 19_532), DEFAULT_COMPARE);
    expect(rounds).toHaveLength(DEFAULT_COMPARE.concurrency);
    const sizes = rounds.map((r) => r.reduce((a, l) => a + l.rows, 0));
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(2 * 19_532);
    // 50M keys: rounds of at most the cap (plus the leaf that crosses it).
    const big = leafRounds(t, leaves(2560, 19_532), DEFAULT_COMPARE);
    expect(big.length).toBeGreaterThanOrEqual(Math.ceil((2560 * 19_532) / BLOCK_ROUND_KEYS));
    for (const r of big) expect(r.reduce((a, l) => a + l.rows, 0)).toBeLessThan(BLOCK_ROUND_KEYS + 19_532);
  });

  it('keeps leaves the source does not prove in rounds of runs (10 × fetchRowsPerRound keys)', () => {
    const rounds = leafRounds(t, leaves(100, 20_000, 0, 1), DEFAULT_COMPARE);
    expect(rounds.map((r) => r.length)).toEqual(Array(4).fill(25));
  });

  it('merges proven leaves that follow one another, and only those', () => {
    const ls = [...leaves(3, 100, 1000), ...leaves(2, 100, 5000), ...leaves(1, 100, 0)];
    const ranges = contiguousRanges(ls);
    expect(ranges.map((r) => [r.seg.after, r.seg.upTo, r.targetRows, r.members.length])).toEqual([
      ['0', '100', 99, 1],
      ['1000', '1300', 297, 3],
      ['5000', '5200', 198, 2],
    ]);
  });
});
