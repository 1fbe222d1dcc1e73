import type { SqlExecutor } from '../../lib/sql/client.js';
import { quoteQualified, type QualifiedName } from '../../lib/sql/quote.js';

/**
 * Whether the source enforces the uniqueness of a single key column: a valid, non-partial unique index (a primary
 * key or a unique constraint among them) whose one key column is `column`. PostgreSQL enforces it, so a segment of
 * `(after, upTo]` holding `upTo - after` source rows holds every key of the range once — one run of consecutive keys
 * that need not be fetched (compare.ts).
 */
export async function sourceKeyUnique(source: SqlExecutor, table: QualifiedName, column: string): Promise<boolean> {
  const r = await source.query<{ u: unknown }>(
    `SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                     WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
                       AND i.indnkeyatts = 1 AND a.attname = $2) THEN 1 ELSE 0 END AS u`,
    [quoteQualified(table), column],
  );
  return Number(r.rows[0]?.u) === 1;
}
