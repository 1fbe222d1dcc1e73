import { parse as parsePgArray } from 'postgres-array';
import { RefusedError } from '../errors.js';
import { redshiftStringLiteral } from '../sql/quote.js';
import { formatDate, formatTimestamp, parseTime, parseTimestamp, timeToUtc, toUtc } from './time.js';
import type { SourceType, TargetType } from './types.js';

/**
 * Value → Redshift SQL literal: the repair jobs' write path. A value comes as the source pool
 * returns it with this module's type parsers (`lib/typemap/pg-types.ts`): PostgreSQL's text output
 * for every type (lossless), a Buffer for bytea, `null` for NULL. Anything else is refused.
 *
 * The target column's real type decides the literal; the source type decides how its text is read.
 * Conversions (documented, and checked by the round-trip test on Pagila):
 * - integers and numerics: exact text; range/precision/scale checked, never rounded; NaN/±Infinity
 *   only into text columns;
 * - real/double: text cast (`'NaN'::float8`, `'-0'::float8` keep NaN, ±Infinity and −0);
 * - boolean: TRUE/FALSE into BOOLEAN, `true`/`false` (or `t`/`f`, `1`/`0`: `booleanText`) into text;
 * - text: Redshift escaping (backslash and quote, docs/aws-facts.md §7); length limits in **bytes**;
 *   over-long text is an error, or cut on a UTF-8 character boundary with `truncateText`;
 *   NUL characters are refused (Redshift cannot store them); CHAR columns take single-byte text only;
 * - timestamptz → UTC (`…+00` into TIMESTAMPTZ, UTC wall time into TIMESTAMP, which ignores offsets);
 *   timetz → UTC; date/timestamp as written; BC dates keep ` BC`; infinity per `infinity`;
 * - json/jsonb → `JSON_PARSE('…')` into SUPER, else the JSON text;
 * - arrays (nested, with NULLs) → JSON text (`arrayFormat: json`) or PostgreSQL array text, and
 *   `JSON_PARSE` into SUPER;
 * - bytea → `TO_VARBYTE('<hex>', 'hex')` into VARBYTE, lowercase hex text into text (2 bytes a byte);
 * - enum, domain (by base type), uuid, tsvector, interval, inet/cidr/macaddr, money (read as
 *   numeric): their text.
 */

export interface WriteOptions {
  /** What a boolean becomes in a text column (match what DMS wrote). */
  booleanText: 'true/false' | 't/f' | '1/0';
  /** Cut over-long text at a character boundary instead of failing. */
  truncateText: boolean;
  /** Arrays into text columns: JSON (default) or PostgreSQL's `{…}` text. */
  arrayFormat: 'json' | 'postgres';
  /** Redshift has no infinite dates: fail (default), write NULL, or clamp to the range ends. */
  infinity: 'error' | 'null' | 'clamp';
}

export const DEFAULT_WRITE_OPTIONS: WriteOptions = {
  booleanText: 'true/false',
  truncateText: false,
  arrayFormat: 'json',
  infinity: 'error',
};

/** Where a value comes from, for error messages. */
export interface ValueContext {
  /** `schema.table` of the target. */
  table: string;
  /** The row's key, e.g. `film_id=1`. */
  key: string;
  column: string;
}

/** A value that cannot be written without changing it. Names table, key and column. */
export class TypemapError extends RefusedError {
  constructor(where: ValueContext, reason: string) {
    super(`${where.table} ${where.key} column ${where.column}: ${reason}`);
  }
}

export type SourceValue = string | Buffer | null | undefined;

/**
 * The Redshift SQL literal (or expression) that writes `value` into a column of type `target`.
 * @throws TypemapError when the value does not fit the target or cannot be written losslessly.
 */
export function toRedshiftLiteral(
  value: SourceValue,
  source: SourceType,
  target: TargetType,
  options: WriteOptions,
  where: ValueContext,
): string {
  if (value === null || value === undefined) return 'NULL';
  const fail = (reason: string): never => {
    throw new TypemapError(where, reason);
  };
  if (Buffer.isBuffer(value)) {
    if (source.kind !== 'bytea') fail(`got binary data for a ${source.declared} column`);
  } else if (typeof value !== 'string') {
    fail(`got a ${typeof value} value; read the source with lib/typemap's type parsers (text output)`);
  }
  const text = typeof value === 'string' ? value : undefined;
  const cannot = () => fail(`cannot write ${source.declared} into ${describeTarget(target)}`);

  switch (target.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint': {
      if (source.kind === 'bool') return boolOf(text!, fail) ? '1' : '0';
      if (!isNumericSource(source) || text === undefined) return cannot();
      const m = /^(-?\d+)(?:\.(\d+))?$/.exec(text);
      if (!m || (m[2] !== undefined && /[1-9]/.test(m[2]))) return fail(`${JSON.stringify(text)} is not an integer`);
      const n = BigInt(m[1]!);
      const [lo, hi] = INT_RANGES[target.kind];
      if (n < lo || n > hi) fail(`${text} is out of range for ${target.kind}`);
      return n.toString();
    }
    case 'numeric': {
      if (!isNumericSource(source) || text === undefined) return cannot();
      checkNumericFits(text, target.precision ?? 18, target.scale ?? 0, fail);
      return text;
    }
    case 'real':
    case 'double': {
      if (!isNumericSource(source) || text === undefined) return cannot();
      const cast = target.kind === 'real' ? 'REAL' : 'DOUBLE PRECISION';
      if (!/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|NaN|-?Infinity)$/.test(text))
        fail(`${JSON.stringify(text)} is not a number`);
      return `CAST('${text}' AS ${cast})`;
    }
    case 'boolean': {
      if (source.kind === 'bool') return boolOf(text!, fail) ? 'TRUE' : 'FALSE';
      if (isIntegerSource(source) && (text === '0' || text === '1')) return text === '1' ? 'TRUE' : 'FALSE';
      return cannot();
    }
    case 'date': {
      if (source.kind !== 'date' || text === undefined) return cannot();
      return dateLike(text, 'date', options, fail);
    }
    case 'timestamp':
    case 'timestamptz': {
      if (text === undefined || !['date', 'timestamp', 'timestamptz'].includes(source.kind)) return cannot();
      return dateLike(text, target.kind, options, fail);
    }
    case 'time':
    case 'timetz': {
      if (text === undefined || (source.kind !== 'time' && source.kind !== 'timetz')) return cannot();
      const t = parseTime(text) ?? fail(`${JSON.stringify(text)} is not a time of day`);
      return `'${timeToUtc(t)}${target.kind === 'timetz' ? '+00' : ''}'`;
    }
    case 'super': {
      return `JSON_PARSE(${redshiftStringLiteral(jsonText(value, source, options, fail))})`;
    }
    case 'varbyte': {
      if (!Buffer.isBuffer(value)) return cannot();
      if (target.length !== undefined && value.length > target.length)
        fail(`${value.length} bytes do not fit ${describeTarget(target)}`);
      return `TO_VARBYTE('${value.toString('hex')}', 'hex')`;
    }
    case 'char':
    case 'varchar': {
      let s = textOf(value, source, options, fail);
      if (s.includes('\0')) fail('text contains a NUL character, which Redshift cannot store');
      const limit = target.length ?? Number.POSITIVE_INFINITY;
      const bytes = Buffer.byteLength(s, 'utf8');
      if (bytes > limit) {
        if (!options.truncateText)
          fail(
            `text is ${bytes} bytes; ${describeTarget(target)} holds ${limit} bytes (set typemap.truncateText to cut it)`,
          );
        s = truncateUtf8(s, limit);
      }
      if (target.kind === 'char' && Buffer.byteLength(s, 'utf8') !== s.length)
        fail('CHAR columns hold single-byte characters only; make the target column VARCHAR');
      return redshiftStringLiteral(s);
    }
  }
}

const INT_RANGES: Record<'smallint' | 'integer' | 'bigint', [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

function isIntegerSource(s: SourceType): boolean {
  return s.kind === 'int2' || s.kind === 'int4' || s.kind === 'int8';
}

function isNumericSource(s: SourceType): boolean {
  return isIntegerSource(s) || s.kind === 'numeric' || s.kind === 'money' || s.kind === 'float4' || s.kind === 'float8';
}

/** Checks that a numeric text fits NUMERIC(p,s) without rounding. */
function checkNumericFits(text: string, precision: number, scale: number, fail: (r: string) => never): void {
  const m = /^-?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) fail(`${JSON.stringify(text)} is not a finite decimal number; NUMERIC(${precision},${scale}) cannot hold it`);
  const intDigits = m[1]!.replace(/^0+/, '').length;
  const fracDigits = (m[2] ?? '').replace(/0+$/, '').length;
  if (fracDigits > scale)
    fail(`${text} has ${fracDigits} decimal places; NUMERIC(${precision},${scale}) would round it`);
  if (intDigits > precision - scale) fail(`${text} does not fit NUMERIC(${precision},${scale})`);
}

const CLAMP = {
  date: ['4713-01-01 BC', '294276-12-31'],
  timestamp: ['4713-01-01 00:00:00 BC', '294276-12-31 23:59:59.999999'],
  timestamptz: ['4713-01-01 00:00:00+00 BC', '294276-12-31 23:59:59.999999+00'],
} as const;

function dateLike(
  text: string,
  target: 'date' | 'timestamp' | 'timestamptz',
  options: WriteOptions,
  fail: (r: string) => never,
): string {
  if (text === 'infinity' || text === '-infinity') {
    if (options.infinity === 'null') return 'NULL';
    if (options.infinity === 'clamp') return `'${CLAMP[target][text === 'infinity' ? 1 : 0]}'`;
    fail(`${text} cannot be stored in Redshift (set typemap.infinity to "null" or "clamp")`);
  }
  const t =
    parseTimestamp(text) ??
    fail(`${JSON.stringify(text)} is not an ISO date/time (the source session must use DateStyle ISO)`);
  if (target === 'date') return `'${formatDate(t)}'`;
  // TIMESTAMP ignores a zone offset in input text (docs/aws-facts.md §7): write the UTC wall time.
  return `'${formatTimestamp(toUtc(t), target === 'timestamptz')}'`;
}

/** A boolean's text output: `t`/`f` (PostgreSQL), or `true`/`false` (logical decoding's test_decoding). */
function boolOf(t: string, fail: (r: string) => never): boolean {
  if (t === 't' || t === 'true') return true;
  if (t === 'f' || t === 'false') return false;
  return fail(`${JSON.stringify(t)} is not a boolean`);
}

function booleanText(t: string, options: WriteOptions, fail: (r: string) => never): string {
  const [yes, no] = options.booleanText.split('/') as [string, string];
  return boolOf(t, fail) ? yes : no;
}

/** The text a value becomes in a text column. */
function textOf(value: string | Buffer, source: SourceType, options: WriteOptions, fail: (r: string) => never): string {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  switch (source.kind) {
    case 'bool':
      return booleanText(value, options, fail);
    case 'timestamptz': {
      if (value === 'infinity' || value === '-infinity') return value;
      const t = parseTimestamp(value) ?? fail(`${JSON.stringify(value)} is not an ISO timestamp`);
      return formatTimestamp(toUtc(t), true);
    }
    case 'timetz': {
      const t = parseTime(value) ?? fail(`${JSON.stringify(value)} is not a time of day`);
      return `${timeToUtc(t)}+00`;
    }
    case 'array':
      return options.arrayFormat === 'json' ? arrayToJson(value, source.element!, options, fail) : value;
    default:
      return value;
  }
}

/** JSON text for a SUPER column. */
function jsonText(
  value: string | Buffer,
  source: SourceType,
  options: WriteOptions,
  fail: (r: string) => never,
): string {
  if (Buffer.isBuffer(value)) return JSON.stringify(value.toString('hex'));
  switch (source.kind) {
    case 'json':
    case 'jsonb':
      return value;
    case 'array':
      return arrayToJson(value, source.element!, options, fail);
    default:
      return jsonScalar(value, source, options, fail);
  }
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** One value as a JSON scalar: numbers stay numbers (exact digits), booleans true/false, others strings. */
function jsonScalar(text: string, source: SourceType, options: WriteOptions, fail: (r: string) => never): string {
  if (isNumericSource(source) && JSON_NUMBER.test(text)) return text;
  if (source.kind === 'bool') return boolOf(text, fail) ? 'true' : 'false';
  if (source.kind === 'json' || source.kind === 'jsonb') return text;
  if (source.kind === 'bytea') return JSON.stringify(text.startsWith('\\x') ? text.slice(2) : text);
  return JSON.stringify(textOf(text, source, options, fail));
}

/**
 * PostgreSQL array text → JSON text, nested arrays and NULLs kept, elements by their type
 * (numbers exact, booleans, json as json, timestamptz in UTC).
 */
export function arrayToJson(
  text: string,
  element: SourceType,
  options: WriteOptions,
  fail: (r: string) => never,
): string {
  let parsed: unknown;
  try {
    parsed = parsePgArray(text, (s) => s);
  } catch (err) {
    return fail(`cannot read array ${JSON.stringify(text.slice(0, 60))}: ${(err as Error).message}`);
  }
  const render = (v: unknown): string => {
    if (v === null) return 'null';
    if (Array.isArray(v)) return `[${v.map(render).join(',')}]`;
    return jsonScalar(v as string, element, options, fail);
  };
  return render(parsed);
}

/**
 * The longest prefix of `s` that takes at most `maxBytes` bytes in UTF-8, cut between code points
 * (never inside a character).
 */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += ch.length;
  }
  return s.slice(0, end);
}

export function describeTarget(t: TargetType): string {
  switch (t.kind) {
    case 'char':
    case 'varchar':
      return `${t.kind.toUpperCase()}(${Number.isFinite(t.length) ? t.length : 'unbounded'})`;
    case 'numeric':
      return `NUMERIC(${t.precision},${t.scale})`;
    default:
      return t.kind.toUpperCase();
  }
}
