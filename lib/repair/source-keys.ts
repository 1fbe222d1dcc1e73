import type { SourceRow } from '../typemap/index.js';

/** A source row's key as text, in key order (the form keys travel in between the jobs' steps). */
export function sourceKeyOf(primaryKey: readonly string[], row: SourceRow): string[] {
  return primaryKey.map((k) => String(row[k]));
}
