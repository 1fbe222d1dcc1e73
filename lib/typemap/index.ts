/**
 * lib/typemap: PostgreSQL → Redshift type and value translation — every row the toolkit writes
 * to Redshift goes through here. See values.ts for the conversions and docs/aws-facts.md §7 for the
 * facts they rest on.
 */
import type { SqlExecutor } from '../sql/client.js';
import type { TablePlan } from './plan.js';
import { buildInserts, insertPrefix, rowValues, selectByKeys, sourceKeyTypes, type SourceRow } from './statements.js';
import type { WriteOptions } from './values.js';

export * from './catalog.js';
export * from './pg-types.js';
export * from './plan.js';
export * from './statements.js';
export * from './types.js';
export * from './values.js';

/**
 * Reads the rows with the given keys from the source (keys as text, one array per key in key
 * column order). The source executor must use {@link sourceTypeParsers} and
 * {@link SOURCE_SESSION_OPTIONS}. Keys not found are simply absent from the result.
 */
export async function readSourceRows(
  source: SqlExecutor,
  plan: TablePlan,
  keyColumns: readonly string[],
  keys: readonly (readonly string[])[],
): Promise<SourceRow[]> {
  if (keys.length === 0) return [];
  const types = await sourceKeyTypes(source, plan.source, keyColumns);
  const { sql, params } = selectByKeys(plan, keyColumns, types, keys);
  const r = await source.query<SourceRow>(sql, params);
  return r.rows;
}

/**
 * The INSERT statements that write `rows` into the plan's target table, each at most `budgetBytes`.
 * @throws TypemapError for a value that cannot be written (nothing is returned then).
 */
export function insertStatements(
  plan: TablePlan,
  rows: readonly SourceRow[],
  keyColumns: readonly string[],
  options: WriteOptions,
  budgetBytes: number,
): string[] {
  return buildInserts(
    insertPrefix(plan),
    rows.map((r) => rowValues(r, plan, keyColumns, options)),
    budgetBytes,
  );
}
