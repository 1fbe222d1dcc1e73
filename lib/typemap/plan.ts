import { RefusedError } from '../errors.js';
import type { SqlExecutor } from '../sql/client.js';
import { displayName, quoteIdent, type QualifiedName } from '../sql/quote.js';
import { describeSourceTable, describeTargetTable, type SourceColumn } from './catalog.js';
import { dmsDefaultTarget, type DefaultMappingOptions, type SourceType, type TargetType } from './types.js';
import { describeTarget } from './values.js';

/**
 * How each column of a source table is written to its target table: the target's real column
 * type when the target table exists (it wins), else the DMS default mapping.
 */

export interface ColumnPlan {
  /** Column name on the source. */
  name: string;
  /** Column name on the target (the same, or its lower-case form: Redshift folds names). */
  targetName: string;
  source: SourceType;
  target: TargetType;
  /** The SELECT expression that reads this column from the source (money is read as numeric). */
  sourceExpr: string;
}

export interface TablePlan {
  source: QualifiedName;
  target: QualifiedName;
  columns: ColumnPlan[];
  /** False when the target table does not exist (the plan uses the DMS default mapping). */
  targetExists: boolean;
  /** Source columns the target does not have: read but not written. */
  skipped: string[];
}

/**
 * Builds the plan for a table pair.
 * @throws RefusedError when the source table is missing, or a target column has a type the toolkit
 *   cannot write, or a source column cannot be written into its target column's type.
 */
export async function planTable(
  source: SqlExecutor,
  target: SqlExecutor | undefined,
  sourceTable: QualifiedName,
  targetTable: QualifiedName,
  mapping: DefaultMappingOptions,
): Promise<TablePlan> {
  const sourceColumns = await describeSourceTable(source, sourceTable);
  const targetColumns = target ? await describeTargetTable(target, targetTable) : undefined;
  if (!targetColumns) {
    return {
      source: sourceTable,
      target: targetTable,
      targetExists: false,
      skipped: [],
      columns: sourceColumns.map((c) => columnPlan(c, c.name, dmsDefaultTarget(c.type, mapping))),
    };
  }
  const byName = new Map(targetColumns.map((c) => [c.name, c]));
  const columns: ColumnPlan[] = [];
  const skipped: string[] = [];
  for (const c of sourceColumns) {
    const t = byName.get(c.name) ?? byName.get(c.name.toLowerCase());
    if (!t) {
      skipped.push(c.name);
      continue;
    }
    if (!t.type)
      throw new RefusedError(
        `target column ${displayName(targetTable)}.${t.name} has type ${t.declared}, which the toolkit cannot write`,
      );
    checkCompatible(c, t.type, targetTable);
    columns.push(columnPlan(c, t.name, t.type));
  }
  return { source: sourceTable, target: targetTable, targetExists: true, columns, skipped };
}

function columnPlan(c: SourceColumn, targetName: string, target: TargetType): ColumnPlan {
  const q = quoteIdent(c.name);
  return {
    name: c.name,
    targetName,
    source: c.type,
    target,
    sourceExpr: c.type.kind === 'money' ? `${q}::numeric AS ${q}` : q,
  };
}

const NUMERIC_SOURCES = new Set(['int2', 'int4', 'int8', 'numeric', 'money', 'float4', 'float8']);

/** Refuses a pair of types that no value could cross (checked once per table, not per row). */
function checkCompatible(c: SourceColumn, t: TargetType, table: QualifiedName): void {
  const s = c.type.kind;
  const ok = (() => {
    switch (t.kind) {
      case 'smallint':
      case 'integer':
      case 'bigint':
        return NUMERIC_SOURCES.has(s) || s === 'bool';
      case 'numeric':
      case 'real':
      case 'double':
        return NUMERIC_SOURCES.has(s);
      case 'boolean':
        return s === 'bool' || s === 'int2' || s === 'int4' || s === 'int8';
      case 'date':
        return s === 'date';
      case 'timestamp':
      case 'timestamptz':
        return s === 'date' || s === 'timestamp' || s === 'timestamptz';
      case 'time':
      case 'timetz':
        return s === 'time' || s === 'timetz';
      case 'varbyte':
        return s === 'bytea';
      case 'super':
      case 'char':
      case 'varchar':
        return true;
    }
  })();
  if (!ok)
    throw new RefusedError(
      `cannot write source column ${c.name} (${c.type.declared}) into target column ${displayName(table)}.${c.name} (${describeTarget(t)})`,
    );
}
