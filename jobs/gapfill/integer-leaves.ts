import type { SqlClient } from '../../lib/sql/client.js';
import { fetchTargetBlocks, missingFromBlocks } from './blocks.js';
import { chunk, mapLimit } from './concurrency.js';
import { addDiff, diffIntegerKeys, emptyDiff, type SegmentDiff } from './diff.js';
import { fetchIntegerKeys, KEYS_PER_LIST } from './fetch-keys.js';
import { diffIslands, fetchIslands, type Island } from './islands.js';
import { splitInteger, type Meter, type Segment } from './segments.js';
import type { GapTable } from './table.js';

/**
 * The leaf diff of a single integer key, cheapest proof first:
 * 1. where the source's fingerprint proves it holds every key of the segment once, the target's block bitmaps
 *    (blocks.ts) — one grouped pass over the target only;
 * 2. otherwise (or where the bitmaps prove nothing) the runs of consecutive keys of both sides (islands.ts), the
 *    source's only where not proven;
 * 3. where a side holds a key twice, the segment's keys in LISTAGG-sized pieces, which classify the duplicates.
 */

/** A differing segment handed to the leaf diff, with the row counts of both sides' fingerprints. */
export interface Leaf {
  seg: Segment;
  rows: number;
  sourceRows: number;
  targetRows: number;
}

interface Sides {
  source: SqlClient;
  target: SqlClient;
}

/**
 * The source's runs of a segment when its fingerprint proves them: a unique source key and `upTo - after` rows in
 * `(after, upTo]` mean every key of the range, once — one run, no statement needed.
 */
export function provenSourceRun(t: GapTable, l: Leaf): Island[] | undefined {
  if (!t.sourceKeyUnique || l.seg.after === null || l.seg.upTo === null) return undefined;
  const after = BigInt(l.seg.after);
  const upTo = BigInt(l.seg.upTo);
  if (BigInt(l.sourceRows) !== upTo - after || l.sourceRows === 0) return undefined;
  return [{ lo: after + 1n, hi: upTo, n: l.sourceRows }];
}

/**
 * Diffs `leaves` into `into`, at most `inFlight` statements per side at once (up to 32 segments a statement): the
 * proven leaves' block bitmaps, contiguous leaves merged into one range each (one grouped scan instead of one per
 * segment), side by side with the others' runs; bitmaps that prove nothing, runs after.
 */
export async function diffIntegerLeaves(
  sides: Sides,
  t: GapTable,
  leaves: readonly Leaf[],
  low: bigint | undefined,
  inFlight: number,
  meter: Meter,
  into: SegmentDiff,
): Promise<void> {
  const twice: Leaf[] = [];
  const runs = new Map(leaves.map((l) => [l, provenSourceRun(t, l)]));
  const size = Math.min(32, Math.max(1, Math.ceil(leaves.length / inFlight)));
  const ranges = contiguousRanges(leaves.filter((l) => runs.get(l)));
  const unsettled: Leaf[] = [];
  await Promise.all([
    mapLimit(chunk(ranges, 32), inFlight, async (rs) => {
      unsettled.push(...(await settleRangesByBlocks(sides.target, t, rs, meter, into)));
    }),
    mapLimit(
      chunk(
        leaves.filter((l) => !runs.get(l)),
        size,
      ),
      inFlight,
      (ls) => diffByRuns(sides, t, ls, runs, meter, into, twice),
    ),
  ]);
  await mapLimit(chunk(unsettled, size), inFlight, (ls) => diffByRuns(sides, t, ls, runs, meter, into, twice));
  const pieces = twice.flatMap((l) => splitInteger(l.seg, low ?? 0n, Math.max(1, Math.ceil(l.rows / KEYS_PER_LIST))));
  for (const ps of chunk(pieces, 20)) {
    const [s, g] = await Promise.all([
      fetchIntegerKeys(sides.source, t, 'source', ps, meter),
      fetchIntegerKeys(sides.target, t, 'target', ps, meter),
    ]);
    ps.forEach((_p, k) => addDiff(into, diffIntegerKeys(s[k]!, g[k]!)));
  }
}

/** Proven leaves whose segments follow one another, as one range: its bounds, target rows and members. */
export interface LeafRange {
  seg: { after: string; upTo: string };
  targetRows: number;
  members: Leaf[];
}

/**
 * Proven leaves (every one bounded, `provenSourceRun`) merged where one segment ends where the next begins: the
 * source holds every key of each, so every key of their union, once.
 */
export function contiguousRanges(leaves: readonly Leaf[]): LeafRange[] {
  const sorted = [...leaves].sort((a, b) => {
    const x = BigInt(a.seg.after!);
    const y = BigInt(b.seg.after!);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const out: LeafRange[] = [];
  for (const l of sorted) {
    const last = out.at(-1);
    if (last && BigInt(last.seg.upTo) === BigInt(l.seg.after!)) {
      last.seg.upTo = l.seg.upTo!;
      last.targetRows += l.targetRows;
      last.members.push(l);
    } else out.push({ seg: { after: l.seg.after!, upTo: l.seg.upTo! }, targetRows: l.targetRows, members: [l] });
  }
  return out;
}

/** Ranges settled by their target block bitmaps (blocks.ts); returns the leaves of those the bitmaps do not prove. */
async function settleRangesByBlocks(
  target: SqlClient,
  t: GapTable,
  ranges: readonly LeafRange[],
  meter: Meter,
  into: SegmentDiff,
): Promise<Leaf[]> {
  if (ranges.length === 0) return [];
  const blocks = await fetchTargetBlocks(
    target,
    t,
    ranges.map((r) => r.seg),
    meter,
  );
  return ranges.flatMap((r, k) => {
    const missing = missingFromBlocks(
      { after: BigInt(r.seg.after), upTo: BigInt(r.seg.upTo) },
      r.targetRows,
      blocks[k]!,
    );
    if (missing) addDiff(into, { ...emptyDiff(), missing: missing.map((x) => [x]) });
    return missing ? [] : r.members;
  });
}

/** Leaves diffed by their runs of consecutive keys (islands.ts), the source's only where not proven (`runs`); leaves
 * where a side holds a key twice go to `twice`. */
async function diffByRuns(
  sides: Sides,
  t: GapTable,
  leaves: readonly Leaf[],
  runs: ReadonlyMap<Leaf, Island[] | undefined>,
  meter: Meter,
  into: SegmentDiff,
  twice: Leaf[],
): Promise<void> {
  if (leaves.length === 0) return;
  const proven = leaves.map((l) => runs.get(l));
  const unproven = leaves.filter((_l, k) => !proven[k]).map((l) => l.seg);
  const [fetched, g] = await Promise.all([
    unproven.length > 0 ? fetchIslands(sides.source, t, 'source', unproven, meter) : Promise.resolve([]),
    fetchIslands(
      sides.target,
      t,
      'target',
      leaves.map((l) => l.seg),
      meter,
    ),
  ]);
  let next = 0;
  leaves.forEach((l, k) => {
    const d = diffIslands(proven[k] ?? fetched[next++]!, g[k]!);
    if (d) addDiff(into, d);
    else twice.push(l);
  });
}
