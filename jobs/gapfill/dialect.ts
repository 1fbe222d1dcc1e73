import { quoteIdent } from '../../lib/sql/quote.js';

/**
 * The SQL expressions gap-filling computes on both sides, written so that PostgreSQL (the source)
 * and Redshift (the target) produce the **same numbers** for the same rows:
 *
 * - a column's *normalised text* (the same text on both sides): integers and numerics as their
 *   decimal text, dates `YYYY-MM-DD`, timestamps `YYYY-MM-DD HH24:MI:SS.US` in UTC, text as is;
 *   NULL as a marker that no value produces;
 * - a 32-bit hash of a text: the first 8 hex digits of its MD5 as a number (Redshift
 *   `STRTOL(SUBSTRING(MD5(t), 1, 8), 16)`, PostgreSQL `('x' || substr(md5(t), 1, 8))::bit(32)::bigint`);
 * - for an integer key, a cheap multiplicative hash `(CAST(k AS BIGINT) % 2147483647) * 1103515245
 *   % 2147483647` that cannot overflow a BIGINT and needs no function call;
 * - an integer key's sum as the sums of its high and low 32-bit halves (`k / 2^32`, `k % 2^32`):
 *   Redshift's SUM of an integer type is a BIGINT that fails on overflow (docs/aws-facts.md §11.1,
 *   §80), so `sum(k)` itself fails for keys near 2^62 after a handful of rows; each half is below
 *   2^32 in size, so its sum stays exact up to 2^31 rows per segment.
 *
 * Every summed term is below 2^32 in size. Sums are read as text (exact).
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

/** A non-negative 32-bit hash of a text expression, identical on both sides. */
export function hash32(textExpr: string, side: Side, offset = 1): string {
  return hexToInt(`SUBSTRING(MD5(${textExpr}), ${offset}, 8)`, side);
}

/** The multiplicative hash of an integer key expression. */
export function intHash(keyExpr: string): string {
  return `(CAST(${keyExpr} AS BIGINT) % 2147483647) * 1103515245 % 2147483647`;
}

/** 2^32, the divisor that splits a BIGINT into halves whose sums cannot overflow (docs/aws-facts.md §80). */
export const TWO_32 = '4294967296';

/** The high and low 32-bit halves of an integer key expression: `k = hi * 2^32 + lo` on both sides. */
export function intHalves(keyExpr: string): [string, string] {
  const k = `CAST(${keyExpr} AS BIGINT)`;
  return [`${k} / ${TWO_32}`, `${k} % ${TWO_32}`];
}

/** An 8-hex-digit text expression as a non-negative number below 2^32, identical on both sides (docs/aws-facts.md §80). */
export function hexToInt(hex8: string, side: Side): string {
  return side === 'source' ? `('x' || ${hex8})::bit(32)::bigint` : `STRTOL(${hex8}, 16)`;
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
