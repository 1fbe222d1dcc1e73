import type { SqlClient } from '../lib/sql/client.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../lib/sql/quote.js';
import { insertStatements, planTable, type SourceRow, type WriteOptions } from '../lib/typemap/index.js';

/**
 * "Target equals source, row for row, through the typemap's conversions": every source row is
 * written through the typemap into a temporary copy of the target table, on the target, and the
 * two are compared with EXCEPT ALL both ways — so the database compares typed values, and
 * duplicates count.
 */

export interface TableDiff {
  table: string;
  sourceRows: number;
  targetRows: number;
  /** Rows of the source (after conversion) the target lacks, counting multiplicity. */
  missing: number;
  /** Rows of the target the source lacks (stale, extra or duplicated), counting multiplicity. */
  extra: number;
  /** Up to 10 keys of each side's surplus, as text. */
  missingKeys: string[][];
  extraKeys: string[][];
}

export interface CompareTable {
  source: QualifiedName;
  target: QualifiedName;
  primaryKey: readonly string[];
}

/**
 * @param source reads the source with the typemap's parsers
 * @param target a target connection allowed to create temporary tables
 */
export async function compareTables(
  source: SqlClient,
  target: SqlClient,
  tables: readonly CompareTable[],
  options: WriteOptions,
): Promise<TableDiff[]> {
  const out: TableDiff[] = [];
  for (const t of tables) {
    const plan = await planTable(source, target, t.source, t.target, { mapBooleanAsBoolean: false });
    const rows = await source.query<SourceRow>(
      `SELECT ${plan.columns.map((c) => c.sourceExpr).join(', ')} FROM ${quoteQualified(t.source)}`,
    );
    const tmp = { schema: 'pg_temp', name: `cmp_${t.target.name}`.slice(0, 60) };
    const statements = insertStatements({ ...plan, target: tmp }, rows.rows, t.primaryKey, options, 1_000_000);
    const cols = plan.columns.map((c) => quoteIdent(c.targetName)).join(', ');
    const keys = t.primaryKey.map((k) => `${quoteIdent(k)}::text`).join(', ');
    out.push(
      await target.transaction(async (tx) => {
        await tx.query(`CREATE TEMP TABLE ${quoteIdent(tmp.name)} (LIKE ${quoteQualified(t.target)}) ON COMMIT DROP`);
        for (const s of statements) await tx.query(s);
        const diff = async (a: string, b: string) => {
          const r = await tx.query<Record<string, string>>(
            `SELECT ${keys} FROM (SELECT ${cols} FROM ${a} EXCEPT ALL SELECT ${cols} FROM ${b}) d`,
          );
          return r.rows.map((row) => Object.values(row));
        };
        const missing = await diff(quoteQualified(tmp), quoteQualified(t.target));
        const extra = await diff(quoteQualified(t.target), quoteQualified(tmp));
        const count = await tx.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quoteQualified(t.target)}`);
        return {
          table: displayName(t.target),
          sourceRows: rows.rows.length,
          targetRows: Number(count.rows[0]!.n),
          missing: missing.length,
          extra: extra.length,
          missingKeys: missing.slice(0, 10),
          extraKeys: extra.slice(0, 10),
        };
      }),
    );
  }
  return out;
}
