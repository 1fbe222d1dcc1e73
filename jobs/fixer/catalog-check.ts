import type { TableConfig, TaskConfig } from '../../config/schema.js';
import { RefusedError } from '../../lib/errors.js';
import type { SqlExecutor } from '../../lib/sql/client.js';
import { displayName } from '../../lib/sql/quote.js';
import { columnsByName, describeTargetTable, foldIdentifier, type TargetColumn } from '../../lib/typemap/index.js';
import type { ParsedApplyUpdate } from '../../lib/dms/apply-update.js';

/**
 * Every identifier parsed out of statement text is checked against the target catalog (and the
 * table against the task's config) before it is used in a query. Anything unknown is refused.
 */

export interface CheckedStatement {
  /** The configured table the statement updates. */
  table: TableConfig;
  targetColumns: Map<string, TargetColumn>;
  changesColumns: Map<string, TargetColumn>;
  /** Changes column holding each primary-key column, in the config's key order. */
  keyChangesColumns: string[];
}

/**
 * @throws RefusedError naming the first identifier that is not in the target catalog, or a
 *   target table that is not one of the task's configured tables, or key pairs that are not the
 *   configured primary key.
 */
export async function checkAgainstCatalog(
  target: SqlExecutor,
  task: TaskConfig,
  p: ParsedApplyUpdate,
): Promise<CheckedStatement> {
  // Exactly, else as Redshift folds the names (docs/aws-facts.md §85): DMS's "Orders" is the table orders.
  const same = (f: (x: string) => string) => (t: TableConfig) =>
    f(t.target.schema) === f(p.targetTable.schema) && f(t.target.name) === f(p.targetTable.name);
  const table = task.tables.find(same((x) => x)) ?? task.tables.find(same(foldIdentifier));
  if (!table) {
    throw new RefusedError(
      `target table ${displayName(p.targetTable)} (from the statement) is not a table of task ${task.name} in the config (its tables: ` +
        `${task.tables.map((t) => displayName(t.target)).join(', ')})`,
    );
  }
  const targetCols = await describeTargetTable(target, p.targetTable);
  if (!targetCols)
    throw new RefusedError(
      `target table ${displayName(p.targetTable)} (from the statement) is not in the target catalog`,
    );
  const changesCols = await describeTargetTable(target, p.changesTable);
  if (!changesCols)
    throw new RefusedError(
      `changes table ${displayName(p.changesTable)} (from the statement) is not in the target catalog (dropped since?)`,
    );
  const targetColumns = columnsByName(targetCols);
  const changesColumns = columnsByName(changesCols);
  const need = (cols: Map<string, TargetColumn>, name: string, where: string) => {
    if (!cols.has(name))
      throw new RefusedError(
        `column ${JSON.stringify(name)} (from the statement) is not a column of ${where} in the target catalog`,
      );
  };
  need(changesColumns, p.seqColumn, `changes table ${displayName(p.changesTable)}`);
  for (const f of p.filters) need(changesColumns, f.changesColumn, `changes table ${displayName(p.changesTable)}`);
  for (const k of p.keyPairs) {
    need(targetColumns, k.targetColumn, `target table ${displayName(p.targetTable)}`);
    need(changesColumns, k.changesColumn, `changes table ${displayName(p.changesTable)}`);
  }
  const paired = new Map(p.keyPairs.map((k) => [foldIdentifier(k.targetColumn), k.changesColumn]));
  const keyChangesColumns = table.primaryKey.map((k) => {
    const c = paired.get(foldIdentifier(k));
    if (!c)
      throw new RefusedError(
        `the statement does not pair primary-key column ${k} of ${displayName(table.target)} with a changes column (pairs: ` +
          `${p.keyPairs.map((x) => x.targetColumn).join(', ')})`,
      );
    return c;
  });
  const extra = p.keyPairs.filter(
    (k) => !table.primaryKey.some((c) => foldIdentifier(c) === foldIdentifier(k.targetColumn)),
  );
  if (extra.length > 0)
    throw new RefusedError(
      `the statement pairs ${extra.map((k) => k.targetColumn).join(', ')}, which the config does not list in the primary key of ${displayName(table.target)}`,
    );
  for (const k of table.primaryKey) {
    if (!targetColumns.get(k)?.type)
      throw new RefusedError(
        `primary-key column ${k} of ${displayName(table.target)} has a type the toolkit cannot compare`,
      );
  }
  return { table, targetColumns, changesColumns, keyChangesColumns };
}
