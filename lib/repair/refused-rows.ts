import { displayName } from '../sql/quote.js';
import {
  formatKey,
  insertPrefix,
  toRedshiftLiteral,
  TypemapError,
  type SourceRow,
  type TablePlan,
  type WriteOptions,
} from '../typemap/index.js';

/**
 * Splits source rows into those the typemap can write and those it refuses (an infinite date
 * under `infinity: error`, a text over 65,535 bytes, a row larger than the statement budget…).
 * A refused row is reported and skipped; it never blocks the other rows of its chunk, day or
 * batch.
 */

/** A source row the repair did not write, and why. */
export interface RefusedRow {
  /** `schema.table` of the target. */
  table: string;
  /** `k1=v1,k2=v2`. */
  key: string;
  /** The column whose value was refused; `(row)` when the whole row does not fit the statement budget. */
  column: string;
  reason: string;
}

export interface WritableSplit {
  writable: SourceRow[];
  refused: RefusedRow[];
}

/**
 * @param budgetBytes the statement budget (bytes of UTF-8 INSERT text); a row whose VALUES list
 *   alone does not fit is refused.
 */
export function splitWritable(
  plan: TablePlan,
  rows: readonly SourceRow[],
  primaryKey: readonly string[],
  options: WriteOptions,
  budgetBytes: number,
): WritableSplit {
  const table = displayName(plan.target);
  const prefixBytes = Buffer.byteLength(insertPrefix(plan), 'utf8');
  const out: WritableSplit = { writable: [], refused: [] };
  for (const row of rows) {
    const key = formatKey(
      primaryKey,
      primaryKey.map((k) => (row[k] === null || row[k] === undefined ? null : String(row[k]))),
    );
    const values = literals(plan, row, options, { table, key });
    if (!Array.isArray(values)) {
      out.refused.push(values);
      continue;
    }
    const bytes = prefixBytes + Buffer.byteLength(`(${values.join(', ')})`, 'utf8');
    if (bytes > budgetBytes) {
      out.refused.push({
        table,
        key,
        column: '(row)',
        reason: `the row needs ${bytes} bytes of INSERT text, more than the ${budgetBytes}-byte statement budget`,
      });
      continue;
    }
    out.writable.push(row);
  }
  return out;
}

/** The row's literals in plan order, or the first refusal. */
function literals(
  plan: TablePlan,
  row: SourceRow,
  options: WriteOptions,
  where: { table: string; key: string },
): string[] | RefusedRow {
  const values: string[] = [];
  for (const c of plan.columns) {
    try {
      values.push(toRedshiftLiteral(row[c.name], c.source, c.target, options, { ...where, column: c.name }));
    } catch (err) {
      if (!(err instanceof TypemapError)) throw err;
      const prefix = `${where.table} ${where.key} column ${c.name}: `;
      const reason = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
      return { ...where, column: c.name, reason };
    }
  }
  return values;
}

/** `table key column: reason`, for warnings and logs. */
export function describeRefused(r: RefusedRow): string {
  return `${r.table} ${r.key} column ${r.column}: ${r.reason} (skipped)`;
}
