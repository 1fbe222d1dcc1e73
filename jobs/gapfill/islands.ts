import { asText } from '../../lib/sql/coerce.js';
import type { SqlClient, SqlParam } from '../../lib/sql/client.js';
import { quoteIdent, quoteQualified } from '../../lib/sql/quote.js';
import type { Side } from './dialect.js';
import { emptyDiff, type SegmentDiff } from './diff.js';
import { segmentPredicate, type Meter, type Segment } from './segments.js';
import type { GapTable } from './table.js';

/**
 * Dense differences cheaply, for a single integer key: instead of every key, each side sends the
 * runs of consecutive keys it has in a segment ("gaps and islands": `k - ROW_NUMBER() OVER (ORDER
 * BY k)` is constant along a run). A run of one key travels as one number, so the description is
 * never larger than the keys themselves; a lost hour of 300,000 rows is two numbers on the side
 * that has it. The window runs over the key's index on the source and the sort key on the target
 * (ROW_NUMBER is a Redshift window function returning BIGINT: docs/aws-facts.md §81).
 */

/** A run of consecutive keys `lo..hi` and how many rows carry them (more than `hi - lo + 1`: duplicates). */
export interface Island {
  lo: bigint;
  hi: bigint;
  n: number;
}

/** The runs of each segment on one side, all segments in one statement. */
export async function fetchIslands(
  client: SqlClient,
  t: GapTable,
  side: Side,
  segs: readonly Segment[],
  meter: Meter,
): Promise<Island[][]> {
  const params: SqlParam[] = [];
  const table = quoteQualified(side === 'source' ? t.config.source : t.config.target);
  const k = quoteIdent(t.key[0]!.name);
  const text = (e: string) => (side === 'source' ? `CAST(${e} AS TEXT)` : `CAST(${e} AS VARCHAR(20))`);
  const parts = segs.map(
    (seg, i) =>
      `SELECT ${i} AS s, ${text('min(k)')} AS lo, CASE WHEN min(k) = max(k) THEN NULL ELSE ${text('max(k)')} END AS hi, count(*) AS n ` +
      `FROM (SELECT CAST(${k} AS BIGINT) AS k, CAST(${k} AS BIGINT) - ROW_NUMBER() OVER (ORDER BY ${k}) AS g FROM ${table} ` +
      `WHERE ${segmentPredicate(t, seg, side, params)}) runs GROUP BY g`,
  );
  const r = await client.query<{ s: unknown; lo: unknown; hi: unknown; n: unknown }>(parts.join(' UNION ALL '), params);
  meter.queries++;
  const out: Island[][] = segs.map(() => []);
  for (const row of r.rows) {
    const lo = asText(row.lo);
    const hi = row.hi === null || row.hi === undefined ? lo : asText(row.hi);
    meter.bytesRead += lo.length + (hi === lo ? 0 : hi.length) + 4;
    out[Number(row.s)]!.push({ lo: BigInt(lo), hi: BigInt(hi), n: Number(row.n) });
  }
  return out;
}

/**
 * Missing and extra keys from the runs of both sides (pure).
 * @returns undefined when a side holds a key twice (a run with more rows than keys, or runs that
 *   overlap): the caller then diffs that segment's keys, which classify duplicates.
 */
export function diffIslands(source: Island[], target: Island[]): SegmentDiff | undefined {
  const clean = (xs: Island[]) => {
    xs.sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
    return xs.every((x, i) => BigInt(x.n) === x.hi - x.lo + 1n && (i === 0 || xs[i - 1]!.hi < x.lo));
  };
  if (!clean(source) || !clean(target)) return undefined;
  const out = emptyDiff();
  out.missing = minus(source, target).map((k) => [k.toString()]);
  out.extra = minus(target, source).map((k) => [k.toString()]);
  return out;
}

/** Keys in the runs `a` that no run of `b` covers (both sorted and disjoint). */
function minus(a: Island[], b: Island[]): bigint[] {
  const out: bigint[] = [];
  let j = 0;
  for (const x of a) {
    let at = x.lo;
    while (j < b.length && b[j]!.hi < at) j++;
    let m = j;
    while (at <= x.hi) {
      const y = b[m];
      if (!y || y.lo > x.hi) {
        for (let k = at; k <= x.hi; k++) out.push(k);
        break;
      }
      for (let k = at; k < y.lo && k <= x.hi; k++) out.push(k);
      at = y.hi + 1n > at ? y.hi + 1n : at;
      m++;
    }
  }
  return out;
}
