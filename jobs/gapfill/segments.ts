import { asText } from '../../lib/sql/coerce.js';
import type { SqlClient, SqlParam } from '../../lib/sql/client.js';
import { quoteIdent, quoteQualified } from '../../lib/sql/quote.js';
import { castParam, hashedFrom, hashTerms, intHash, normalisedText, SMALL_KEY, sumText, type Side } from './dialect.js';
import { rowHashOf, type GapTable } from './table.js';

/**
 * Segments of a key range and their fingerprints.
 *
 * A segment is a half-open range on the leading key column, `(after, upTo]` (`null` = unbounded).
 * Its fingerprint on a side is `count(*)` and exact sums: for a single integer key the sum of its multiplicative
 * hash `(k % p) * 1103515245 % p`, p = 2^31 − 1 (dialect.ts `intHash`: what that sum proves), otherwise the sums of
 * the row hash (CRC-32C or MD5, row-hash.ts) of the key's normalised text (dialect.ts `hashedFrom`); plus, with a
 * version column, the same of key and version text. Every summed term is below 2^31, so no sum can overflow
 * Redshift's BIGINT SUM (docs/aws-facts.md §80). The
 * predicate is sargable (`k > $a AND k <= $b`), so the source's primary-key index and Redshift's
 * sort key / zone maps restrict each scan.
 *
 * Segments are queried in batches (one UNION ALL statement per batch and side, both sides at
 * once); the batch size adapts so that each statement takes about the configured time
 * (pt-table-checksum's chunk sizing).
 */

export interface Segment {
  /** Exclusive lower bound (leading key value as text), or null. */
  after: string | null;
  /** Inclusive upper bound, or null. */
  upTo: string | null;
}

export interface Fingerprint {
  n: number;
  sums: string[];
}

/** Counters shared by everything a comparison runs. */
export interface Meter {
  queries: number;
  bytesRead: number;
  segmentsQueried: number;
}

/** The WHERE predicate of a segment for one side; pushes its parameters. */
export function segmentPredicate(t: GapTable, seg: Segment, side: Side, params: SqlParam[], alias = ''): string {
  const k = t.key[0]!;
  const col = `${alias}${quoteIdent(k.name)}`;
  const parts: string[] = [];
  const declared = side === 'source' ? k.source.declared : k.target.declared;
  if (seg.after !== null) {
    params.push(seg.after);
    parts.push(`${col} > ${castParam(params.length, k.source.cls, declared)}`);
  }
  if (seg.upTo !== null) {
    params.push(seg.upTo);
    parts.push(`${col} <= ${castParam(params.length, k.source.cls, declared)}`);
  }
  return parts.length > 0 ? parts.join(' AND ') : 'TRUE';
}

/** The key's normalised text (columns joined by `|`) for one side. */
export function keyText(t: GapTable, side: Side): string {
  const parts = t.key.map((c) => normalisedText(c.name, side === 'source' ? c.source.cls : c.target.cls, side));
  return parts.length === 1 ? parts[0]! : parts.join(` || '|' || `);
}

/** The version column's normalised text for one side. */
export function versionText(t: GapTable, side: Side): string | undefined {
  if (!t.version) return undefined;
  return normalisedText(t.version.name, side === 'source' ? t.version.source.cls : t.version.target.cls, side);
}

/** True when every key of the bounded segment lies in [−limit, limit]. */
function keysWithin(seg: Segment, limit: bigint): boolean {
  return seg.after !== null && seg.upTo !== null && BigInt(seg.after) >= -limit && BigInt(seg.upTo) <= limit;
}

/**
 * A segment's fingerprint columns and the FROM clause they read, over `<table> WHERE <pred>`: an integer key's
 * multiplicative hash straight from the table; hashes of key texts (a composite key; key and version)
 * from {@link hashedFrom}, one hash and one conversion per hashed text and row.
 */
function fingerprintSource(t: GapTable, side: Side, from: string, seg: Segment): { cols: string[]; from: string } {
  const cols: string[] = [];
  const texts: string[] = [];
  const single = t.integerLead && t.key.length === 1;
  const vt = versionText(t, side);
  const k = single && vt ? 'k' : quoteIdent(t.key[0]!.name);
  if (single) {
    cols.push(sumText(intHash(k, keysWithin(seg, SMALL_KEY)), side));
  } else texts.push(keyText(t, side));
  if (vt) texts.push(`${keyText(t, side)} || '|' || ${vt}`);
  cols.push(...texts.flatMap((_t, i) => hashTerms(`h${i}`, rowHashOf(t)).map((x) => sumText(x, side))));
  if (texts.length === 0) return { cols, from };
  return {
    cols,
    // Each hash is read once, by its own terms (hashTerms).
    from: hashedFrom(texts, from, side, rowHashOf(t), single ? [`${quoteIdent(t.key[0]!.name)} AS k`] : [], true),
  };
}

/**
 * On the source (PostgreSQL), the bounded segments of a single integer key as one LATERAL subquery over arrays of
 * their bounds: planned once and re-scanned per segment, where a UNION ALL branch per segment is planned and started
 * on its own (about 100 µs a segment: 7% of a 512-segment pass over 10,000,000 rows on one backend). Redshift has no
 * arrays (docs/aws-facts.md §11.12), so the target keeps one branch per segment. The hash takes its short form only
 * when every segment of the subquery allows it (both forms give the same value: dialect.ts `SMALL_KEY`). Segments
 * with an open end stay branches of their own (`rest`), as their predicate has one bound.
 */
function lateralFingerprints(
  t: GapTable,
  table: string,
  segs: readonly Segment[],
  params: SqlParam[],
): { sql: string; rest: number[] } | undefined {
  const bounded: number[] = [];
  const rest: number[] = [];
  for (const [i, seg] of segs.entries()) (seg.after !== null && seg.upTo !== null ? bounded : rest).push(i);
  if (bounded.length < 2) return undefined;
  const small = bounded.every((i) => keysWithin(segs[i]!, SMALL_KEY));
  const k = `fp_rows.${quoteIdent(t.key[0]!.name)}`;
  params.push(
    bounded,
    bounded.map((i) => segs[i]!.after),
    bounded.map((i) => segs[i]!.upTo),
  );
  const n = params.length;
  const sql =
    `SELECT fp_bounds.s, fp_seg.n, fp_seg.f0 FROM unnest(CAST($${n - 2} AS INTEGER[]), CAST($${n - 1} AS BIGINT[]), ` +
    `CAST($${n} AS BIGINT[])) AS fp_bounds(s, lo, hi) CROSS JOIN LATERAL (SELECT count(*) AS n, ` +
    `${sumText(intHash(k, small), 'source')} AS f0 FROM ${table} AS fp_rows WHERE ${k} > fp_bounds.lo AND ${k} <= fp_bounds.hi) fp_seg`;
  return { sql, rest };
}

/** Fingerprints of `segs` on one side in one statement. */
export async function fingerprints(
  client: SqlClient,
  t: GapTable,
  side: Side,
  segs: readonly Segment[],
  meter: Meter,
): Promise<Fingerprint[]> {
  const table = quoteQualified(side === 'source' ? t.config.source : t.config.target);
  const params: SqlParam[] = [];
  // A single integer key has one summed column (fingerprintSource), also when every segment goes through LATERAL.
  let width = t.integerOnly ? 1 : 0;
  const lateral = side === 'source' && t.integerOnly ? lateralFingerprints(t, table, segs, params) : undefined;
  const parts = (lateral?.rest ?? segs.map((_seg, i) => i)).map((i) => {
    const seg = segs[i]!;
    const f = fingerprintSource(t, side, `${table} WHERE ${segmentPredicate(t, seg, side, params)}`, seg);
    width = f.cols.length;
    return `SELECT ${i} AS s, count(*) AS n, ${f.cols.map((c, j) => `${c} AS f${j}`).join(', ')} FROM ${f.from}`;
  });
  if (lateral) parts.unshift(lateral.sql);
  const cols = Array.from({ length: width }, (_x, j) => `f${j}`);
  const r = await client.query<Record<string, unknown>>(parts.join(' UNION ALL '), params);
  meter.queries++;
  const out: Fingerprint[] = segs.map(() => ({ n: 0, sums: cols.map(() => '') }));
  for (const row of r.rows) {
    const i = Number(row.s);
    const sums = cols.map((c) => (row[c] === null || row[c] === undefined ? '' : asText(row[c] as string | number)));
    meter.bytesRead += 16 + sums.reduce((a, s) => a + s.length, 0);
    out[i] = { n: Number(row.n), sums };
  }
  return out;
}

export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return a.n === b.n && a.sums.every((s, i) => s === b.sums[i]);
}

/**
 * Splits an integer-keyed range `(after, upTo]` into at most `pieces` equal key-width segments.
 * `low` is a key value at or below the first row (used when `after` is null); the first segment
 * keeps the original unbounded/exclusive lower bound.
 */
export function splitInteger(seg: Segment, low: bigint, pieces: number): Segment[] {
  if (seg.upTo === null) return [seg];
  const from = seg.after === null ? low : BigInt(seg.after);
  const to = BigInt(seg.upTo);
  const span = to - from;
  if (span <= 1n || pieces <= 1) return [seg];
  const n = BigInt(Math.min(pieces, Number(span > 1_000_000_000n ? 1_000_000_000n : span)));
  const out: Segment[] = [];
  let prev: string | null = seg.after;
  for (let i = 1n; i <= n; i++) {
    const bound = i === n ? to : from + (span * i) / n;
    out.push({ after: prev, upTo: bound.toString() });
    prev = bound.toString();
  }
  return out;
}

/**
 * Splits a range on a non-integer (or sparse) leading key into segments of about `rows` source
 * rows each, walking the source's key index (`ORDER BY k OFFSET rows-1 LIMIT 1`).
 */
export async function splitByRows(
  source: SqlClient,
  t: GapTable,
  seg: Segment,
  rows: number,
  maxPieces: number,
  meter: Meter,
): Promise<Segment[]> {
  const out: Segment[] = [];
  const k = quoteIdent(t.key[0]!.name);
  let after = seg.after;
  for (let i = 0; i < maxPieces - 1; i++) {
    const params: SqlParam[] = [];
    const pred = segmentPredicate(t, { after, upTo: seg.upTo }, 'source', params);
    const r = await source.query<{ b: unknown }>(
      `SELECT CAST(${k} AS TEXT) AS b FROM ${quoteQualified(t.config.source)} WHERE ${pred} ORDER BY ${k} OFFSET ${Math.max(0, rows - 1)} LIMIT 1`,
      params,
    );
    meter.queries++;
    const b = r.rows[0]?.b;
    if (b === undefined || b === null) break;
    const bound = asText(b);
    if (seg.upTo !== null && bound === seg.upTo) break;
    out.push({ after, upTo: bound });
    after = bound;
  }
  out.push({ after, upTo: seg.upTo });
  return out;
}
