import { quoteIdent } from '../../lib/sql/quote.js';

/**
 * The SQL expressions gap-filling computes on both sides, written so that PostgreSQL (the source)
 * and Redshift (the target) produce the **same numbers** for the same rows:
 *
 * - a column's *normalised text* (the same text on both sides): integers and numerics as their
 *   decimal text, dates `YYYY-MM-DD`, timestamps `YYYY-MM-DD HH24:MI:SS.US` in UTC, text as is;
 *   NULL as a marker that no value produces;
 * - a 60-bit hash of a text: the first 15 hex digits of its MD5 as a number in [0, 2^60) (Redshift
 *   `STRTOL(h, 16)`, PostgreSQL `('x' || h)::bit(60)::bigint`, h = `SUBSTRING(MD5(t), 1, 15)`: docs/aws-facts.md §80,
 *   §90), computed **once per row** by {@link hashedFrom} and split into two 30-bit halves for summing
 *   ({@link hashHalves}); one MD5 and one conversion a row is the whole per-row cost of hash buckets;
 * - for an integer key, a cheap multiplicative hash `(CAST(k AS BIGINT) % 2147483647) * 1103515245
 *   % 2147483647` that cannot overflow a BIGINT and needs no function call ({@link intHash}: what its sum proves).
 *
 * Every summed term is below 2^31 in size: Redshift's SUM of an integer type is a BIGINT that fails on overflow
 * (docs/aws-facts.md §11.1, §80), so `sum(k)` itself would fail for keys near 2^62 after a handful of rows, while a
 * sum of such terms stays exact up to 2^32 rows per segment. Sums are read as text (exact).
 *
 * **How strong the hash fingerprint is.** A hash bucket's fingerprint is `count(*)` and the exact sum of its rows'
 * 60-bit hashes (buckets.ts). Counts catch every missing, extra or duplicated row exactly; the sum only has to
 * catch a difference that keeps the count — a key replaced by another key of the same bucket, or (with a version
 * column, hashed the same way) a stale row. Such a difference escapes when the sums still agree, which for one
 * replaced key means the two hashes agree on the 60 − log2(B) bits the bucket does not fix: probability
 * 2^-(60 − log2 B), about 3e-14 for the 32,768 buckets of a 10M-row day with 100 differences, and never worse than
 * 2^-32 (B ≤ 2^28). We accept that: at a million such buckets a day, 2^-32 still means one miss in about 12
 * years, and the next day's run or `validate` gets another draw only if the data change. A second hash (the next
 * 15 digits of the same MD5, converted) would make it about 2^-92 but costs 36% (source) to 53% (emulated target)
 * more per row — one conversion costs about as much as the MD5 itself (README, "What a hashed row costs") — which
 * the identical day, the common case, would pay every time.
 */

export type Side = 'source' | 'target';

/** How a key or version column is compared. */
export type ColumnClass = 'integer' | 'numeric' | 'text' | 'date' | 'timestamp' | 'timestamptz' | 'other';

/** Classifies a column from its `format_type()` text (source or target). */
export function columnClass(declared: string): ColumnClass {
  const t = declared.toLowerCase();
  if (/^(smallint|integer|bigint|int[248]?)\b/.test(t)) return 'integer';
  if (/^(numeric|decimal)\b/.test(t)) return 'numeric';
  if (/^timestamp.* with time zone$|^timestamptz$/.test(t)) return 'timestamptz';
  if (/^timestamp/.test(t)) return 'timestamp';
  if (/^date$/.test(t)) return 'date';
  if (/^(text|character|varchar|nvarchar|bpchar|uuid|char)\b/.test(t) || /character varying/.test(t)) return 'text';
  return 'other';
}

const NULL_MARK = '\u0001NULL\u0001';

/** The normalised text of a column, as SQL for `side`. */
export function normalisedText(column: string, cls: ColumnClass, side: Side, alias = ''): string {
  const c = `${alias}${quoteIdent(column)}`;
  let e: string;
  switch (cls) {
    case 'date':
      e = `TO_CHAR(${c}, 'YYYY-MM-DD')`;
      break;
    case 'timestamp':
      e = `TO_CHAR(${c}, 'YYYY-MM-DD HH24:MI:SS.US')`;
      break;
    case 'timestamptz':
      // Redshift sessions are UTC and keep TIMESTAMPTZ in UTC; the source session is set to UTC too.
      e =
        side === 'source'
          ? `TO_CHAR(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`
          : `TO_CHAR(${c}, 'YYYY-MM-DD HH24:MI:SS.US')`;
      break;
    case 'text':
      e = side === 'source' ? `CAST(${c} AS TEXT)` : `CAST(${c} AS VARCHAR(65535))`;
      break;
    default:
      e = side === 'source' ? `CAST(${c} AS TEXT)` : `CAST(${c} AS VARCHAR(65535))`;
  }
  return `COALESCE(${e}, '${NULL_MARK}')`;
}

/**
 * The multiplicative hash of an integer key expression, `h(k) = (k mod p) · C mod p` with p = 2^31 − 1 (a prime) and
 * C = 1103515245: a number below p in size (negative for a negative key, as `%` keeps the dividend's sign on both
 * sides), computed with two `%` and one `*` (no function call, no overflow: both factors
 * are below 2^31).
 *
 * **What `count(*)` and `sum(h(k))` over a segment prove.** h is linear modulo p, so the sum over a set of keys is
 * congruent to C · (the keys' sum) modulo p. If two sides' key sets differ with the same count, let d be the
 * difference of their key sums: when d is not a multiple of p, C · d is not either (p is prime, 0 < C < p), so the
 * two hash sums differ — every difference that changes the key sum by less than 2^31 − 1 (any difference inside a
 * segment narrower than that) is caught for certain, as an exact `sum(k)` would. A difference that keeps the key sum
 * (at least two keys replaced by others with the same total) is caught unless the keys' `C · k / p` wraps happen to
 * balance too; the same held for the exact key sum this replaced, which such a difference keeps by definition.
 * One summed column is the whole per-row cost beyond `count(*)`: about 1.25× a `count(*)` pass in CPU, against 1.65×
 * for the exact key sum (as two halves, to stay below Redshift's BIGINT overflow) plus this hash (README, bench).
 */
export function intHash(keyExpr: string): string {
  return `(CAST(${keyExpr} AS BIGINT) % 2147483647) * 1103515245 % 2147483647`;
}

/** Hex digits of an MD5 taken as a row's hash: 15 digits, 60 bits, the most a BIGINT holds without a sign question. */
export const HASH_HEX_DIGITS = 15;

/** 2^30: a 60-bit hash splits into two halves below 2^30 ({@link hashHalves}). */
export const TWO_30 = '1073741824';

/** A 15-hex-digit text expression (a column, see {@link hashedFrom}) as a number in [0, 2^60), identical on both sides. */
export function hexToInt(hex15: string, side: Side): string {
  return side === 'source' ? `('x' || ${hex15})::bit(60)::bigint` : `STRTOL(${hex15}, 16)`;
}

/**
 * The two halves of a 60-bit hash column `h` as INTEGERs (`h = hi * 2^30 + lo`, both in [0, 2^30)), for summing:
 * SUM(INTEGER) is a BIGINT on Redshift (docs/aws-facts.md §11.1) and a BIGINT-state C aggregate on PostgreSQL,
 * exact up to 2^33 rows.
 */
export function hashHalves(h: string): [string, string] {
  return [`CAST(${h} / ${TWO_30} AS INTEGER)`, `CAST(${h} % ${TWO_30} AS INTEGER)`];
}

/**
 * A FROM-clause subquery `r` over `from` (`<table> WHERE …`) with one column `h<i>` per text expression of `texts`:
 * its 60-bit MD5 hash ({@link hexToInt}); `extra` columns (`<expr> AS <name>`) pass through by name.
 *
 * Each per-row function is applied once, to a column of the subquery below it, and `OFFSET 0` keeps each subquery
 * a subquery: a planner that merges subqueries (PostgreSQL) would otherwise compute MD5 once per use of `h`, and
 * an inlined function that reads its argument several times (the emulated STRTOL: sim/redshift/emulation.sql)
 * would compute its argument expression once per reading. On Redshift the layers cost nothing.
 */
export function hashedFrom(texts: readonly string[], from: string, side: Side, extra: readonly string[] = []): string {
  const names = extra.map((e) => e.slice(e.lastIndexOf(' AS ') + 4));
  const prefix = (t: string) => `SUBSTRING(MD5(${t}), 1, ${HASH_HEX_DIGITS})`;
  if (side === 'source') {
    const hs = texts.map((t, i) => `${hexToInt(prefix(t), side)} AS h${i}`);
    return `(SELECT ${[...hs, ...extra].join(', ')} FROM ${from} OFFSET 0) r`;
  }
  const ss = texts.map((t, i) => `${prefix(t)} AS s${i}`);
  const hs = texts.map((_t, i) => `${hexToInt(`s${i}`, side)} AS h${i}`);
  return `(SELECT ${[...hs, ...names].join(', ')} FROM (SELECT ${[...ss, ...extra].join(', ')} FROM ${from} OFFSET 0) a OFFSET 0) r`;
}

/** `CAST(<sum> AS <text>)` so that exact sums come back as text from either side. */
export function sumText(expr: string, side: Side): string {
  return side === 'source' ? `CAST(sum(${expr}) AS TEXT)` : `CAST(sum(${expr}) AS VARCHAR(64))`;
}

/** A bound parameter cast to the key's type, e.g. `CAST($3 AS BIGINT)`. */
export function castParam(n: number, cls: ColumnClass, declared: string): string {
  if (cls === 'integer') return `CAST($${n} AS BIGINT)`;
  return `CAST($${n} AS ${declared})`;
}

/** Comma-separated list of a text expression's values over a group (LISTAGG on Redshift, string_agg on PostgreSQL). */
export function listAgg(textExpr: string, side: Side): string {
  return side === 'source' ? `string_agg(${textExpr}, ',')` : `LISTAGG(${textExpr}, ',')`;
}
