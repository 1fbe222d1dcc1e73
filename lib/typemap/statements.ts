import { RefusedError } from '../errors.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../sql/quote.js';
import type { SqlExecutor } from '../sql/client.js';
import type { SourceColumn } from './catalog.js';
import type { ColumnPlan, TablePlan } from './plan.js';
import { dmsDefaultTarget, targetTypeSql, type DefaultMappingOptions } from './types.js';
import { toRedshiftLiteral, type SourceValue, type WriteOptions } from './values.js';

/**
 * SQL the typemap builds: multi-row INSERTs split by a byte budget, the source SELECT by keys,
 * and Redshift DDL for a source table. Identifiers are always quoted; values are literals from
 * {@link toRedshiftLiteral} (target side) or bound parameters (source side).
 */

/** A source row as read with the typemap's type parsers: column name → text, Buffer or null. */
export type SourceRow = Record<string, SourceValue>;

/** `k1=v1,k2=v2`, for messages and the repair log. */
export function formatKey(keyColumns: readonly string[], key: readonly (string | null)[]): string {
  return keyColumns.map((c, i) => `${c}=${key[i] ?? 'NULL'}`).join(',');
}

/**
 * One row as the parenthesised list of Redshift literals, in plan order.
 * @throws TypemapError naming table, key and column for a value that cannot be written.
 */
export function rowValues(
  row: SourceRow,
  plan: TablePlan,
  keyColumns: readonly string[],
  options: WriteOptions,
): string {
  const key = formatKey(
    keyColumns,
    keyColumns.map((k) => (row[k] === null || row[k] === undefined ? null : String(row[k]))),
  );
  const table = displayName(plan.target);
  return `(${plan.columns.map((c) => toRedshiftLiteral(row[c.name], c.source, c.target, options, { table, key, column: c.name })).join(', ')})`;
}

/** `INSERT INTO "s"."t" ("c1", …) VALUES ` for a plan. */
export function insertPrefix(plan: TablePlan): string {
  return `INSERT INTO ${quoteQualified(plan.target)} (${plan.columns.map((c) => quoteIdent(c.targetName)).join(', ')}) VALUES `;
}

/**
 * Multi-row INSERT statements holding the given value lists, each at most `budgetBytes` bytes of
 * UTF-8 text (100 KB for the Data API).
 * @throws RefusedError when one row alone does not fit the budget.
 */
export function buildInserts(prefix: string, values: readonly string[], budgetBytes: number): string[] {
  const out: string[] = [];
  const prefixBytes = Buffer.byteLength(prefix, 'utf8');
  let current: string[] = [];
  let bytes = prefixBytes;
  for (const v of values) {
    const n = Buffer.byteLength(v, 'utf8');
    if (prefixBytes + n > budgetBytes) {
      throw new RefusedError(
        `one row needs ${prefixBytes + n} bytes of INSERT text, more than the ${budgetBytes}-byte statement budget`,
      );
    }
    const add = current.length === 0 ? n : n + 2;
    if (bytes + add > budgetBytes) {
      out.push(prefix + current.join(', '));
      current = [];
      bytes = prefixBytes;
    }
    bytes += current.length === 0 ? n : n + 2;
    current.push(v);
  }
  if (current.length > 0) out.push(prefix + current.join(', '));
  return out;
}

/**
 * The source SELECT for a set of keys: `SELECT <plan columns> FROM "s"."t" WHERE (k…) IN
 * (SELECT … FROM unnest($1::text[], …))`, keys bound as text arrays and cast to the key columns'
 * declared types (sargable: the primary-key index is used).
 * @returns the statement and its parameters.
 */
export function selectByKeys(
  plan: TablePlan,
  keyColumns: readonly string[],
  keyTypes: readonly string[],
  keys: readonly (readonly string[])[],
): { sql: string; params: string[][] } {
  const cols = plan.columns.map((c) => c.sourceExpr);
  for (const k of keyColumns) if (!plan.columns.some((c) => c.name === k)) cols.push(quoteIdent(k));
  const names = keyColumns.map((_k, i) => `k${i + 1}`);
  const unnest =
    `SELECT ${names.map((n, i) => `u.${n}::${keyTypes[i]}`).join(', ')} FROM ` +
    `unnest(${names.map((_n, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${names.join(', ')})`;
  const sql = `SELECT ${cols.join(', ')} FROM ${quoteQualified(plan.source)} WHERE (${keyColumns.map(quoteIdent).join(', ')}) IN (${unnest})`;
  return { sql, params: keyColumns.map((_k, i) => keys.map((key) => key[i]!)) };
}

/** The declared (format_type) types of the key columns on the source, for {@link selectByKeys}. */
export async function sourceKeyTypes(
  source: SqlExecutor,
  table: QualifiedName,
  keyColumns: readonly string[],
): Promise<string[]> {
  const r = await source.query<{ attname: string; t: string }>(
    `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS t
       FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = ANY($3::text[]) AND a.attnum > 0 AND NOT a.attisdropped`,
    [table.schema, table.name, [...keyColumns]],
  );
  const byName = new Map(r.rows.map((x) => [x.attname, x.t]));
  return keyColumns.map((k) => {
    const t = byName.get(k);
    if (!t) throw new RefusedError(`key column ${k} is not a column of source table ${displayName(table)}`);
    return t;
  });
}

export interface DdlOptions extends DefaultMappingOptions {
  /** Emit `CREATE TABLE IF NOT EXISTS`. */
  ifNotExists?: boolean;
}

/**
 * Redshift `CREATE TABLE` for a source table, using the DMS default mapping
 * ({@link dmsDefaultTarget}), NOT NULL kept, and the primary key declared — informational in
 * Redshift (not enforced), but it documents the key and helps the planner.
 */
export function generateDdl(
  target: QualifiedName,
  columns: readonly SourceColumn[],
  primaryKey: readonly string[],
  options: DdlOptions,
): string {
  const lines = columns.map(
    (c) => `  ${quoteIdent(c.name)} ${targetTypeSql(dmsDefaultTarget(c.type, options))}${c.notNull ? ' NOT NULL' : ''}`,
  );
  if (primaryKey.length > 0) lines.push(`  PRIMARY KEY (${primaryKey.map(quoteIdent).join(', ')})`);
  return `CREATE TABLE ${options.ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteQualified(target)} (\n${lines.join(',\n')}\n)`;
}

/** The plan's columns as `name type` lines, for explaining a plan to a person. */
export function describePlanColumns(columns: readonly ColumnPlan[]): string[] {
  return columns.map((c) => `${c.name}: ${c.source.declared} → ${targetTypeSql(c.target)}`);
}
