import { boundWaits, type WaitBounds } from '../sql/bounded-waits.js';
import type { SqlClient, SqlExecutor } from '../sql/client.js';
import { displayName, quoteIdent, quoteQualified } from '../sql/quote.js';
import type { RepairLogEntry, StateStore } from '../state/store.js';
import {
  formatKey,
  insertStatements,
  targetTypeSql,
  toRedshiftLiteral,
  type SourceRow,
  type TablePlan,
  type WriteOptions,
} from '../typemap/index.js';

/**
 * The fixer's only write: in one target transaction, lock the table, re-check which of the rows
 * are still missing, insert exactly those through the typemap, and append them to the repair log
 * (in the same transaction when the state store is on the target). A row another companion (or
 * DMS) wrote meanwhile is found by the re-check and not written again.
 */

export interface RepairInput {
  plan: TablePlan;
  /** Primary-key columns, in key order. */
  primaryKey: readonly string[];
  /** Source rows to insert (read with the typemap's parsers). */
  rows: readonly SourceRow[];
  options: WriteOptions;
  budgetBytes: number;
  log: Omit<RepairLogEntry, 'key' | 'table' | 'action'>;
  /** Bounds on the lock wait and each statement (lib/sql/bounded-waits.ts); unbounded when absent. */
  waits?: WaitBounds | undefined;
}

export interface RepairOutcome {
  inserted: string[][];
  /** Rows found present at the re-check: not written. */
  alreadyPresent: string[][];
  statements: number;
}

/** Indexes (into `rows`) of the rows whose key the target still lacks. */
export async function stillMissing(
  tx: SqlExecutor,
  plan: TablePlan,
  primaryKey: readonly string[],
  rows: readonly SourceRow[],
  options: WriteOptions,
): Promise<number[]> {
  const table = displayName(plan.target);
  const cols = primaryKey.map((k) => plan.columns.find((c) => c.name === k)!);
  const out: number[] = [];
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500);
    const probe = chunk
      .map((r, i) => {
        const key = formatKey(
          primaryKey,
          primaryKey.map((k) => (r[k] == null ? null : String(r[k]))),
        );
        const values = cols.map(
          (c) =>
            `CAST(${toRedshiftLiteral(r[c.name], c.source, c.target, options, { table, key, column: c.name })} AS ${targetTypeSql(c.target)}) AS ` +
            `${quoteIdent(c.targetName)}`,
        );
        return `SELECT ${start + i} AS i, ${values.join(', ')}`;
      })
      .join(' UNION ALL ');
    const match = cols.map((c) => `t.${quoteIdent(c.targetName)} = v.${quoteIdent(c.targetName)}`).join(' AND ');
    const r = await tx.query<{ i: unknown }>(
      `SELECT v.i FROM (${probe}) v WHERE NOT EXISTS (SELECT 1 FROM ${quoteQualified(plan.target)} t WHERE ${match}) ORDER BY v.i`,
    );
    out.push(...r.rows.map((x) => Number(x.i)));
  }
  return out;
}

export async function repairMissingRows(
  target: SqlClient,
  store: StateStore,
  input: RepairInput,
): Promise<RepairOutcome> {
  const { plan, primaryKey, rows } = input;
  const keyOf = (r: SourceRow) => primaryKey.map((k) => String(r[k]));
  const table = displayName(plan.target);
  const entries = (inserted: SourceRow[]): RepairLogEntry[] =>
    inserted.map((r) => ({ ...input.log, table, key: formatKey(primaryKey, keyOf(r)), action: 'insert' }));
  if (rows.length === 0) return { inserted: [], alreadyPresent: [], statements: 0 };
  await store.ensureSchema();
  const result = await target.transaction(async (tx) => {
    if (input.waits) await boundWaits(tx, target.dialect, input.waits);
    // Serialises repairs of this table: a second companion waits here, then its re-check sees these rows.
    await tx.query(`LOCK ${quoteQualified(plan.target)}`);
    const missing = new Set(await stillMissing(tx, plan, primaryKey, rows, input.options));
    const toInsert = rows.filter((_r, i) => missing.has(i));
    const present = rows.filter((_r, i) => !missing.has(i));
    const statements = insertStatements(plan, toInsert, primaryKey, input.options, input.budgetBytes);
    for (const s of statements) await tx.query(s);
    if (store.onTarget) await store.logRepairs(tx, entries(toInsert));
    return { toInsert, present, statements: statements.length };
  });
  if (!store.onTarget) await store.logRepairs(store.client, entries(result.toInsert));
  return {
    inserted: result.toInsert.map(keyOf),
    alreadyPresent: result.present.map(keyOf),
    statements: result.statements,
  };
}
