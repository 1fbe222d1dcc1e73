import { quoteIdent } from '../../lib/sql/quote.js';

/**
 * The SQL expressions gap-filling computes on both sides, written so that PostgreSQL (the source)
 * and Redshift (the target) produce the **same numbers** for the same rows:
 *
 * - a column's *normalised text* (the same text on both sides): integers and numerics as their
 *   decimal text, dates `YYYY-MM-DD`, timestamps `YYYY-MM-DD HH24:MI:SS.US` in UTC, text as is;
 *   NULL as a marker that no value produces;
 * - a hash of a text, computed **once per row** by {@link hashedFrom} and summed as INTEGER terms ({@link hashTerms}):
 *   the CRC-32C of its UTF-8 bytes as a number in [0, 2^32) (Redshift `STRTOL(CRC32(t), 16)`, PostgreSQL 18
 *   `crc32c(…)`: docs/aws-facts.md §87), where both sides agree on it (row-hash.ts), else the first 15 hex digits of
 *   its MD5 as a number in [0, 2^60) (Redshift `STRTOL(h, 16)`, PostgreSQL `('x' || h)::bit(60)::bigint`,
 *   h = `SUBSTRING(MD5(t), 1, 15)`: docs/aws-facts.md §80, §90); one hash and one conversion a row is the whole
 *   per-row cost of hash buckets;
 * - for an integer key, a cheap multiplicative hash `(CAST(k AS BIGINT) % 2147483647) * 1103515245
 *   % 2147483647` that cannot overflow a BIGINT and needs no function call ({@link intHash}: what its sum proves).
 *
 * Every summed term is below 2^31 in size: Redshift's SUM of an integer type is a BIGINT that fails on overflow
 * (docs/aws-facts.md §11.1, §80), so `sum(k)` itself would fail for keys near 2^62 after a handful of rows, while a
 * sum of such terms stays exact up to 2^32 rows per segment. Sums are read as text (exact).
 *
 * **How strong the hash fingerprint is.** A hash bucket's fingerprint is `count(*)` and the exact sum of its rows'
 * hashes (buckets.ts). Counts catch every missing, extra or duplicated row exactly; the sum only has to catch a
 * difference that keeps the count — a key replaced by another key, or (with a version column, hashed the same way
 * with the key) a stale row. Sums add up: a level's sums are the sums of its buckets' sums, so a difference that the
 * whole day's fingerprint shows, some bucket of every deeper level shows too. One replaced key escapes when its two
 * hashes are equal: for CRC-32C, never when the two texts have the same length and differ only within 32 consecutive
 * bits (a CRC catches every such burst: two UUIDs, or two timestamps, that differ in at most 4 neighbouring
 * characters), and with probability 2^-32 otherwise; for MD5's 60 bits, 2^-60. Several differences in one bucket
 * escape only if their hash sums cancel, again about 2^-32 (2^-60). We accept 2^-32, the strength of the integer
 * keys' fingerprint too (intHash): at a million such replaced keys a day it means one miss in about 12 years, and
 * the next day's run or `validate` gets another draw only if the data change. A second hash would make it about
 * 2^-64 but costs about as much again per row, which the identical day, the common case, would pay every time.
 */

export type Side = 'source' | 'target';

/**
 * Which hash gap-filling computes per row of text, the same on both sides ({@link hashedFrom}), chosen by row-hash.ts:
 *
 * - `crc32c`: the CRC-32C of the text's UTF-8 bytes, a number in [0, 2^32). Redshift's `CRC32(string)` returns it as
 *   8 hex digits, read back with `STRTOL(…, 16)`; PostgreSQL 18 and later compute it with `crc32c(bytea)`
 *   (docs/aws-facts.md §87). A hashing pass costs a third of MD5's on the source and 40% on the emulated target
 *   (README, "What a hashed row costs").
 * - `md5`: the first 15 hex digits of the text's MD5, a number in [0, 2^60) (docs/aws-facts.md §80, §90). Every
 *   PostgreSQL has it.
 *
 * Both hash a text's UTF-8 bytes, as Redshift stores VARCHAR. `sourceBytes` says how the source gets them:
 * - `text`: the text itself (MD5 only), where the source database's own encoding is UTF8;
 * - `textsend`: `textsend(t)`, the text in the session's client encoding, when that is UTF8 (node-postgres sets it);
 * - `convert_to`: `convert_to(t, 'UTF8')`, any encoding, dearer.
 */
export type SourceBytes = 'text' | 'textsend' | 'convert_to';

export type RowHash =
  | { kind: 'md5'; sourceBytes: SourceBytes; why: string }
  | { kind: 'crc32c'; sourceBytes: Exclude<SourceBytes, 'text'>; why: string };

/** The source's UTF-8 bytes of a text expression (or the text itself), as {@link RowHash} `sourceBytes` says. */
export function sourceBytesOf(t: string, how: SourceBytes): string {
  if (how === 'text') return t;
  return how === 'textsend' ? `textsend(${t})` : `convert_to(${t}, 'UTF8')`;
}

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

/** The normalised text of a NULL: `NULL` between two U+0001 characters, which no key or version text is expected to hold. */
export const NULL_MARK = '\u0001NULL\u0001';

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
 * With `small` (every key of the segment within ±{@link SMALL_KEY}), the short form `k · C % p`, equal to it.
 * @param small true only when every key the expression sees is within ±SMALL_KEY
 */
export function intHash(keyExpr: string, small = false): string {
  if (small) return `CAST(${keyExpr} AS BIGINT) * 1103515245 % 2147483647`;
  return `(CAST(${keyExpr} AS BIGINT) % 2147483647) * 1103515245 % 2147483647`;
}

/**
 * Keys this small in size take {@link intHash}'s short form, `k · C % p`: `|k| · C` stays below 2^63, and the value
 * is the same as the long form's — both are the remainder of `k · C` by p with the sign of k, because
 * `(k % p) · C` and `k · C` differ by a multiple of p and have the same sign. One `%` a row less (about 5% of a
 * segment fingerprint's time, README).
 */
export const SMALL_KEY = 8_000_000_000n;

/** Hex digits of an MD5 taken as a row's hash: 15 digits, 60 bits, the most a BIGINT holds without a sign question. */
export const HASH_HEX_DIGITS = 15;

/** 2^30: a 60-bit hash splits into two halves below 2^30 ({@link hashTerms}). */
export const TWO_30 = '1073741824';

/** A 15-hex-digit text expression (a column, see {@link hashedFrom}) as a number in [0, 2^60), identical on both sides. */
export function hexToInt(hex15: string, side: Side): string {
  return side === 'source' ? `('x' || ${hex15})::bit(60)::bigint` : `STRTOL(${hex15}, 16)`;
}

/**
 * The INTEGER terms whose sums make a hash column `h`'s part of a fingerprint, each in [-2^31, 2^31): SUM(INTEGER) is a
 * BIGINT on Redshift (docs/aws-facts.md §11.1) and a BIGINT-state C aggregate on PostgreSQL, exact up to 2^32 rows.
 * A CRC-32C `h` in [0, 2^32) is one term, `h − 2^31`; a 60-bit MD5 `h` is two, its halves (`h = hi * 2^30 + lo`).
 */
export function hashTerms(h: string, hash: RowHash): string[] {
  if (hash.kind === 'crc32c') return [`CAST(${h} - 2147483648 AS INTEGER)`];
  return [`CAST(${h} / ${TWO_30} AS INTEGER)`, `CAST(${h} % ${TWO_30} AS INTEGER)`];
}

/** The top 32 bits of a hash column `h`, a number in [0, 2^32) (the whole of a CRC-32C). */
export function hashTop32(h: string, hash: RowHash): string {
  return hash.kind === 'crc32c' ? h : `(${h} / 268435456)`;
}

/**
 * A FROM-clause subquery `r` over `from` (`<table> WHERE …`) with one column `h<i>` per text expression of `texts`:
 * its row hash (row-hash.ts: CRC-32C as a number in [0, 2^32), or MD5's first 60 bits, {@link hexToInt}); `extra`
 * columns (`<expr> AS <name>`) pass through by name.
 *
 * Each per-row function is applied once, to a column of the subquery below it, and `OFFSET 0` keeps each subquery
 * a subquery: a planner that merges subqueries (PostgreSQL) would otherwise compute the hash once per use of `h`, and
 * an inlined function that reads its argument several times (the emulated STRTOL: sim/redshift/emulation.sql)
 * would compute its argument expression once per reading. On Redshift the layers cost nothing.
 *
 * `readsOnce`: the caller reads each `h<i>` exactly once (a CRC-32C is one INTEGER term, {@link hashTerms}, so a
 * fingerprint without buckets does). With CRC-32C the subquery is then a plain one, which PostgreSQL merges into the
 * statement: no layer to pass each row through, and the statement may run in parallel, as a `count(*)` does (a
 * subquery with OFFSET may not). On the target that is `STRTOL(CRC32(t), 16)` in one expression, which the
 * emulation computes with one checksum a row. MD5's two terms read `h` twice, so MD5 always takes the layers.
 */
export function hashedFrom(
  texts: readonly string[],
  from: string,
  side: Side,
  hash: RowHash,
  extra: readonly string[] = [],
  readsOnce = false,
): string {
  const names = extra.map((e) => e.slice(e.lastIndexOf(' AS ') + 4));
  if (hash.kind === 'crc32c') {
    const fence = readsOnce ? '' : ' OFFSET 0';
    if (side === 'source') {
      const hs = texts.map((t, i) => `crc32c(${sourceBytesOf(t, hash.sourceBytes)}) AS h${i}`);
      return `(SELECT ${[...hs, ...extra].join(', ')} FROM ${from}${fence}) r`;
    }
    if (readsOnce) {
      const hs = texts.map((t, i) => `STRTOL(CRC32(${t}), 16) AS h${i}`);
      return `(SELECT ${[...hs, ...extra].join(', ')} FROM ${from}) r`;
    }
    const ss = texts.map((t, i) => `CRC32(${t}) AS s${i}`);
    const hs = texts.map((_t, i) => `STRTOL(s${i}, 16) AS h${i}`);
    return `(SELECT ${[...hs, ...names].join(', ')} FROM (SELECT ${[...ss, ...extra].join(', ')} FROM ${from} OFFSET 0) a OFFSET 0) r`;
  }
  const prefix = (t: string) => `SUBSTRING(MD5(${t}), 1, ${HASH_HEX_DIGITS})`;
  if (side === 'source') {
    const hs = texts.map((t, i) => `${hexToInt(prefix(sourceBytesOf(t, hash.sourceBytes)), side)} AS h${i}`);
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
