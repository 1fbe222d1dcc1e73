import { RefusedError } from '../../lib/errors.js';
import { asText } from '../../lib/sql/coerce.js';
import type { SqlClient } from '../../lib/sql/client.js';
import { quoteIdent, quoteQualified } from '../../lib/sql/quote.js';
import { utcText } from '../../lib/state/store.js';
import { compareBytes, compareIntegerText } from './diff.js';
import type { Meter, Segment } from './segments.js';
import type { GapTable } from './table.js';

/**
 * The primary-key range of a UTC day.
 *
 * Gap-filling assumes keys grow with the day column (an identity or sequence key on an
 * append-mostly table), so each day owns a contiguous key range. The ranges of consecutive days
 * tile the key space: day D covers keys in `(M(start), M(end)]`, where `M(t)` is the key of the
 * latest source row (by the day column) before `t`. A row deleted on the source but still on the
 * target therefore falls in exactly one day's range, and nothing falls between days.
 *
 * Each bound is one indexed lookup on the source: the largest key among the last 1,000 rows before
 * `t` by the day column (which tolerates keys and times that disagree by a little, as commit order
 * and clock readings do). The assumption is
 * checked, not trusted: the day's first rows and rows at 31 times of the day must lie in the range,
 * and rows at 31 keys of the range must belong to the day, else NotMonotonicError (the caller then
 * compares the day by its day column: mode.ts); on the source, the row after the range must belong
 * to the day or later, and on the target, the rows just outside the range must carry days outside
 * it, else warnings.
 */

/**
 * The day's key range before its second round of checks ({@link checkDayKeyRange}), which may run beside the
 * comparison's first statements (mode.ts).
 */
export interface DayBounds {
  /** `(after, upTo]` on the leading key. */
  range: Segment;
  /** For an integer key with no lower bound: a value at or below the day's first key. */
  low: bigint | undefined;
  /** The source has no row that day. */
  empty: boolean;
  /** The key of the day's first row (text), if any: where the overlap probes start without a lower bound. */
  firstKey: string | undefined;
}

function inRange(key: string, after: string | null, upTo: string | null, integer: boolean): boolean {
  const cmp = integer ? compareIntegerText : compareBytes;
  return (after === null || cmp(key, after) > 0) && (upTo === null || cmp(key, upTo) <= 0);
}

/** The day's rows do not form one key range: the day must be compared by the day column instead. */
export class NotMonotonicError extends RefusedError {}

/** The table's day column. @throws RefusedError when it has none. */
export function dayColumn(t: GapTable): { name: string; declared: string; targetDeclared: string } {
  if (!t.day) throw new RefusedError(`table ${t.config.source.schema}.${t.config.source.name} has no dayColumn`);
  return t.day;
}

async function keyBefore(source: SqlClient, t: GapTable, at: Date, meter: Meter): Promise<string | null> {
  const day = quoteIdent(dayColumn(t).name);
  const key = quoteIdent(t.key[0]!.name);
  const r = await source.query<{ k: unknown }>(
    `SELECT CAST(max(k) AS TEXT) AS k FROM (SELECT ${key} AS k FROM ${quoteQualified(t.config.source)} WHERE ${day} < CAST($1 AS TIMESTAMPTZ) ORDER BY ` +
      `${day} DESC LIMIT 1000) last_rows`,
    [`${utcText(at)}+00`],
  );
  meter.queries++;
  const k = r.rows[0]?.k;
  return k === undefined || k === null ? null : asText(k);
}

/**
 * The first round, one source statement each at once: the two bounds, the coverage rows and, for an integer leading
 * key, the table's least key (the range's low end when it has no lower bound: the least key at or below the range's
 * end, since the range's end is a key of the table).
 * @throws NotMonotonicError when one of the day's first 1,000 rows, or of its rows at 31 evenly spaced times, lies
 *   outside the range: it would never be compared
 */
export async function dayKeyBounds(
  source: SqlClient,
  t: GapTable,
  start: Date,
  end: Date,
  meter: Meter,
): Promise<DayBounds> {
  const dayName = dayColumn(t).name;
  const [after, upTo, first, least] = await Promise.all([
    keyBefore(source, t, start, meter),
    keyBefore(source, t, end, meter),
    coverageRows(source, t, start, end, meter),
    t.integerLead ? leastKey(source, t, meter) : undefined,
  ]);
  const empty = upTo === null || upTo === after;
  const outside = first.find((r) => !inRange(r.k, after, upTo, t.integerLead));
  if (outside) {
    throw new NotMonotonicError(
      `keys are not monotonic with ${dayName}: key ${outside.k} (${dayName} ${outside.d}) lies outside the day's key range ` +
        `(${after ?? '-∞'}, ${upTo ?? '+∞'}] and would not be compared; gap-filling needs keys that grow with the day column`,
    );
  }
  const low = !empty && after === null && least !== undefined ? least - 1n : undefined;
  return { range: { after, upTo }, low, empty, firstKey: first[0]?.k };
}

/**
 * The second round, at once: the overlap probes on the source and the rows just past the range on both sides. Only
 * reads, so a comparison of the range may start beside it and be discarded if it refuses (mode.ts).
 * @returns warnings about the rows past the range
 * @throws NotMonotonicError when a row at one of 31 evenly spaced keys of the range carries another day
 */
export async function checkDayKeyRange(
  source: SqlClient,
  target: SqlClient,
  t: GapTable,
  bounds: DayBounds,
  start: Date,
  end: Date,
  meter: Meter,
): Promise<string[]> {
  const { after, upTo } = bounds.range;
  if (bounds.empty || upTo === null) return [];
  const dayName = dayColumn(t).name;
  const [bad, warnings] = await Promise.all([
    t.integerLead ? overlapOutside(source, t, after ?? bounds.firstKey ?? upTo, upTo, start, end, meter) : undefined,
    edgeWarnings(source, target, t, upTo, end, meter),
  ]);
  if (bad) {
    // Rows of other days inside the range would be compared under two days: compare by the day column instead.
    throw new NotMonotonicError(
      `keys are not monotonic with ${dayName}: the row at key ${bad.k} has ${dayName} ${bad.d}, outside the day, yet lies in ` +
        `the day's key range (${after ?? '-∞'}, ${upTo}]`,
    );
  }
  return warnings;
}

/** The table's least leading key on the source, or undefined for an empty table. */
async function leastKey(source: SqlClient, t: GapTable, meter: Meter): Promise<bigint | undefined> {
  const k = quoteIdent(t.key[0]!.name);
  const r = await source.query<{ k: unknown }>(
    `SELECT CAST(min(${k}) AS TEXT) AS k FROM ${quoteQualified(t.config.source)}`,
  );
  meter.queries++;
  const v = r.rows[0]?.k;
  return v === undefined || v === null ? undefined : BigInt(asText(v));
}

/** The day's first 1,000 rows and its rows at 31 evenly spaced times (keys and days as text). */
async function coverageRows(
  source: SqlClient,
  t: GapTable,
  start: Date,
  end: Date,
  meter: Meter,
): Promise<{ k: string; d: string }[]> {
  const k = quoteIdent(t.key[0]!.name);
  const day = quoteIdent(dayColumn(t).name);
  const span = end.getTime() - start.getTime();
  const times = Array.from(
    { length: 31 },
    (_v, i) => `${utcText(new Date(start.getTime() + (span * (i + 1)) / 32))}+00`,
  );
  const r = await source.query<{ k: unknown; d: unknown }>(
    `(SELECT CAST(${k} AS TEXT) AS k, CAST(${day} AS TEXT) AS d FROM ${quoteQualified(t.config.source)} WHERE ${day} >= CAST($1 AS TIMESTAMPTZ) AND ` +
      `${day} < CAST($2 AS TIMESTAMPTZ) ORDER BY ${day} LIMIT 1000)
     UNION ALL
     SELECT CAST(x.k AS TEXT), CAST(x.d AS TEXT) FROM unnest(CAST($3 AS TIMESTAMPTZ[])) AS p(at)
       CROSS JOIN LATERAL (SELECT ${k} AS k, ${day} AS d FROM ${quoteQualified(t.config.source)}
         WHERE ${day} >= p.at AND ${day} < CAST($2 AS TIMESTAMPTZ) ORDER BY ${day} LIMIT 1) x`,
    [`${utcText(start)}+00`, `${utcText(end)}+00`, times],
  );
  meter.queries++;
  return r.rows.map((x) => ({ k: asText(x.k), d: asText(x.d) }));
}

/**
 * Overlap: rows at 31 evenly spaced keys of `(from, upTo]` should belong to the day (within five minutes at the
 * edges, where commit order and clocks disagree a little). The first that does not, or undefined.
 */
async function overlapOutside(
  source: SqlClient,
  t: GapTable,
  fromKey: string,
  upTo: string,
  start: Date,
  end: Date,
  meter: Meter,
): Promise<{ k: string; d: string } | undefined> {
  const k = quoteIdent(t.key[0]!.name);
  const day = quoteIdent(dayColumn(t).name);
  const from = BigInt(fromKey);
  const to = BigInt(upTo);
  const probes = Array.from({ length: 31 }, (_v, i) => (from + ((to - from) * BigInt(i + 1)) / 32n).toString());
  const slack = 5 * 60;
  const r = await source.query<{ k: unknown; d: unknown; ok: unknown }>(
    `SELECT CAST(p.k AS TEXT) AS k, CAST(x.d AS TEXT) AS d, x.d >= CAST($2 AS TIMESTAMPTZ) - INTERVAL '${slack} seconds' AND x.d < CAST($3 AS ` +
      `TIMESTAMPTZ) + INTERVAL '${slack} seconds' AS ok
       FROM unnest(CAST($1 AS BIGINT[])) AS p(k)
       CROSS JOIN LATERAL (SELECT ${day} AS d FROM ${quoteQualified(t.config.source)} WHERE ${k} >= p.k ORDER BY ${k} LIMIT 1) x`,
    [probes, `${utcText(start)}+00`, `${utcText(end)}+00`],
  );
  meter.queries++;
  const bad = r.rows.find((x) => !(x.ok === true || x.ok === 't'));
  return bad && { k: asText(bad.k), d: asText(bad.d) };
}

/**
 * Warnings about the rows just past the range: on the source, the first row after it must not be earlier than the
 * range's end; on the target, the row after it should carry a day outside the range. Both sides at once.
 */
async function edgeWarnings(
  source: SqlClient,
  target: SqlClient,
  t: GapTable,
  upTo: string,
  end: Date,
  meter: Meter,
): Promise<string[]> {
  const k = quoteIdent(t.key[0]!.name);
  const dayName = dayColumn(t).name;
  const day = quoteIdent(dayName);
  const [next, probe] = await Promise.all([
    source.query<{ early: unknown; d: unknown }>(
      `SELECT ${day} < CAST($2 AS TIMESTAMPTZ) AS early, CAST(${day} AS TEXT) AS d FROM ${quoteQualified(t.config.source)} WHERE ${k} > CAST($1 AS ` +
        `${t.key[0]!.source.declared}) ORDER BY ${k} LIMIT 1`,
      [upTo, `${utcText(end)}+00`],
    ),
    target.query<{ d: unknown }>(
      `SELECT CAST(${day} AS VARCHAR(40)) AS d FROM ${quoteQualified(t.config.target)} WHERE ${k} > CAST($1 AS ${t.key[0]!.target.declared}) ` +
        `ORDER BY ${k} LIMIT 1`,
      [upTo],
    ),
  ]);
  meter.queries += 2;
  const warnings: string[] = [];
  const row = next.rows[0];
  if (row && (row.early === true || row.early === 't')) {
    warnings.push(
      `keys are not monotonic with ${dayName} on the source: the key after ${upTo} has ${dayName} ${asText(row.d)}, before the range's end; ` +
        `rows out of order are compared under the day their key falls in`,
    );
  }
  const d = probe.rows[0]?.d;
  if (
    d !== undefined &&
    d !== null &&
    new Date(`${asText(d).replace(' ', 'T').replace(/\+00$/, '')}Z`).getTime() < end.getTime() - 1000
  ) {
    warnings.push(
      `on the target, the row after key ${upTo} has ${dayName} ${asText(d)}, before the range's end: keys and days disagree there`,
    );
  }
  return warnings;
}
