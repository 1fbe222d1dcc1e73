import { describe, expect, it } from 'vitest';
import { BLOCK_KEYS, missingFromBlocks } from '../../jobs/gapfill/blocks.js';

/** A segment (100, 170]: 70 keys, blocks of 31, 31 and 8 keys. */
const seg = { after: 100n, upTo: 170n };
const bits = (offsets: number[]) => offsets.reduce((a, o) => a + 2 ** o, 0);
const range = (n: number) => Array.from({ length: n }, (_x, i) => i);

describe('gap-filling block bitmaps', () => {
  it('names the keys a block lacks, silent blocks complete when the row count says so', () => {
    // Block 1 lacks offsets 0 and 30 (keys 132 and 162); block 2 (8 keys) is complete, so it answers too.
    const b1 = range(BLOCK_KEYS).filter((o) => o !== 0 && o !== 30);
    const blocks = [
      { block: 1, n: b1.length, bits: bits(b1) },
      { block: 2, n: 8, bits: bits(range(8)) },
    ];
    expect(missingFromBlocks(seg, 31 + 29 + 8, blocks)).toEqual(['132', '162']);
  });

  it('proves nothing when a silent block is empty (the row count falls short) or a key is held twice', () => {
    expect(
      missingFromBlocks(seg, 29 + 8, [
        { block: 1, n: 29, bits: bits(range(29)) },
        { block: 2, n: 8, bits: bits(range(8)) },
      ]),
    ).toBe(undefined);
    // Offsets 0 and 0: two rows, one bit — and the carry, 2^1, is a bit of its own.
    expect(
      missingFromBlocks(seg, 31 + 2 + 8, [
        { block: 1, n: 2, bits: 2 },
        { block: 2, n: 8, bits: bits(range(8)) },
      ]),
    ).toBe(undefined);
    // A full block's bitmap with a 32nd row (a key twice) does not add up either.
    expect(
      missingFromBlocks(seg, 32 + 31 + 8, [
        { block: 0, n: 32, bits: 2 ** 31 - 1 + 1 },
        { block: 2, n: 8, bits: bits(range(8)) },
      ]),
    ).toBe(undefined);
  });

  it('reads an empty last block and a block beyond the segment as unproven', () => {
    expect(missingFromBlocks(seg, 62, [])).toBe(undefined);
    expect(missingFromBlocks(seg, 70, [{ block: 3, n: 1, bits: 1 }])).toBe(undefined);
    // The last block holding a bit past its 8 keys.
    expect(missingFromBlocks(seg, 62 + 1, [{ block: 2, n: 1, bits: 2 ** 8 }])).toBe(undefined);
  });
});

describe('gap-filling block bitmaps on 64-bit keys', () => {
  it('names keys beyond 2^53 exactly', () => {
    const after = 2n ** 62n;
    const b = range(BLOCK_KEYS).filter((o) => o !== 5);
    expect(missingFromBlocks({ after, upTo: after + 31n }, 30, [{ block: 0, n: 30, bits: bits(b) }])).toEqual([
      String(after + 6n),
    ]);
  });
});
