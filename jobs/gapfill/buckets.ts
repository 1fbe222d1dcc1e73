import { asText } from '../../lib/sql/coerce.js';
import type { SqlClient, SqlParam } from '../../lib/sql/client.js';
import { quoteIdent, quoteQualified } from '../../lib/sql/quote.js';
import { utcText } from '../../lib/state/store.js';
import { columnClass, hashedFrom, hashTerms, hashTop32, normalisedText, sumText, type Side } from './dialect.js';
import type { RowHash } from './row-hash.js';
import { mapLimit } from './concurrency.js';
import type { KeyedRow } from './diff.js';
import { keyText, versionText, type Fingerprint, type Meter } from './segments.js';
import { rowHashOf, type GapTable } from './table.js';

/**
 * Hash buckets: segments of the key's *hash* space instead of its value space, for keys that do not
 * grow with time (UUIDs, random keys) and for text keys, whose ranges Redshift would compare ignoring
 * trailing blanks (docs/aws-facts.md §11.2).
 *
 * Each row's key text (the normalised text of gap-filling, byte for byte) is hashed once on both sides: its CRC-32C,
 * a number `h` in [0, 2^32), or where the sides do not both compute that, the first 15 hex digits of its MD5 as a
 * number in [0, 2^60) (row-hash.ts, dialect.ts `hashedFrom`, docs/aws-facts.md §80, §87, §90): one hash and one
 * conversion per row and pass. Bucket `b` of `B` buckets holds the rows with `top * B / 2^32 = b` (integer division,
 * the same on both sides), `top` being the top 32 bits of `h`. Buckets nest: with `B' = B * F`, bucket `b'` lies in
 * bucket `b' / F`, so a level can be restricted to the children of the previous level's differing buckets. A bucket's
 * fingerprint is `count(*)` and the exact sum of `h` (as INTEGER terms, dialect.ts `hashTerms`), plus the same for a
 * hash of key and version text when there is a version column; SUM of INTEGER is a BIGINT on both sides, exact
 * (docs/aws-facts.md §11.1). `buckets = 1` is the whole scope's fingerprint, without GROUP BY.
 *
 * The rows compared are the scope's: the rows of a UTC day selected by the day column (an index on
 * the source, the sort key on the target), or the whole table. One grouped statement per side and
 * level reads every bucket of the level at once.
 */

/** Which rows are compared. */
export type Scope = { kind: 'day'; from: Date; until: Date } | { kind: 'table' };

/** The most buckets a level may have: `top * B` stays below 2^60. */
export const MAX_BUCKETS = 2 ** 28;

/** Bucket ids per statement, so that a statement stays well under the Data API's 100 KB (docs/aws-facts.md §8). */
const IDS_PER_STATEMENT = 2000;

function dayBound(declared: string, at: Date, n: number): { sql: string; value: string } {
  switch (columnClass(declared)) {
    case 'timestamptz':
      return { sql: `CAST($${n} AS TIMESTAMPTZ)`, value: `${utcText(at)}+00` };
    case 'date':
      return { sql: `CAST($${n} AS DATE)`, value: at.toISOString().slice(0, 10) };
    default:
      return { sql: `CAST($${n} AS TIMESTAMP)`, value: utcText(at) };
  }
}

/** The scope's WHERE predicate for one side; pushes its parameters. */
export function scopePredicate(t: GapTable, scope: Scope, side: Side, params: SqlParam[]): string {
  if (scope.kind === 'table') return 'TRUE';
  if (!t.day) throw new Error('a day scope needs a day column');
  const declared = side === 'source' ? t.day.declared : t.day.targetDeclared;
  const d = quoteIdent(t.day.name);
  const from = dayBound(declared, scope.from, params.length + 1);
  params.push(from.value);
  const until = dayBound(declared, scope.until, params.length + 1);
  params.push(until.value);
  return `${d} >= ${from.sql} AND ${d} < ${until.sql}`;
}

/** `top * B / 2^32`: the bucket of a row's hash `h` among `buckets`, from its top 32 bits. */
const bucketOf = (h: string, buckets: number, hash: RowHash) => `${hashTop32(h, hash)} * ${buckets} / 4294967296`;

/** `… IN (…)` restricting rows to the given buckets of a level (no restriction when `ids` is undefined). */
function bucketFilter(h0: string, level: BucketSet | undefined, hash: RowHash): string {
  if (!level) return 'TRUE';
  return `${bucketOf(h0, level.buckets, hash)} IN (${level.ids.join(', ')})`;
}

/** Some buckets of a level of `buckets` buckets. */
export interface BucketSet {
  buckets: number;
  ids: number[];
}

/**
 * The hashed rows of the scope, as a subquery `r` with columns `h0` (the key's hash)[, `h1` (key and version's
 * hash)] and any `extra` columns (`<expr> AS <name>`).
 */
function hashedRows(
  t: GapTable,
  scope: Scope,
  side: Side,
  params: SqlParam[],
  extra: string[] = [],
  readsOnce = false,
): string {
  const table = quoteQualified(side === 'source' ? t.config.source : t.config.target);
  const kt = keyText(t, side);
  const vt = versionText(t, side);
  const texts = [kt, ...(vt ? [`${kt} || '|' || ${vt}`] : [])];
  const from = `${table} WHERE ${scopePredicate(t, scope, side, params)}`;
  return hashedFrom(texts, from, side, rowHashOf(t), extra, readsOnce);
}

function chunkIds(level: BucketSet | undefined): (BucketSet | undefined)[] {
  if (!level) return [undefined];
  const out: BucketSet[] = [];
  for (let i = 0; i < level.ids.length; i += IDS_PER_STATEMENT)
    out.push({ buckets: level.buckets, ids: level.ids.slice(i, i + IDS_PER_STATEMENT) });
  return out;
}

/**
 * Fingerprints of the non-empty buckets among `buckets` buckets, restricted to the children of `parents`.
 * @returns bucket id → fingerprint (empty buckets absent).
 */
export async function bucketFingerprints(
  client: SqlClient,
  t: GapTable,
  side: Side,
  scope: Scope,
  buckets: number,
  parents: BucketSet | undefined,
  meter: Meter,
  concurrency = 1,
): Promise<Map<number, Fingerprint>> {
  const out = new Map<number, Fingerprint>();
  const sums = ['h0', ...(t.version ? ['h1'] : [])].flatMap((h) =>
    hashTerms(h, rowHashOf(t)).map((x) => sumText(x, side)),
  );
  await mapLimit(chunkIds(parents), concurrency, async (part) => {
    const params: SqlParam[] = [];
    const cols = `count(*) AS n, ${sums.map((s, j) => `${s} AS f${j}`).join(', ')}`;
    // The whole scope's fingerprint (one bucket, no filter) reads each hash once; a level's grouping reads h0 twice.
    const once = buckets === 1 && part === undefined;
    const from = `${hashedRows(t, scope, side, params, [], once)} WHERE ${bucketFilter('h0', part, rowHashOf(t))}`;
    const sql =
      buckets === 1
        ? `SELECT 0 AS b, ${cols} FROM ${from}`
        : `SELECT ${bucketOf('h0', buckets, rowHashOf(t))} AS b, ${cols} FROM ${from} GROUP BY 1`;
    const r = await client.query<Record<string, unknown>>(sql, params);
    meter.queries++;
    for (const row of r.rows) {
      if (Number(row.n) === 0) continue;
      const fp = { n: Number(row.n), sums: sums.map((_s, j) => asText(row[`f${j}`])) };
      meter.bytesRead += 16 + fp.sums.reduce((a, s) => a + s.length, 0);
      out.set(Number(row.b), fp);
    }
  });
  return out;
}

/** The keys (and version texts) of the rows in the given buckets. */
export async function bucketRows(
  client: SqlClient,
  t: GapTable,
  side: Side,
  scope: Scope,
  level: BucketSet,
  meter: Meter,
): Promise<KeyedRow[]> {
  const keys = t.key.map(
    (c, i) => `${normalisedText(c.name, side === 'source' ? c.source.cls : c.target.cls, side)} AS k${i}`,
  );
  const vt = versionText(t, side);
  const extra = [...keys, ...(vt ? [`${vt} AS v`] : [])];
  const out: KeyedRow[] = [];
  for (const part of chunkIds(level)) {
    const params: SqlParam[] = [];
    const cols = [...t.key.map((_c, i) => `k${i}`), ...(vt ? ['v'] : [])];
    const r = await client.query<Record<string, unknown>>(
      `SELECT ${cols.join(', ')} FROM ${hashedRows(t, scope, side, params, extra)} WHERE ${bucketFilter('h0', part, rowHashOf(t))}`,
      params,
    );
    meter.queries++;
    for (const row of r.rows) {
      const key = t.key.map((_c, i) => asText(row[`k${i}`]));
      const version = vt ? asText(row.v) : undefined;
      meter.bytesRead += key.reduce((a, k) => a + k.length + 1, 0) + (version?.length ?? 0);
      out.push({ key, version });
    }
  }
  return out;
}
