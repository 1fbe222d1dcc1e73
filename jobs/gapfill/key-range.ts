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

export interface DayRange {
  /** `(after, upTo]` on the leading key. */
  range: Segment;
  /** For an integer key with no lower bound: a value at or below the day's first key. */
  low: bigint | undefined;
  /** The source has no row that day. */
  empty: boolean;
  warnings: string[];
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
 * @param start the day's start (UTC)
 * @param end the day's end, or the settle cutoff when that is earlier
 */
export async function dayKeyRange(
  source: SqlClient,
  target: SqlClient,
  t: GapTable,
  start: Date,
  end: Date,
  meter: Meter,
): Promise<DayRange> {
  const warnings: string[] = [];
  const after = await keyBefore(source, t, start, meter);
  const upTo = await keyBefore(source, t, end, meter);
  const k = quoteIdent(t.key[0]!.name);
  const dayName = dayColumn(t).name;
  const day = quoteIdent(dayName);
  const empty = upTo === null || upTo === after;
  let low: bigint | undefined;
  if (t.integerLead && after === null && upTo !== null) {
    const r = await source.query<{ k: unknown }>(
      `SELECT CAST(min(${k}) AS TEXT) AS k FROM ${quoteQualified(t.config.source)} WHERE ${k} <= CAST($1 AS BIGINT)`,
      [upTo],
    );
    meter.queries++;
    low = BigInt(asText(r.rows[0]!.k)) - 1n;
  }
  // Coverage: the day's rows must have keys inside the range — its first 1,000 rows and rows at 31
  // evenly spaced times. A day row outside would never be compared: refuse.
  const span = end.getTime() - start.getTime();
  const times = Array.from(
    { length: 31 },
    (_v, i) => `${utcText(new Date(start.getTime() + (span * (i + 1)) / 32))}+00`,
  );
  const first = await source.query<{ k: unknown; d: unknown }>(
    `(SELECT CAST(${k} AS TEXT) AS k, CAST(${day} AS TEXT) AS d FROM ${quoteQualified(t.config.source)} WHERE ${day} >= CAST($1 AS TIMESTAMPTZ) AND ` +
      `${day} < CAST($2 AS TIMESTAMPTZ) ORDER BY ${day} LIMIT 1000)
     UNION ALL
     SELECT CAST(x.k AS TEXT), CAST(x.d AS TEXT) FROM unnest(CAST($3 AS TIMESTAMPTZ[])) AS p(at)
       CROSS JOIN LATERAL (SELECT ${k} AS k, ${day} AS d FROM ${quoteQualified(t.config.source)}
         WHERE ${day} >= p.at AND ${day} < CAST($2 AS TIMESTAMPTZ) ORDER BY ${day} LIMIT 1) x`,
    [`${utcText(start)}+00`, `${utcText(end)}+00`, times],
  );
  meter.queries++;
  const outside = first.rows.find((r) => !inRange(asText(r.k), after, upTo, t.integerLead));
  if (outside) {
    throw new NotMonotonicError(
      `keys are not monotonic with ${dayName}: key ${asText(outside.k)} (${dayName} ${asText(outside.d)}) lies outside the day's key range ` +
        `(${after ?? '-∞'}, ${upTo ?? '+∞'}] and would not be compared; gap-filling needs keys that grow with the day column`,
    );
  }
  // Overlap: rows at evenly spaced keys of the range should belong to the day (within a few minutes
  // at the edges, where commit order and clocks disagree a little). Rows of other days in the range
  // would be compared under two days: refuse the range (the caller compares by the day column).
  if (!empty && upTo !== null && t.integerLead) {
    const from = after === null ? BigInt(asText(first.rows[0]?.k ?? upTo)) : BigInt(after);
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
    if (bad) {
      // Rows of other days inside the range would be compared under two days: compare by the day column instead.
      throw new NotMonotonicError(
        `keys are not monotonic with ${dayName}: the row at key ${asText(bad.k)} has ${dayName} ${asText(bad.d)}, outside the day, yet lies in ` +
          `the day's key range (${after ?? '-∞'}, ${upTo}]`,
      );
    }
  }
  if (!empty && upTo !== null) {
    // Source: the first row after the range must not be earlier than the range's end.
    const next = await source.query<{ early: unknown; d: unknown }>(
      `SELECT ${day} < CAST($2 AS TIMESTAMPTZ) AS early, CAST(${day} AS TEXT) AS d FROM ${quoteQualified(t.config.source)} WHERE ${k} > CAST($1 AS ` +
        `${t.key[0]!.source.declared}) ORDER BY ${k} LIMIT 1`,
      [upTo, `${utcText(end)}+00`],
    );
    meter.queries++;
    const row = next.rows[0];
    if (row && (row.early === true || row.early === 't')) {
      warnings.push(
        `keys are not monotonic with ${dayName} on the source: the key after ${upTo} has ${dayName} ${asText(row.d)}, before the range's end; ` +
          `rows out of order are compared under the day their key falls in`,
      );
    }
    // Target: the rows just outside the range should carry days outside it.
    const params = after === null ? [upTo] : [upTo, after];
    const cast = `CAST($1 AS ${t.key[0]!.target.declared})`;
    const probe = await target.query<{ d: unknown }>(
      `SELECT CAST(${day} AS VARCHAR(40)) AS d FROM ${quoteQualified(t.config.target)} WHERE ${k} > ${cast} ORDER BY ${k} LIMIT 1`,
      params.slice(0, 1),
    );
    meter.queries++;
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
  }
  return { range: { after, upTo }, low, empty, warnings };
}
