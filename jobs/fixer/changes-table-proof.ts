import { RefusedError } from '../../lib/errors.js';
import type { EvidenceSource, RolledBackUpdate } from '../../lib/dms/rollback-evidence.js';
import { SqlError, type SqlExecutor } from '../../lib/sql/client.js';
import { displayName, type QualifiedName } from '../../lib/sql/quote.js';

/**
 * Proof that the changes table still holds the failed batch. DMS empties and reloads
 * `awsdms_changes…` for every batch (docs/aws-facts.md §16.3) and, after replaying a failed batch
 * one by one, goes back to batch apply for the next one (§16.1): once it has, the rolled-back
 * UPDATE's seq range points at another batch's changes (seq may restart per batch), and keys read
 * there would be keys DMS is about to INSERT. So the range is used only when no statement of the
 * DMS user that names the changes table ran after the rolled-back UPDATE (a later query id in
 * STL_QUERY, or SYS_QUERY_HISTORY on Serverless): no later load, no later apply from it.
 * Run it after reading the keys: a reload before or during that read is then seen.
 * @throws RefusedError when a later statement names the table, or the system view cannot be read.
 */
export async function proveChangesTableHoldsBatch(
  target: SqlExecutor,
  dmsUser: string,
  changesTable: QualifiedName,
  u: Pick<RolledBackUpdate, 'queryId' | 'xid' | 'source'>,
): Promise<void> {
  const sql = laterStatements(u.source);
  let later: { query_id: unknown; text: unknown }[];
  try {
    const r = await target.query<{ query_id: unknown; text: unknown }>(sql, [
      dmsUser,
      u.queryId,
      u.xid,
      `%${changesTable.name}%`,
    ]);
    later = r.rows;
  } catch (err) {
    if (!(err instanceof SqlError)) throw err;
    throw new RefusedError(
      `cannot prove that changes table ${displayName(changesTable)} still holds the batch of query ${u.queryId}: ${err.message}`,
    );
  }
  if (later.length > 0) {
    const first = later[0]!;
    throw new RefusedError(
      `changes table ${displayName(changesTable)} no longer holds the batch of rolled-back query ${u.queryId}: query ${String(first.query_id)} ` +
        `of the DMS user named it since (${String(first.text).slice(0, 80)}…), so its seq range may point at another batch; ` +
        `changes-table evidence refused`,
    );
  }
}

function laterStatements(source: EvidenceSource): string {
  return source === 'sys_query_history'
    ? `SELECT q.query_id::varchar AS query_id, q.query_text AS text FROM sys_query_history q JOIN pg_user u ON u.usesysid = q.user_id
        WHERE u.usename = $1 AND q.query_id > CAST($2 AS BIGINT) AND q.transaction_id <> CAST($3 AS BIGINT) AND q.query_text ILIKE $4
        ORDER BY q.query_id LIMIT 1`
    : `SELECT q.query::varchar AS query_id, q.querytxt AS text FROM stl_query q JOIN pg_user u ON u.usesysid = q.userid
        WHERE u.usename = $1 AND q.query > CAST($2 AS BIGINT) AND q.xid <> CAST($3 AS BIGINT) AND q.querytxt ILIKE $4
        ORDER BY q.query LIMIT 1`;
}
