import { boundWaits, type WaitBounds } from '../sql/bounded-waits.js';
import type { SqlClient, SqlExecutor } from '../sql/client.js';
import { displayName, quoteIdent, quoteQualified } from '../sql/quote.js';
import type { RepairLogEntry, StateStore } from '../state/store.js';
import {
  formatKey,
  insertStatements,
  readSourceRows,
  targetTypeSql,
  toRedshiftLiteral,
  type SourceRow,
  type TablePlan,
  type WriteOptions,
} from '../typemap/index.js';
import { splitWritable, type RefusedRow } from './refused-rows.js';
import { sourceKeyOf } from './source-keys.js';

/**
 * The one write that backfills missing rows (the fixer's and gap-filling's): in one target
 * transaction, lock the table, THEN read the rows from the source (so nothing the source or DMS
 * did before the lock can be undone by this write), drop the rows the typemap refuses (reported),
 * re-check which keys are still missing on the target (keys compared byte for byte), insert
 * exactly those, and append them to the repair log (in the same transaction when the state store
 * is on the target). A row another companion (or DMS) wrote meanwhile is found by the re-check and
 * not written again. A key gone from the source is reported, never invented.
 */

export interface RepairInput {
  plan: TablePlan;
  /** Primary-key columns, in key order. */
  primaryKey: readonly string[];
  /** Keys (as text, in key order) to backfill when they are still missing. */
  keys: readonly (readonly string[])[];
  /**
   * Which of the rows read from the source may be written (the settle rule of the caller); the rest
   * are returned as `unsettled`, not written. Default: all.
   */
  admit?: (rows: readonly SourceRow[]) => Promise<{ admitted: SourceRow[]; held: SourceRow[] }>;
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
  /** Keys the source no longer has (read under the target lock): not written. */
  missingAtSource: string[][];
  /** Rows the typemap refuses: reported, not written. */
  refused: RefusedRow[];
  /** Rows the caller's settle rule held back (DMS may still deliver them). */
  unsettled: string[][];
  statements: number;
}

/**
 * `t.k = v.k` for each key column, plus, for character keys, equal byte lengths: Redshift's `=`
 * ignores trailing blanks of CHAR and VARCHAR (docs/aws-facts.md §70), so `'a '` would match `'a'`.
 */
export function exactKeyMatch(
  columns: readonly { targetName: string; kind: string }[],
  left: string,
  right: string,
): string {
  return columns
    .map((c) => {
      const l = `${left}.${quoteIdent(c.targetName)}`;
      const r = `${right}.${quoteIdent(c.targetName)}`;
      return c.kind === 'char' || c.kind === 'varchar'
        ? `${l} = ${r} AND OCTET_LENGTH(${l}) = OCTET_LENGTH(${r})`
        : `${l} = ${r}`;
    })
    .join(' AND ');
}

/** Indexes (into `rows`) of the rows whose key the target still lacks (compared byte for byte). */
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
    const match = exactKeyMatch(
      cols.map((c) => ({ targetName: c.targetName, kind: c.target.kind })),
      't',
      'v',
    );
    const r = await tx.query<{ i: unknown }>(
      `SELECT v.i FROM (${probe}) v WHERE NOT EXISTS (SELECT 1 FROM ${quoteQualified(plan.target)} t WHERE ${match}) ORDER BY v.i`,
    );
    out.push(...r.rows.map((x) => Number(x.i)));
  }
  return out;
}

/**
 * Backfills the given keys from the source, under the target lock.
 * @param source the source executor (typemap parsers and session options).
 */
export async function repairMissingRows(
  target: SqlClient,
  source: SqlExecutor,
  store: StateStore,
  input: RepairInput,
): Promise<RepairOutcome> {
  const { plan, primaryKey } = input;
  const keyOf = (r: SourceRow) => sourceKeyOf(primaryKey, r);
  const table = displayName(plan.target);
  const entries = (inserted: SourceRow[]): RepairLogEntry[] =>
    inserted.map((r) => ({ ...input.log, table, key: formatKey(primaryKey, keyOf(r)), action: 'insert' }));
  const empty: RepairOutcome = {
    inserted: [],
    alreadyPresent: [],
    missingAtSource: [],
    refused: [],
    unsettled: [],
    statements: 0,
  };
  if (input.keys.length === 0) return empty;
  await store.ensureSchema();
  const result = await target.transaction(async (tx) => {
    if (input.waits) await boundWaits(tx, target.dialect, input.waits);
    // Serialises repairs of this table (a second companion waits here, then its re-check sees these
    // rows) and orders this write after everything DMS applied before it.
    await tx.query(`LOCK ${quoteQualified(plan.target)}`);
    // The source is read only now: a change DMS applied before the lock is in what is read.
    const rows = await readSourceRows(source, plan, primaryKey, input.keys);
    const found = new Set(rows.map((r) => keyOf(r).join('\u0000')));
    const missingAtSource = input.keys.filter((k) => !found.has(k.join('\u0000'))).map((k) => [...k]);
    const { writable, refused } = splitWritable(plan, rows, primaryKey, input.options, input.budgetBytes);
    const { admitted, held } = input.admit ? await input.admit(writable) : { admitted: writable, held: [] };
    const missing = new Set(await stillMissing(tx, plan, primaryKey, admitted, input.options));
    const toInsert = admitted.filter((_r, i) => missing.has(i));
    const present = admitted.filter((_r, i) => !missing.has(i));
    const statements = insertStatements(plan, toInsert, primaryKey, input.options, input.budgetBytes);
    for (const s of statements) await tx.query(s);
    if (store.onTarget) await store.logRepairs(tx, entries(toInsert));
    return { toInsert, present, missingAtSource, refused, held, statements: statements.length };
  });
  if (!store.onTarget) await store.logRepairs(store.client, entries(result.toInsert));
  return {
    inserted: result.toInsert.map(keyOf),
    alreadyPresent: result.present.map(keyOf),
    missingAtSource: result.missingAtSource,
    refused: result.refused,
    unsettled: result.held.map(keyOf),
    statements: result.statements,
  };
}
