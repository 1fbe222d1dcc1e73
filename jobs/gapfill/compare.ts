import { performance } from 'node:perf_hooks';
import { BLOCK_ROUND_KEYS } from './blocks.js';
import { blocksFirst, blocksFirstBody, looksDense, sampleIndexes } from './blocks-first.js';
import { chooseSegment, isDenseLevel } from './bisect.js';
import { chunk, mapLimit } from './concurrency.js';
import type { SqlClient } from '../../lib/sql/client.js';
import { addDiff, diffRows, emptyDiff, keyComparator, sortDiff, type SegmentDiff } from './diff.js';
import { fetchRows } from './fetch-keys.js';
import { diffIntegerLeaves, provenSourceRun, type Leaf } from './integer-leaves.js';
import {
  fingerprints,
  sameFingerprint,
  splitByRows,
  splitInteger,
  type Fingerprint,
  type Meter,
  type Segment,
} from './segments.js';
import type { GapTable } from './table.js';

/**
 * Comparing one key range of a table between source and target: segment fingerprints on both
 * sides at once, recursing into the segments that differ until they are small, then fetching
 * just those segments' keys from both sides and diffing them.
 *
 * - The first level splits the range into up to `initialSegments` segments (by key width for an
 *   integer leading key, by walking the source index otherwise) and fingerprints them all: one
 *   pass over the range on each side, which is also the whole cost when the data are identical.
 *   (A single whole-range fingerprint first is cheaper on identical data, but costs a full extra
 *   pass whenever anything differs; measured, the single pass wins overall.)
 * - A differing segment is split `fanout` ways and fingerprinted again, until it holds at most
 *   `leafRows` rows; then its keys are fetched from both sides and diffed.
 * - Dense differences (more than `denseFraction` of a level's segments differ, or a segment's row
 *   counts differ by more than `denseRowFraction`) make bisection pointless — every sub-segment
 *   would differ — so those segments' keys are fetched at once instead (streaming the keys of just
 *   those segments, in bounded pieces).
 * - A level's segments are spread over at most `concurrency` statements in flight per side (both
 *   sides at once), each batch capped so that a statement takes about `targetQueryMs` (adaptive, as
 *   pt-table-checksum sizes its chunks): on a warehouse answering each statement in tens or
 *   hundreds of milliseconds, the sequential round trips — not the statements — bound the run.
 * Memory stays bounded: fingerprints are a few numbers per segment, keys are fetched a bounded
 * batch of segments at a time.
 */

export interface CompareOptions {
  leafRows: number;
  targetQueryMs: number;
  fanout: number;
  initialSegments: number;
  denseFraction: number;
  denseRowFraction: number;
  /** Rows of keys fetched per round of the leaf diff (memory bound). */
  fetchRowsPerRound: number;
  /** Statements in flight at once per side (the per-side connection budget). */
  concurrency: number;
  /** Keys a single-integer-key range needs before its first level starts with a sample (blocks-first.ts). */
  blocksFirstMinKeys: number;
}

export const DEFAULT_COMPARE: CompareOptions = {
  leafRows: 4096,
  targetQueryMs: 500,
  fanout: 16,
  initialSegments: 512,
  denseFraction: 0.5,
  denseRowFraction: 0.005,
  fetchRowsPerRound: 50_000,
  concurrency: 4,
  blocksFirstMinKeys: 1_000_000,
};

export interface CompareResult {
  /** Source rows in the range. */
  rowsCompared: number;
  diff: SegmentDiff;
  meter: Meter;
  /** Deepest bisection level reached (1 = only the first pass). */
  levels: number;
  /** Rows whose keys were fetched from the source for the leaf diff. */
  rowsFetched: number;
}

export interface Progress {
  phase: 'fingerprints' | 'keys';
  done: number;
  total: number;
}

interface Sides {
  source: SqlClient;
  target: SqlClient;
}

/**
 * @param low for an integer leading key, a key value at or below the range's first row (used to
 *   split a range without a lower bound)
 * @param checked settles when the range is known to be the right one (key-range.ts `checkDayKeyRange`): only the
 *   first level's sample, a read, runs before it; a rejection is thrown from here
 */
export async function compareRange(
  sides: Sides,
  t: GapTable,
  range: Segment,
  low: bigint | undefined,
  o: CompareOptions = DEFAULT_COMPARE,
  onProgress?: (p: Progress) => void | Promise<void>,
  checked?: Promise<unknown>,
): Promise<CompareResult> {
  const meter: Meter = { queries: 0, bytesRead: 0, segmentsQueried: 0 };
  const diff = emptyDiff();
  // Milliseconds per compared row, measured on each batch: sizes the next level's batches (its segments are smaller).
  let msPerRow: number | undefined;
  let rowsCompared = 0;
  let rowsFetched = 0;
  let level = 1;
  const split = async (seg: Segment, pieces: number, rowsPerPiece: number): Promise<Segment[]> =>
    t.integerLead
      ? splitInteger(seg, low ?? 0n, pieces)
      : splitByRows(sides.source, t, seg, rowsPerPiece, pieces, meter);

  // Small ranges get few segments (a segment of up to leafRows/4 keys); large ones up to initialSegments.
  const span =
    t.integerLead && range.upTo !== null
      ? Number(BigInt(range.upTo) - (range.after === null ? (low ?? 0n) : BigInt(range.after)))
      : Number.POSITIVE_INFINITY;
  const first = Math.max(1, Math.min(o.initialSegments, Math.ceil(span / Math.max(1, o.leafRows / 4))));
  // A large single-integer-key range may go block bitmaps first (blocks-first.ts). Keys at or below `low` (a range
  // without a lower bound) lie outside the bitmaps' body: a segment of their own, the first, fingerprinted with the
  // sample.
  const body = blocksFirstBody(t, range, low, o.blocksFirstMinKeys);
  const head: Segment | undefined =
    body && range.after === null ? { after: null, upTo: body.after.toString() } : undefined;
  let queue = head
    ? [head, ...(await split({ after: head.upTo, upTo: range.upTo }, first, o.leafRows))]
    : await split(range, first, Math.max(o.leafRows, 1));
  // Rows each queued segment is expected to hold (unknown on the first level).
  let rowsPerSegment: number | undefined;
  // Fingerprints of some segments: batches spread over `statements` per side (the connection budget), both sides at
  // once.
  const fingerprintAll = async (
    segments: readonly Segment[],
    statements = o.concurrency,
  ): Promise<[Fingerprint, Fingerprint][]> => {
    const size = Math.max(4, Math.min(batchCap(msPerRow, rowsPerSegment, o), Math.ceil(segments.length / statements)));
    let done = 0;
    const perBatch = await mapLimit(chunk(segments, size), o.concurrency, async (segs) => {
      const t0 = performance.now();
      const [s, g] = await Promise.all([
        fingerprints(sides.source, t, 'source', segs, meter),
        fingerprints(sides.target, t, 'target', segs, meter),
      ]);
      const rows = segs.reduce((a, _x, k) => a + Math.max(s[k]!.n, g[k]!.n), 0);
      msPerRow = (performance.now() - t0) / Math.max(rows, segs.length);
      meter.segmentsQueried += segs.length;
      done += segs.length;
      await onProgress?.({ phase: 'fingerprints', done, total: segments.length });
      return segs.map((_x, k): [Fingerprint, Fingerprint] => [s[k]!, g[k]!]);
    });
    return perBatch.flat();
  };

  // A sample of the first level first, where the range may go block bitmaps first: the one read before `checked`.
  let sampled = new Map<number, [Fingerprint, Fingerprint]>();
  const samples = body ? sampleIndexes(queue.length) : [];
  if (samples.length > 0) {
    const picks = [...(head ? [0] : []), ...samples];
    // One statement a side: the connections already open, no wait for new ones before the first level goes on.
    const fps = await fingerprintAll(
      picks.map((i) => queue[i]!),
      1,
    );
    sampled = new Map(picks.map((i, k) => [i, fps[k]!]));
  }
  await checked;
  if (body && samples.length > 0) {
    const sample = samples.map((i) => ({ seg: queue[i]!, s: sampled.get(i)![0], g: sampled.get(i)![1] }));
    if (looksDense(t, sample)) {
      const settled = await blocksFirst(sides, t, body, o.concurrency, meter, diff, (done, total) =>
        onProgress?.({ phase: 'keys', done, total }),
      );
      rowsCompared += settled.sourceRows;
      // The head (already fingerprinted) and the pieces the bitmaps left go the usual way.
      sampled = new Map(head ? [[0, sampled.get(0)!] as const] : []);
      queue = [...(head ? [head] : []), ...settled.left];
    }
  }
  for (;;) {
    const todo = queue.filter((_seg, i) => !sampled.has(i));
    const fetched = await fingerprintAll(todo);
    let f = 0;
    const fps = queue.map((_seg, i) => sampled.get(i) ?? fetched[f++]!);
    sampled = new Map();
    if (level === 1) rowsCompared += fps.reduce((a, [s]) => a + s.n, 0);
    const differing = queue
      .map((seg, i) => ({ seg, s: fps[i]![0], g: fps[i]![1] }))
      .filter((x) => !sameFingerprint(x.s, x.g));
    if (differing.length === 0) break;
    const denseLevel = isDenseLevel(queue.length, differing.length, o);
    const leaves: Leaf[] = [];
    const next: { seg: Segment; rows: number }[] = [];
    for (const d of differing) {
      const rows = Math.max(d.s.n, d.g.n);
      if (chooseSegment(d.s.n, d.g.n, denseLevel, o) === 'recurse') next.push({ seg: d.seg, rows });
      else leaves.push({ seg: d.seg, rows, sourceRows: d.s.n, targetRows: d.g.n });
    }
    rowsFetched += await diffLeaves(sides, t, leaves, low, o, meter, diff, onProgress);
    if (next.length === 0) break;
    queue = [];
    for (const n of next)
      queue.push(
        ...(await split(n.seg, Math.min(o.fanout, Math.ceil(n.rows / o.leafRows) * 2), Math.ceil(n.rows / o.fanout))),
      );
    rowsPerSegment = next.reduce((a, n) => a + n.rows, 0) / Math.max(1, queue.length);
    level++;
  }
  sortDiff(diff, keyComparator(t.key.map((k) => k.source.cls === 'integer')));
  return { rowsCompared, diff, meter, levels: level, rowsFetched };
}

/**
 * Segments per fingerprint statement: as many as take about `targetQueryMs` at the measured time per row (a deeper
 * level's segments are smaller, so more fit one statement), 4 to 256; 256 before anything was measured.
 */
export function batchCap(
  msPerRow: number | undefined,
  rowsPerSegment: number | undefined,
  o: Pick<CompareOptions, 'targetQueryMs'>,
): number {
  if (msPerRow === undefined || rowsPerSegment === undefined) return 256;
  return Math.max(
    4,
    Math.min(256, Math.round(o.targetQueryMs / Math.max(msPerRow * Math.max(rowsPerSegment, 1), 0.05))),
  );
}

/**
 * Leaves in rounds of a bounded number of rows, for memory: `fetchRowsPerRound` keys; 10 times that for a single
 * integer key, whose runs are at most as large as the keys they stand for and usually far smaller; and for leaves
 * whose source holds every key once (integer-leaves.ts `provenSourceRun`), read as block bitmaps of at most one row
 * per 31 keys, rounds of up to {@link BLOCK_ROUND_KEYS} keys, as even as the connection budget allows — so that a
 * dense day is a handful of equal statements, not a tail of small ones.
 */
export function leafRounds(t: GapTable, leaves: readonly Leaf[], o: CompareOptions): Leaf[][] {
  const proven: Leaf[] = [];
  const rest: Leaf[] = [];
  for (const l of leaves) (provenSourceRun(t, l) ? proven : rest).push(l);
  const provenRows = proven.reduce((a, l) => a + l.rows, 0);
  const blockRound = Math.ceil(provenRows / Math.max(o.concurrency, Math.ceil(provenRows / BLOCK_ROUND_KEYS)));
  return [
    ...fillRounds(proven, Math.max(1, blockRound)),
    ...fillRounds(rest, t.integerOnly ? o.fetchRowsPerRound * 10 : o.fetchRowsPerRound),
  ];
}

function fillRounds(leaves: readonly Leaf[], perRound: number): Leaf[][] {
  const rounds: Leaf[][] = [];
  let inRound = perRound;
  for (const l of leaves) {
    if (inRound >= perRound) {
      rounds.push([]);
      inRound = 0;
    }
    rounds[rounds.length - 1]!.push(l);
    inRound += l.rows;
  }
  return rounds;
}

/**
 * Fetches and diffs the keys of the given segments: a single integer key by block bitmaps, runs of consecutive keys
 * or LISTAGG key lists, cheapest proof first (integer-leaves.ts), any other key row by row.
 * Leaves go in rounds of a bounded number of rows (memory), rounds over the connection budget.
 */
async function diffLeaves(
  sides: Sides,
  t: GapTable,
  leaves: Leaf[],
  low: bigint | undefined,
  o: CompareOptions,
  meter: Meter,
  into: SegmentDiff,
  onProgress?: (p: Progress) => void | Promise<void>,
): Promise<number> {
  let fetched = 0;
  const total = leaves.reduce((a, l) => a + l.rows, 0);
  const rounds = leafRounds(t, leaves, o);
  const cmp = keyComparator(t.key.map((k) => k.source.cls === 'integer'));
  // Statements in flight per round, so that all rounds together stay within the connection budget.
  const inFlight = Math.max(1, Math.floor(o.concurrency / Math.min(rounds.length, o.concurrency)));
  await mapLimit(rounds, o.concurrency, async (round) => {
    if (t.integerOnly) {
      await diffIntegerLeaves(sides, t, round, low, inFlight, meter, into);
    } else {
      // One leaf's rows in memory per statement in flight.
      await mapLimit(round, inFlight, async (l) => {
        const [s, g] = await Promise.all([
          fetchRows(sides.source, t, 'source', l.seg, meter),
          fetchRows(sides.target, t, 'target', l.seg, meter),
        ]);
        addDiff(into, diffRows(s, g, cmp));
      });
    }
    fetched += round.reduce((a, l) => a + l.rows, 0);
    await onProgress?.({ phase: 'keys', done: fetched, total });
  });
  return fetched;
}
