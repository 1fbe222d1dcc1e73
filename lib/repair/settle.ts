import type { SqlExecutor } from '../sql/client.js';
import { quoteIdent } from '../sql/quote.js';
import { selectByKeys, sourceKeyTypes, type SourceRow, type TablePlan } from '../typemap/index.js';
import { sourceKeyOf } from './source-keys.js';

/**
 * The row-level settle rule: a repair writes a source row only when DMS can no longer deliver it.
 *
 * A row's current version was written by the transaction in its `xmin`; with
 * `track_commit_timestamp = on` on the source, `pg_xact_commit_timestamp(xmin)` is when that
 * transaction committed (docs/aws-facts.md §71). DMS captures a change at its commit and applies
 * it within CDCLatencyTarget, so a version committed more than `settle lag + CDCLatencyTarget` ago
 * has been applied (or lost) by DMS. Younger versions are held back, whatever their day column
 * says: a backdated row (old day, inserted now) and a long transaction that commits now are both
 * young. Both ends of the comparison are the source's clock (`now()` on the source), so clock skew
 * between the companion and the source plays no part. A version with no commit timestamp (committed
 * before the setting was turned on, or its timestamp already truncated) is old: settled.
 */

export interface SettleSplit {
  admitted: SourceRow[];
  held: SourceRow[];
}

/** Whether the source records commit timestamps (`track_commit_timestamp`, docs/aws-facts.md §71). */
export async function commitTimestampsOn(source: SqlExecutor): Promise<boolean> {
  const r = await source.query<{ on: unknown }>(`SELECT current_setting('track_commit_timestamp') AS on`);
  return String(r.rows[0]?.on) === 'on';
}

/**
 * Splits `rows` (read from the source for `plan`) into the settled ones and those DMS may still
 * deliver. A row whose key is gone from the source by now is held too (the next run sees it again).
 * @param settleSeconds settle lag + the task's CDCLatencyTarget, in seconds.
 * @throws when the source does not record commit timestamps (check {@link commitTimestampsOn} first).
 */
export async function splitSettled(
  source: SqlExecutor,
  plan: TablePlan,
  primaryKey: readonly string[],
  rows: readonly SourceRow[],
  settleSeconds: number,
): Promise<SettleSplit> {
  if (rows.length === 0) return { admitted: [], held: [] };
  const keys = rows.map((r) => sourceKeyOf(primaryKey, r));
  const types = await sourceKeyTypes(source, plan.source, primaryKey);
  // The key columns as the plan reads them (same parsers, same key texts), plus the settle verdict.
  const keyColumns = plan.columns.filter((c) => primaryKey.includes(c.name));
  const { sql, params } = selectByKeys({ ...plan, columns: keyColumns }, primaryKey, types, keys);
  const n = params.length + 1;
  const verdict =
    `CASE WHEN pg_xact_commit_timestamp(xmin) IS NULL OR pg_xact_commit_timestamp(xmin) < now() - make_interval(secs => $${n}::float8) ` +
    `THEN 'settled' ELSE 'young' END AS ${quoteIdent('__settled')}`;
  const head = 'SELECT ';
  const r = await source.query<SourceRow>(`${head}${verdict}, ${sql.slice(head.length)}`, [
    ...params,
    String(settleSeconds),
  ]);
  const settled = new Set(
    r.rows.filter((x) => x.__settled === 'settled').map((x) => sourceKeyOf(primaryKey, x).join('\u0000')),
  );
  const out: SettleSplit = { admitted: [], held: [] };
  for (const row of rows)
    (settled.has(sourceKeyOf(primaryKey, row).join('\u0000')) ? out.admitted : out.held).push(row);
  return out;
}
