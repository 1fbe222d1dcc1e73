import { asText } from '../../lib/sql/coerce.js';
import type { SqlClient } from '../../lib/sql/client.js';
import { quoteIdent, quoteQualified } from '../../lib/sql/quote.js';
import { compareBuckets } from './compare-buckets.js';
import { compareRange, type CompareOptions, type CompareResult, type Progress } from './compare.js';
import { checkDayKeyRange, dayKeyBounds, NotMonotonicError } from './key-range.js';
import type { Meter } from './segments.js';
import { withRowHash, type GapTable } from './table.js';

/**
 * Which comparison runs for a table, and why:
 *
 * - `key-range`: a day's rows form one range of an integer leading key (keys grow with the day
 *   column, checked at the range's edges: key-range.ts); segments are key ranges (compare.ts).
 * - `day-hash`: the day's rows are selected by the day column itself and bucketed by a hash of the
 *   key (compare-buckets.ts) — for keys that do not grow with time (UUIDs, Pagila's rental and
 *   payment) and for non-integer keys, whose ranges Redshift compares ignoring trailing blanks.
 * - `table-range`: the whole table, an integer leading key: its whole key space (from the least to
 *   the greatest key on either side) in key-range segments.
 * - `table-hash`: the whole table, any other key: hash buckets over every row.
 */
export type CompareMode = 'key-range' | 'day-hash' | 'table-range' | 'table-hash';

export interface ModeRun {
  mode: CompareMode;
  /** Why this mode ran, in a sentence. */
  reason: string;
  compared: CompareResult;
  warnings: string[];
}

type Sides = { source: SqlClient; target: SqlClient };
type OnProgress = ((p: Progress) => void | Promise<void>) | undefined;

const NOT_INTEGER = (t: GapTable) =>
  `the leading key column ${t.key[0]!.name} is ${t.key[0]!.source.declared}, not an integer: rows are bucketed by a hash of the key's ` +
  'exact bytes (Redshift compares text ignoring trailing blanks, so key ranges on text would not be byte-exact)';

function addMeter(into: Meter, m: Meter): void {
  into.queries += m.queries;
  into.bytesRead += m.bytesRead;
  into.segmentsQueried += m.segmentsQueried;
}

/**
 * Compares one UTC day (`from` up to `until`) of a table with a day column.
 * @param meter counts the statements of the mode's own checks as well as the comparison's
 */
export async function compareDay(
  sides: Sides,
  t: GapTable,
  from: Date,
  until: Date,
  o: CompareOptions,
  meter: Meter,
  onProgress?: OnProgress,
): Promise<ModeRun> {
  const byDay = async (reason: string, warnings: string[] = []): Promise<ModeRun> => {
    const hashed = await withRowHash(sides, t);
    const compared = await compareBuckets(sides, hashed, { kind: 'day', from, until }, o, onProgress);
    addMeter(meter, compared.meter);
    return { mode: 'day-hash', reason: `${reason}; ${hashed.hash.why}`, compared, warnings };
  };
  if (!t.integerLead) return byDay(NOT_INTEGER(t));
  try {
    const bounds = await dayKeyBounds(sides.source, t, from, until, meter);
    // The range's second round of checks runs beside the first level's sample (compareRange waits for it before
    // anything else); a refusal is thrown from compareRange, and handled here if compareRange fails first.
    const checked = checkDayKeyRange(sides.source, sides.target, t, bounds, from, until, meter);
    checked.catch(() => undefined);
    const compared = await compareRange(sides, t, bounds.range, bounds.low, o, onProgress, checked);
    addMeter(meter, compared.meter);
    return {
      mode: 'key-range',
      reason: `keys grow with ${t.day!.name}: the day's rows form one key range (checked at its edges and at 31 times of the day)`,
      compared,
      warnings: await checked,
    };
  } catch (err) {
    if (!(err instanceof NotMonotonicError)) throw err;
    return byDay(`the day's rows are selected by ${t.day!.name} and bucketed by a hash of the key: ${err.message}`);
  }
}

/** The least and greatest leading key on either side (text), or undefined for two empty tables. */
async function keySpan(sides: Sides, t: GapTable, meter: Meter): Promise<{ min: bigint; max: bigint } | undefined> {
  const k = quoteIdent(t.key[0]!.name);
  const [s, g] = await Promise.all([
    sides.source.query<{ lo: unknown; hi: unknown }>(
      `SELECT CAST(min(${k}) AS TEXT) AS lo, CAST(max(${k}) AS TEXT) AS hi FROM ${quoteQualified(t.config.source)}`,
    ),
    sides.target.query<{ lo: unknown; hi: unknown }>(
      `SELECT CAST(min(${k}) AS VARCHAR(20)) AS lo, CAST(max(${k}) AS VARCHAR(20)) AS hi FROM ${quoteQualified(t.config.target)}`,
    ),
  ]);
  meter.queries += 2;
  const values = [s.rows[0], g.rows[0]].flatMap((r) =>
    r && r.lo !== null && r.lo !== undefined ? [BigInt(asText(r.lo)), BigInt(asText(r.hi))] : [],
  );
  if (values.length === 0) return undefined;
  return {
    min: values.reduce((a, b) => (b < a ? b : a)),
    max: values.reduce((a, b) => (b > a ? b : a)),
  };
}

/** Compares a whole table, every row on both sides. */
export async function compareTable(
  sides: Sides,
  t: GapTable,
  o: CompareOptions,
  meter: Meter,
  onProgress?: OnProgress,
): Promise<ModeRun> {
  if (!t.integerLead) {
    const hashed = await withRowHash(sides, t);
    const compared = await compareBuckets(sides, hashed, { kind: 'table' }, o, onProgress);
    addMeter(meter, compared.meter);
    return { mode: 'table-hash', reason: `whole table; ${NOT_INTEGER(t)}; ${hashed.hash.why}`, compared, warnings: [] };
  }
  const span = await keySpan(sides, t, meter);
  const range = span ? { after: null, upTo: span.max.toString() } : { after: null, upTo: '0' };
  const compared = await compareRange(sides, t, range, span ? span.min - 1n : -1n, o, onProgress);
  addMeter(meter, compared.meter);
  return {
    mode: 'table-range',
    reason: `whole table; integer leading key ${t.key[0]!.name}: its whole key space (${span ? `${span.min} to ${span.max}` : 'empty'}) in key-range segments`,
    compared,
    warnings: [
      'whole-table mode has no settle cut-off: rows DMS is still applying may show as differences (repairs re-check them under a lock)',
    ],
  };
}
