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

/** Diffs `leaves` into `into`, at most `inFlight` statements per side at once (up to 32 segments a statement). */
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
  await mapLimit(chunk(leaves, size), inFlight, async (ls) => {
    const proven = ls.filter((l) => runs.get(l));
    const unproven = ls.filter((l) => !runs.get(l));
    // The proven segments' bitmaps and the others' runs side by side; bitmaps that prove nothing, runs after.
    const [unsettled] = await Promise.all([
      settleLeavesByBlocks(sides.target, t, proven, meter, into),
      diffByRuns(sides, t, unproven, runs, meter, into, twice),
    ]);
    await diffByRuns(sides, t, unsettled, runs, meter, into, twice);
  });
  const pieces = twice.flatMap((l) => splitInteger(l.seg, low ?? 0n, Math.max(1, Math.ceil(l.rows / KEYS_PER_LIST))));
  for (const ps of chunk(pieces, 20)) {
    const [s, g] = await Promise.all([
      fetchIntegerKeys(sides.source, t, 'source', ps, meter),
      fetchIntegerKeys(sides.target, t, 'target', ps, meter),
    ]);
    ps.forEach((_p, k) => addDiff(into, diffIntegerKeys(s[k]!, g[k]!)));
  }
}

/** Leaves settled by their target block bitmaps (blocks.ts); returns those the bitmaps do not prove. */
async function settleLeavesByBlocks(
  target: SqlClient,
  t: GapTable,
  leaves: readonly Leaf[],
  meter: Meter,
  into: SegmentDiff,
): Promise<Leaf[]> {
  if (leaves.length === 0) return [];
  const blocks = await fetchTargetBlocks(
    target,
    t,
    leaves.map((l) => l.seg),
    meter,
  );
  return leaves.filter((l, k) => {
    const missing = missingFromBlocks(
      { after: BigInt(l.seg.after!), upTo: BigInt(l.seg.upTo!) },
      l.targetRows,
      blocks[k]!,
    );
    if (missing) addDiff(into, { ...emptyDiff(), missing: missing.map((x) => [x]) });
    return !missing;
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
