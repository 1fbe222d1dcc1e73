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
  const size = Math.min(32, Math.max(1, Math.ceil(leaves.length / inFlight)));
  await mapLimit(chunk(leaves, size), inFlight, async (ls) => {
    const proven = ls.map((l) => provenSourceRun(t, l));
    const byBlocks = ls.filter((_l, k) => proven[k]);
    const blocks =
      byBlocks.length > 0
        ? await fetchTargetBlocks(
            sides.target,
            t,
            byBlocks.map((l) => l.seg),
            meter,
          )
        : [];
    const settled = new Set<Leaf>();
    byBlocks.forEach((l, k) => {
      const missing = missingFromBlocks(
        { after: BigInt(l.seg.after!), upTo: BigInt(l.seg.upTo!) },
        l.targetRows,
        blocks[k]!,
      );
      if (!missing) return;
      addDiff(into, { ...emptyDiff(), missing: missing.map((x) => [x]) });
      settled.add(l);
    });
    const rest = ls.filter((l) => !settled.has(l));
    if (rest.length === 0) return;
    const unproven = rest.filter((l) => !provenSourceRun(t, l)).map((l) => l.seg);
    const [fetched, g] = await Promise.all([
      unproven.length > 0 ? fetchIslands(sides.source, t, 'source', unproven, meter) : Promise.resolve([]),
      fetchIslands(
        sides.target,
        t,
        'target',
        rest.map((l) => l.seg),
        meter,
      ),
    ]);
    let next = 0;
    rest.forEach((l, k) => {
      const d = diffIslands(provenSourceRun(t, l) ?? fetched[next++]!, g[k]!);
      if (d) addDiff(into, d);
      else twice.push(l);
    });
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
