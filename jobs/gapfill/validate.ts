import type { JobDeps } from '../runtime.js';
import type { Progress } from './compare.js';
import { runGapfill, type GapfillResult } from './index.js';
import type { CompareMode } from './mode.js';

/**
 * `validate`: every configured table compared whole between source and target (gap-filling's
 * whole-table mode, read only), as a migration cut-over check asks for: rows compared and the
 * differences by class per table, with the comparison mode that ran and why. Writes nothing.
 */

/** Keys listed per class in a table's result (the counts are complete). */
export const SAMPLE_KEYS = 10;

export interface ValidateTableResult {
  table: string;
  status: 'identical' | 'differences' | 'failed' | 'skipped';
  mode?: CompareMode | undefined;
  modeReason?: string | undefined;
  rowsCompared: number;
  differences: { missing: number; extra: number; duplicated: number; stale: number };
  /** The first {@link SAMPLE_KEYS} keys of each class (key columns joined in key order). */
  samples: { missing: string[][]; extra: string[][]; duplicated: string[][]; stale: string[][] };
  queries: number;
  bytesRead: number;
  durationMs: number;
  warnings: string[];
  error?: string | undefined;
}

export interface ValidateReport {
  job: 'validate';
  runId: string;
  tables: ValidateTableResult[];
  /** Tables that differ or failed. */
  problems: number;
}

function tableResult(r: GapfillResult): ValidateTableResult {
  const differences = {
    missing: r.missing.length,
    extra: r.extra.length,
    duplicated: r.duplicated.length,
    stale: r.stale.length,
  };
  const n = differences.missing + differences.extra + differences.duplicated + differences.stale;
  return {
    table: r.table,
    status: r.status === 'failed' ? 'failed' : r.status === 'skipped' ? 'skipped' : n > 0 ? 'differences' : 'identical',
    mode: r.mode,
    modeReason: r.modeReason,
    rowsCompared: r.rowsCompared,
    differences,
    samples: {
      missing: r.missing.slice(0, SAMPLE_KEYS),
      extra: r.extra.slice(0, SAMPLE_KEYS),
      duplicated: r.duplicated.slice(0, SAMPLE_KEYS),
      stale: r.stale.slice(0, SAMPLE_KEYS),
    },
    queries: r.queries,
    bytesRead: r.bytesRead,
    durationMs: r.durationMs,
    warnings: r.warnings,
    error: r.error,
  };
}

/** Compares every configured table (or `table` only) whole; read only. @throws UsageError for an unknown table. */
export async function runValidate(
  deps: JobDeps,
  o: { table?: string | undefined; onProgress?: (table: string, p: Progress) => void | Promise<void> } = {},
): Promise<ValidateReport> {
  const r = await runGapfill(deps, {
    all: true,
    dryRun: true,
    table: o.table,
    onProgress: o.onProgress && ((table, _day, p) => o.onProgress?.(table, p)),
  });
  const tables = r.results.map(tableResult);
  return {
    job: 'validate',
    runId: r.runId,
    tables,
    problems: tables.filter((t) => t.status === 'differences' || t.status === 'failed').length,
  };
}
