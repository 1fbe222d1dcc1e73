import { RefusedError } from '../../lib/errors.js';
import type { SqlExecutor, SqlParam } from '../../lib/sql/client.js';
import { displayName, quoteIdent, quoteQualified } from '../../lib/sql/quote.js';
import type { CheckedStatement } from './catalog-check.js';
import type { ParsedApplyUpdate } from '../../lib/dms/apply-update.js';

/**
 * The keys of the changes in the statement's seq range, LEFT JOINed against the target: a key
 * with no target row is missing (why the bulk UPDATE touched fewer rows than changes); a key with
 * more than one is duplicated (Redshift does not enforce keys). Identifiers come checked from the
 * catalog; the seq bounds and filter values are bound parameters.
 *
 * VARCHAR keys are told apart byte for byte: Redshift's `=`, DISTINCT and GROUP BY treat `'a'` and
 * `'a '` as one value (docs/aws-facts.md §70, §82), so each key travels with its OCTET_LENGTH, which
 * the join and the grouping compare too.
 */

export interface MissingKeys {
  /** Rows of the changes table in the seq range (0: the table was truncated or reloaded since). */
  changesRows: number;
  /** Distinct keys in the range. */
  keys: number;
  /** Key values as text, in primary-key order. */
  missing: string[][];
  duplicated: string[][];
}

export async function findMissingKeys(
  target: SqlExecutor,
  p: ParsedApplyUpdate,
  checked: CheckedStatement,
): Promise<MissingKeys> {
  const changes = quoteQualified(p.changesTable);
  const params: SqlParam[] = [p.seqFrom.toString(), p.seqTo.toString()];
  const filters = p.filters.map((f) => {
    params.push(f.value);
    return ` AND c.${quoteIdent(f.changesColumn)} = $${params.length}`;
  });
  const seqType = checked.changesColumns.get(p.seqColumn)!.declared;
  const inRange = `c.${quoteIdent(p.seqColumn)} >= CAST($1 AS ${seqType}) AND c.${quoteIdent(p.seqColumn)} <= CAST($2 AS ${seqType})${filters.join('')}`;
  const count = await target.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${changes} c WHERE ${inRange}`, params);
  const changesRows = Number(count.rows[0]?.n ?? 0);
  if (changesRows === 0) {
    throw new RefusedError(
      `changes table ${displayName(p.changesTable)} has no rows in ${p.seqColumn} ${p.seqFrom}–${p.seqTo}: it was truncated or reloaded since the ` +
        `UPDATE (DMS has moved on); nothing to compare`,
    );
  }
  const pk = checked.table.primaryKey;
  const keySelect = checked.keyChangesColumns
    .map((c, i) => {
      const text = `CAST(c.${quoteIdent(c)} AS VARCHAR(65535))`;
      return `${text} AS k${i}, OCTET_LENGTH(${text}) AS b${i}`;
    })
    .join(', ');
  const join = pk
    .map((k, i) => {
      const col = checked.targetColumns.get(k)!;
      const eq = `t.${quoteIdent(k)} = CAST(k.k${i} AS ${col.declared})`;
      // A CHAR is padded: its trailing blanks are insignificant on both sides.
      return col.type?.kind === 'varchar' ? `${eq} AND OCTET_LENGTH(t.${quoteIdent(k)}) = k.b${i}` : eq;
    })
    .join(' AND ');
  const keyCols = pk.map((_k, i) => `k.k${i}`).join(', ');
  const groupCols = pk.map((_k, i) => `k.k${i}, k.b${i}`).join(', ');
  const r = await target.query<Record<string, unknown>>(
    `SELECT ${keyCols}, count(t.${quoteIdent(pk[0]!)}) AS n
       FROM (SELECT DISTINCT ${keySelect} FROM ${changes} c WHERE ${inRange}) k
       LEFT JOIN ${quoteQualified(checked.table.target)} t ON ${join}
      GROUP BY ${groupCols}
      ORDER BY ${groupCols}`,
    params,
  );
  const missing: string[][] = [];
  const duplicated: string[][] = [];
  for (const row of r.rows) {
    const key = pk.map((_k, i) => row[`k${i}`]);
    if (key.some((v) => v === null || v === undefined)) continue;
    const n = Number(row.n);
    if (n === 0) missing.push(key.map(String));
    else if (n > 1) duplicated.push(key.map(String));
  }
  return { changesRows, keys: r.rows.length, missing, duplicated };
}
