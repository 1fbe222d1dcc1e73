import { asText } from '../../lib/sql/coerce.js';
import type { SqlClient, SqlParam } from '../../lib/sql/client.js';
import { quoteIdent, quoteQualified } from '../../lib/sql/quote.js';
import { castParam } from './dialect.js';
import { segmentPredicate, type Meter, type Segment } from './segments.js';
import type { GapTable } from './table.js';

/**
 * Dense differences where the source holds every key of a segment once (a unique source key and as many rows as
 * keys in `(after, upTo]`): only the target is read, as a **bitmap per block of 31 consecutive keys** — block `j`
 * holds the keys `after + 1 + 31·j …`, and the target sends, for each block that is not complete, its row count and
 * `SUM(1 << offset)`, the bitmap of the offsets it holds (an INTEGER shift, docs/aws-facts.md §86). One grouped
 * pass, no window function: cheaper per row than the runs of consecutive keys (islands.ts), and exact.
 *
 * What a block's answer proves: a sum of n powers of two has at most n bits set, and exactly n only when no power
 * repeats (every carry of a binary addition clears a bit), so `popcount(bitmap) = count` proves the block holds
 * each key at most once and the bitmap names them; otherwise the block holds a key twice. A block that sends
 * nothing is complete or empty: the segment's target `count(*)` (its fingerprint) tells which holds for all of them
 * at once — when the rows the answered blocks hold plus a full block for each silent one add up to it, every silent
 * block is complete. Where that does not add up, or a block holds a key twice, the segment is left to the caller.
 */

/** Keys per block: offsets 0–30, so each bitmap term is at most 2^30 and SUM(INTEGER) (a BIGINT) cannot overflow. */
export const BLOCK_KEYS = 31;
const FULL = 2 ** BLOCK_KEYS - 1;

/** Keys of a round of block bitmaps: at most 100,000 block rows in memory (3,100,000 keys). */
export const BLOCK_ROUND_KEYS = 100_000 * BLOCK_KEYS;

/** A block the target answered for: its index in the segment, rows, and bitmap of the offsets held. */
export interface TargetBlock {
  block: number;
  n: number;
  bits: number;
}

/**
 * The blocks of each segment (every one bounded on both sides) that are not complete on the target, one statement.
 * @returns per segment, its answered blocks
 */
export async function fetchTargetBlocks(
  client: SqlClient,
  t: GapTable,
  segs: readonly Segment[],
  meter: Meter,
): Promise<TargetBlock[][]> {
  return (await queryBlocks(client, t, segs, meter, false)).blocks;
}

/**
 * As {@link fetchTargetBlocks}, with each segment's target `count(*)` from the same grouped pass (a window sum over
 * its blocks' counts, taken before the incomplete blocks are picked out: Redshift computes window functions after
 * GROUP BY and HAVING, docs/aws-facts.md §88), for a segment no fingerprint has counted:
 * the segment's first block is answered even when complete, so that the count arrives whenever the segment holds a
 * row. A segment without a row answers nothing and counts 0.
 * @returns per segment, its answered blocks and its target rows
 */
export async function fetchTargetBlocksCounted(
  client: SqlClient,
  t: GapTable,
  segs: readonly Segment[],
  meter: Meter,
): Promise<{ blocks: TargetBlock[][]; rows: number[] }> {
  return queryBlocks(client, t, segs, meter, true);
}

async function queryBlocks(
  client: SqlClient,
  t: GapTable,
  segs: readonly Segment[],
  meter: Meter,
  counted: boolean,
): Promise<{ blocks: TargetBlock[][]; rows: number[] }> {
  const params: SqlParam[] = [];
  const table = quoteQualified(t.config.target);
  const k = t.key[0]!;
  const parts = segs.map((seg, i) => {
    if (seg.after === null || seg.upTo === null) throw new Error('a block bitmap needs a bounded segment');
    const pred = segmentPredicate(t, seg, 'target', params);
    params.push(seg.after);
    const offset = `CAST(${quoteIdent(k.name)} AS BIGINT) - ${castParam(params.length, 'integer', k.target.declared)} - 1`;
    // 2^offset as an INTEGER shift: about a tenth cheaper per row than CAST(POWER(2, …) AS INTEGER), the same value.
    const bit = `(1 << CAST(o % ${BLOCK_KEYS} AS INTEGER))`;
    const grouped =
      `SELECT ${i} AS s, CAST(o / ${BLOCK_KEYS} AS INTEGER) AS b, count(*) AS n, sum(${bit}) AS m ` +
      `FROM (SELECT ${offset} AS o FROM ${table} WHERE ${pred}) x GROUP BY o / ${BLOCK_KEYS}`;
    if (!counted) return `${grouped} HAVING count(*) <> ${BLOCK_KEYS} OR sum(${bit}) <> ${FULL}`;
    return (
      `SELECT s, b, n, m, r FROM (SELECT s, b, n, m, sum(n) OVER () AS r, min(b) OVER () AS f FROM (${grouped}) g) w ` +
      `WHERE n <> ${BLOCK_KEYS} OR m <> ${FULL} OR b = f`
    );
  });
  const r = await client.query<{ s: unknown; b: unknown; n: unknown; m: unknown; r?: unknown }>(
    parts.join(' UNION ALL '),
    params,
  );
  meter.queries++;
  const blocks: TargetBlock[][] = segs.map(() => []);
  const rows = segs.map(() => 0);
  for (const row of r.rows) {
    const bits = Number(asText(row.m));
    meter.bytesRead += counted ? 20 : 12;
    const s = Number(row.s);
    blocks[s]!.push({ block: Number(row.b), n: Number(row.n), bits });
    if (counted) rows[s] = Number(asText(row.r));
  }
  return { blocks, rows };
}

/** Bits set in a non-negative integer below 2^32. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * The keys of a segment `(after, upTo]` that the target lacks, from its answered blocks and its row count (pure).
 * @returns the missing keys as decimal text, ascending; undefined when the blocks do not prove them (a key held
 *   twice, or silent blocks that are not all complete)
 */
export function missingFromBlocks(
  seg: { after: bigint; upTo: bigint },
  targetRows: number,
  blocks: readonly TargetBlock[],
): string[] | undefined {
  const span = Number(seg.upTo - seg.after);
  const count = Math.ceil(span / BLOCK_KEYS);
  const size = (j: number) => Math.min(BLOCK_KEYS, span - j * BLOCK_KEYS);
  // Key arithmetic in doubles where every key of the segment is a safe integer, else in BigInt.
  const safe = seg.after >= BigInt(Number.MIN_SAFE_INTEGER) && seg.upTo <= BigInt(Number.MAX_SAFE_INTEGER);
  const base = Number(seg.after) + 1;
  const key = (offset: number) => (safe ? String(base + offset) : String(seg.after + 1n + BigInt(offset)));
  const answered = new Uint8Array(count);
  const found: { block: number; bits: number }[] = [];
  let rows = 0;
  for (const b of blocks) {
    if (b.block < 0 || b.block >= count || answered[b.block] === 1) return undefined;
    if (b.bits < 0 || b.bits >= 2 ** size(b.block) || popcount(b.bits) !== b.n) return undefined;
    answered[b.block] = 1;
    rows += b.n;
    found.push(b);
  }
  for (let j = 0; j < count; j++) if (answered[j] === 0) rows += size(j);
  if (rows !== targetRows) return undefined;
  found.sort((a, b) => a.block - b.block);
  const missing: string[] = [];
  for (const b of found)
    for (let o = 0; o < size(b.block); o++) if (((b.bits >>> o) & 1) === 0) missing.push(key(b.block * BLOCK_KEYS + o));
  return missing;
}
