import { chooseSegment, isDenseLevel } from './bisect.js';
import { bucketFingerprints, bucketRows, MAX_BUCKETS, type BucketSet, type Scope } from './buckets.js';
import type { CompareOptions, CompareResult, Progress } from './compare.js';
import { mapLimit } from './concurrency.js';
import { addDiff, diffRows, emptyDiff, keyComparator, sortDiff } from './diff.js';
import { sameFingerprint, type Fingerprint, type Meter } from './segments.js';
import type { GapTable } from './table.js';
import type { SqlClient } from '../../lib/sql/client.js';

/**
 * Comparing a scope's rows (a day's, or the whole table's) bucketed by a hash of the key
 * (buckets.ts). Every pass costs one scan of the scope on each side with one MD5 per row, both sides at
 * once, so the plan minimises passes:
 *
 * 1. The whole scope's fingerprint (one ungrouped aggregate per side): identical data — the usual day —
 *    end here, at the price of one hashing scan and no grouping.
 * 2. Otherwise the first level is sized by what pass 1 says: with `d` rows' difference in count among
 *    `n`, about `n * d / fetchRowsPerRound` buckets (a power of two, at least `initialSegments`, at most
 *    {@link MAX_FIRST_LEVEL}), so that the keys of the differing buckets fit one fetch round — no
 *    bisection level in between for a few differences.
 * 3. Buckets that differ are split `F` ways (F up to `fanout`, by their row counts) and only their
 *    children fingerprinted at the next level; a differing bucket of at most `leafRows` rows — or any
 *    differing bucket of a dense level — has its keys fetched from both sides and diffed byte for byte,
 *    in rounds of at most `fetchRowsPerRound` rows (memory), each round one statement per side.
 */

/** The most buckets of the first grouped level: 65,536 fingerprints (about 2.5 MB) per side. */
export const MAX_FIRST_LEVEL = 65_536;

/**
 * Buckets of the first grouped level for `rows` rows of which the two sides' counts differ by `countDiff`:
 * enough that the differing buckets' keys fit one round of `fetchRowsPerRound` rows.
 */
export function firstLevelBuckets(rows: number, countDiff: number, o: CompareOptions): number {
  const wanted = Math.max(o.initialSegments, (rows * Math.max(countDiff, 1)) / Math.max(1, o.fetchRowsPerRound));
  return Math.min(MAX_FIRST_LEVEL, 2 ** Math.ceil(Math.log2(Math.max(1, wanted))));
}

export async function compareBuckets(
  sides: { source: SqlClient; target: SqlClient },
  t: GapTable,
  scope: Scope,
  o: CompareOptions,
  onProgress?: (p: Progress) => void | Promise<void>,
): Promise<CompareResult> {
  const meter: Meter = { queries: 0, bytesRead: 0, segmentsQueried: 0 };
  const diff = emptyDiff();
  const cmp = keyComparator(t.key.map((k) => k.source.cls === 'integer'));
  let parents: BucketSet | undefined;
  let fanout = 1;
  let level = 2;
  let rowsFetched = 0;
  const whole = await Promise.all([
    bucketFingerprints(sides.source, t, 'source', scope, 1, undefined, meter),
    bucketFingerprints(sides.target, t, 'target', scope, 1, undefined, meter),
  ]);
  const none: Fingerprint = { n: 0, sums: [] };
  const [s0, g0] = whole.map((m) => m.get(0) ?? none) as [Fingerprint, Fingerprint];
  const rowsCompared = s0.n;
  meter.segmentsQueried++;
  await onProgress?.({ phase: 'fingerprints', done: 1, total: 1 });
  if (sameFingerprint(s0, g0)) return { rowsCompared, diff, meter, levels: 1, rowsFetched };
  let buckets = firstLevelBuckets(Math.max(s0.n, g0.n), Math.abs(s0.n - g0.n), o);
  for (;;) {
    const [s, g] = await Promise.all([
      bucketFingerprints(sides.source, t, 'source', scope, buckets, parents, meter, o.concurrency),
      bucketFingerprints(sides.target, t, 'target', scope, buckets, parents, meter, o.concurrency),
    ]);
    const compared = parents ? parents.ids.length * fanout : buckets;
    meter.segmentsQueried += compared;
    await onProgress?.({ phase: 'fingerprints', done: compared, total: compared });
    const differing = [...new Set([...s.keys(), ...g.keys()])]
      .map((b) => ({ b, s: s.get(b) ?? none, g: g.get(b) ?? none }))
      .filter((x) => !(s.has(x.b) && g.has(x.b) && sameFingerprint(x.s, x.g)));
    if (differing.length === 0) break;
    const dense = isDenseLevel(compared, differing.length, o);
    const leaves: { b: number; rows: number }[] = [];
    const next: { b: number; rows: number }[] = [];
    for (const d of differing) {
      const rows = Math.max(d.s.n, d.g.n);
      const choice = chooseSegment(d.s.n, d.g.n, dense, o);
      // A bucket of one key repeated on the target never splits: past MAX_BUCKETS it is a leaf.
      if (choice === 'recurse' && buckets * 2 <= MAX_BUCKETS) next.push({ b: d.b, rows });
      else leaves.push({ b: d.b, rows });
    }
    // Leaves, in rounds of a bounded number of rows, rounds spread over the connection budget.
    const rounds: { ids: number[]; rows: number }[] = [];
    for (const l of leaves) {
      const last = rounds[rounds.length - 1];
      if (last && last.rows < o.fetchRowsPerRound) {
        last.ids.push(l.b);
        last.rows += l.rows;
      } else rounds.push({ ids: [l.b], rows: l.rows });
    }
    const total = leaves.reduce((a, l) => a + l.rows, 0);
    await mapLimit(rounds, o.concurrency, async (r) => {
      const set = { buckets, ids: r.ids };
      const [a, b] = await Promise.all([
        bucketRows(sides.source, t, 'source', scope, set, meter),
        bucketRows(sides.target, t, 'target', scope, set, meter),
      ]);
      addDiff(diff, diffRows(a, b, cmp));
      rowsFetched += r.rows;
      await onProgress?.({ phase: 'keys', done: rowsFetched, total });
    });
    if (next.length === 0) break;
    const largest = Math.max(...next.map((n) => n.rows));
    fanout = Math.max(2, Math.min(o.fanout, Math.ceil(largest / o.leafRows) * 2));
    while (buckets * fanout > MAX_BUCKETS) fanout = Math.max(2, Math.floor(fanout / 2));
    parents = { buckets, ids: next.map((n) => n.b) };
    buckets *= fanout;
    level++;
  }
  return { rowsCompared, diff: sortDiff(diff, cmp), meter, levels: level, rowsFetched };
}
