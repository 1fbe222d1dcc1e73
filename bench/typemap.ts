import { performance } from 'node:perf_hooks';
import { quoteQualified } from '../lib/sql/quote.js';
import {
  DEFAULT_WRITE_OPTIONS,
  describeSourceTable,
  generateDdl,
  insertPrefix,
  planTable,
  rowValues,
  sourcePrimaryKey,
  buildInserts,
  type SourceRow,
} from '../lib/typemap/index.js';
import type { Environment } from '../sim/embedded.js';

export interface TypemapBenchResult {
  table: string;
  rows: number;
  columns: number;
  valuesPerSecond: number;
  rowsPerSecond: number;
  /** Including the 100 KB INSERT statement split. */
  valuesPerSecondWithStatements: number;
}

/**
 * Values translated per second (source text → Redshift literal) on the Pagila `rental` and `film`
 * rows, against the target types of tables created from the generated DDL. In-memory: the rows
 * are read once, then translated repeatedly for at least `seconds`.
 */
export async function benchTypemap(env: Environment, seconds = 2): Promise<TypemapBenchResult[]> {
  const out: TypemapBenchResult[] = [];
  for (const name of ['rental', 'film']) {
    const table = { schema: 'public', name };
    const cols = await describeSourceTable(env.source, table);
    const pk = await sourcePrimaryKey(env.source, table);
    await env.target.query(generateDdl(table, cols, pk, { mapBooleanAsBoolean: false, ifNotExists: true }));
    const plan = await planTable(env.source, env.target, table, table, { mapBooleanAsBoolean: false });
    const rows = (
      await env.source.query<SourceRow>(
        `SELECT ${plan.columns.map((c) => c.sourceExpr).join(', ')} FROM ${quoteQualified(table)}`,
      )
    ).rows;
    const run = (withStatements: boolean) => {
      let n = 0;
      const start = performance.now();
      while (performance.now() - start < seconds * 1000) {
        const values = rows.map((r) => rowValues(r, plan, pk, DEFAULT_WRITE_OPTIONS));
        if (withStatements) buildInserts(insertPrefix(plan), values, 100_000);
        n += rows.length;
      }
      return (n * 1000) / (performance.now() - start);
    };
    run(false); // warm-up
    const rowsPerSecond = run(false);
    const withStatements = run(true);
    out.push({
      table: `public.${name}`,
      rows: rows.length,
      columns: plan.columns.length,
      rowsPerSecond: Math.round(rowsPerSecond),
      valuesPerSecond: Math.round(rowsPerSecond * plan.columns.length),
      valuesPerSecondWithStatements: Math.round(withStatements * plan.columns.length),
    });
  }
  return out;
}
