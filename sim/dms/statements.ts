import { quoteIdent, quoteQualified, type QualifiedName } from '../../lib/sql/quote.js';

/**
 * The text of the simulated DMS's set-based apply statements. The exact text DMS sends to
 * Redshift is unconfirmed (docs/aws-facts.md §1), so the shape is a strategy:
 * - `no-from`: `UPDATE t SET … WHERE t.k = CAST(changes.segN AS …) AND changes.seq >= a AND changes.seq <= b`
 *   — another table referenced without a FROM clause, which Redshift (PostgreSQL 8.0 heritage)
 *   accepts and PostgreSQL does not: the recorded text is this, the executed text adds the FROM;
 * - `from`: the same with `FROM changes`, on several lines;
 * either optionally with a version comment (`/* DMS 3.5.3 *\/`) before the verb or right after it.
 * Every statement is recorded as Redshift would log it and executed as its PostgreSQL equivalent.
 */

export type StatementShape = 'no-from' | 'from';

export interface ShapeOptions {
  shape: StatementShape;
  /** e.g. `DMS 3.5.3`: written as a block comment. */
  versionComment?: string | undefined;
  /** Where the comment goes: before the verb (default) or right after it (`UPDATE /* partner:DMS … *\/ …`, as on DMS's COPY). */
  commentPlacement?: 'before-verb' | 'after-verb' | undefined;
}

export interface ApplyTable {
  target: QualifiedName;
  /** Target columns in order, with the Redshift type to cast the changes table's text to. */
  columns: readonly { name: string; castType: string }[];
  /** Target key columns, in key order (changes columns seg1…segK). */
  keyColumns: readonly string[];
}

export interface StatementText {
  /** What Redshift would log. */
  recorded: string;
  /** What the emulated target executes. */
  executed: string;
}

const col = (changes: string, c: string) => `${changes}.${quoteIdent(c)}`;

function withComment(sql: string, o: ShapeOptions): string {
  if (!o.versionComment) return sql;
  const comment = `/* ${o.versionComment} */`;
  return o.commentPlacement === 'after-verb' ? sql.replace(/^(\w+) /, `$1 ${comment} `) : `${comment} ${sql}`;
}

function seqRange(changes: string, from: number, to: number): string {
  return `${col(changes, 'seq')} >= ${from} AND ${col(changes, 'seq')} <= ${to}`;
}

function keyJoin(t: ApplyTable, changes: string): string {
  const target = quoteQualified(t.target);
  return t.keyColumns
    .map((k, i) => {
      const cast = t.columns.find((c) => c.name === k)?.castType ?? 'VARCHAR(65535)';
      return `${target}.${quoteIdent(k)} = CAST(${col(changes, `seg${i + 1}`)} AS ${cast})`;
    })
    .join(' AND ');
}

/** The bulk UPDATE of the rows in changes rows [from, to]. */
export function bulkUpdate(
  t: ApplyTable,
  changesTable: QualifiedName,
  from: number,
  to: number,
  o: ShapeOptions,
): StatementText {
  const changes = quoteQualified(changesTable);
  const target = quoteQualified(t.target);
  const set = t.columns
    .map((c, i) => `${quoteIdent(c.name)} = CAST(${col(changes, `col${i + 1}`)} AS ${c.castType})`)
    .join(', ');
  const where = `${keyJoin(t, changes)} AND ${seqRange(changes, from, to)}`;
  const withFrom = `UPDATE ${target}\nSET ${set}\nFROM ${changes}\nWHERE ${where}`;
  if (o.shape === 'from') {
    const text = withComment(withFrom, o);
    return { recorded: text, executed: text };
  }
  return { recorded: withComment(`UPDATE ${target} SET ${set} WHERE ${where}`, o), executed: withComment(withFrom, o) };
}

/** The bulk DELETE of the rows whose keys are in changes rows [from, to]. */
export function bulkDelete(
  t: ApplyTable,
  changesTable: QualifiedName,
  from: number,
  to: number,
  o: ShapeOptions,
): StatementText {
  const changes = quoteQualified(changesTable);
  const text = withComment(
    `DELETE FROM ${quoteQualified(t.target)} USING ${changes} WHERE ${keyJoin(t, changes)} AND ${seqRange(changes, from, to)}`,
    o,
  );
  return { recorded: text, executed: text };
}

/** The bulk INSERT of changes rows [from, to]. */
export function bulkInsert(
  t: ApplyTable,
  changesTable: QualifiedName,
  from: number,
  to: number,
  o: ShapeOptions,
): StatementText {
  const changes = quoteQualified(changesTable);
  const cols = t.columns.map((c) => quoteIdent(c.name)).join(', ');
  const values = t.columns.map((c, i) => `CAST(${col(changes, `col${i + 1}`)} AS ${c.castType})`).join(', ');
  const text = withComment(
    `INSERT INTO ${quoteQualified(t.target)} (${cols}) SELECT ${values} FROM ${changes} WHERE ${seqRange(changes, from, to)}`,
    o,
  );
  return { recorded: text, executed: text };
}
