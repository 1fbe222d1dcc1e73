import type { SqlExecutor } from '../sql/client.js';
import { unreadableRelation } from '../sql/client.js';
import { utcText } from '../state/store.js';
import { joinQueryTextPieces } from './apply-update.js';
import { taskCondition, type TaskIdentity } from './task-attribution.js';

/**
 * Finding the most recent rolled-back DMS UPDATE in Redshift's system views (docs/aws-facts.md §3).
 *
 * An UPDATE whose transaction was rolled back still shows `aborted = 0` in STL_QUERY; whether its
 * transaction committed is learnt from one of these sources, tried in this order:
 * 1. `sys_transaction_history` (status 'rolledback') — AWS's documented method; superuser only;
 * 2. `stl_undone` (xact_id_undone) — readable with SYSLOG ACCESS UNRESTRICTED;
 * 3. `stl_utilitytext` (a ROLLBACK for the xid) — likewise;
 * 4. `sys_query_history` + `sys_transaction_history` — Redshift Serverless (no STL views).
 * A source that is not readable (permission denied, view missing) or finds nothing is noted and
 * the next one is tried. DMS statements are recognised by the DMS database user and a reference
 * to an `awsdms_changes` table, not by a comment. Given the task, only its statements are candidates,
 * attributed as the checker's statement counts are (lib/dms/task-attribution.ts): by the `"TaskId"` in DMS's
 * comment when there is one (docs/aws-facts.md §64.1), else by the task's table names as whole tokens — so another
 * task's UPDATE of `public.rental_archive` is never this task's evidence for `public.rental`, and other tasks'
 * rollbacks do not use up `limit`.
 */

export type EvidenceSource = 'sys_transaction_history' | 'stl_undone' | 'stl_utilitytext' | 'sys_query_history';

export interface EvidenceAttempt {
  source: EvidenceSource;
  outcome: 'used' | 'no rows' | 'permission denied' | 'not available';
  detail?: string | undefined;
}

export interface RolledBackUpdate {
  source: EvidenceSource;
  /** Query id (STL_QUERY.query or SYS_QUERY_HISTORY.query_id). */
  queryId: string;
  xid: string;
  /** UTC. */
  startTime: Date;
  /** Full statement text, rebuilt from its pieces. */
  text: string;
}

// aborted = 0: the UPDATE itself completed and its transaction was rolled back afterwards (an UPDATE
// killed by a reboot or a cancel shows aborted = 1 and is not what one-by-one mode leaves).
const IS_DMS_UPDATE =
  `q.aborted = 0 AND (LTRIM(q.querytxt) ILIKE 'update%' OR LTRIM(q.querytxt) ILIKE '/*%*/%update%') AND q.querytxt ILIKE ` +
  `'%awsdms_changes%'`;

const STL_EVIDENCE: Record<Exclude<EvidenceSource, 'sys_query_history'>, string> = {
  sys_transaction_history: `EXISTS (SELECT 1 FROM sys_transaction_history h WHERE h.transaction_id = q.xid AND h.status = 'rolledback')`,
  stl_undone: `EXISTS (SELECT 1 FROM stl_undone d WHERE d.xact_id_undone = q.xid)`,
  stl_utilitytext: `EXISTS (SELECT 1 FROM stl_utilitytext t WHERE t.xid = q.xid AND LTRIM(t.text) ILIKE 'rollback%')`,
};

/** One evidence source's candidates: recent rolled-back DMS UPDATEs, newest first. */
async function candidates(
  target: SqlExecutor,
  source: EvidenceSource,
  dmsUser: string,
  since: Date,
  limit: number,
  task: TaskIdentity | undefined,
): Promise<{ queryId: string; xid: string; startTime: Date }[]> {
  const ours = task
    ? taskCondition(source === 'sys_query_history' ? 'q.query_text' : 'q.querytxt', task, 3)
    : undefined;
  const and = ours ? ` AND ${ours.sql}` : '';
  const sql =
    source === 'sys_query_history'
      ? `SELECT q.query_id::varchar AS query_id, q.transaction_id::varchar AS xid, q.start_time AS start_time
           FROM sys_query_history q JOIN pg_user u ON u.usesysid = q.user_id
          WHERE u.usename = $1 AND q.start_time >= $2 AND TRIM(q.query_type) = 'UPDATE' AND TRIM(q.status) = 'success'
            AND q.query_text ILIKE '%awsdms_changes%'${and}
            AND EXISTS (SELECT 1 FROM sys_transaction_history h WHERE h.transaction_id = q.transaction_id AND h.status = 'rolledback')
          ORDER BY q.start_time DESC, q.query_id DESC LIMIT ${limit}`
      : `SELECT q.query::varchar AS query_id, q.xid::varchar AS xid, q.starttime AS start_time
           FROM stl_query q JOIN pg_user u ON u.usesysid = q.userid
          WHERE u.usename = $1 AND q.starttime >= $2 AND ${IS_DMS_UPDATE} AND ${STL_EVIDENCE[source]}${and}
          ORDER BY q.starttime DESC, q.query DESC LIMIT ${limit}`;
  const r = await target.query<{ query_id: string; xid: string; start_time: unknown }>(sql, [
    dmsUser,
    utcText(since),
    ...(ours?.params ?? []),
  ]);
  return r.rows.map((x) => ({ queryId: String(x.query_id), xid: String(x.xid), startTime: toDate(x.start_time) }));
}

function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  return new Date(`${String(v).replace(' ', 'T')}Z`);
}

/** The statement's full text from STL_QUERYTEXT (200-character pieces) or SYS_QUERY_TEXT (4000). */
export async function fullText(target: SqlExecutor, source: EvidenceSource, queryId: string): Promise<string> {
  const sys = source === 'sys_query_history';
  const r = await target.query<{ text: string }>(
    sys
      ? 'SELECT text FROM sys_query_text WHERE query_id = $1 ORDER BY sequence'
      : 'SELECT text FROM stl_querytext WHERE query = $1 ORDER BY sequence',
    [queryId],
  );
  return joinQueryTextPieces(
    r.rows.map((x) => String(x.text)),
    sys ? 4000 : 200,
  );
}

/**
 * Recent rolled-back DMS UPDATEs since `since` (UTC), at most `limit`, newest first, from the first evidence source
 * that is readable and finds any; with the attempts made. With `task`, only that task's statements (attributed by
 * `"TaskId"`, else by table names: lib/dms/task-attribution.ts); without, every DMS user's UPDATE.
 * @throws the target's error for anything but an unreadable source.
 */
export async function findRolledBackUpdates(
  target: SqlExecutor,
  dmsUser: string,
  since: Date,
  limit = 20,
  task?: TaskIdentity,
): Promise<{ updates: RolledBackUpdate[]; attempts: EvidenceAttempt[] }> {
  const attempts: EvidenceAttempt[] = [];
  for (const source of ['sys_transaction_history', 'stl_undone', 'stl_utilitytext', 'sys_query_history'] as const) {
    let found;
    try {
      found = await candidates(target, source, dmsUser, since, limit, task);
    } catch (err) {
      const outcome = unreadableRelation(err);
      if (!outcome) throw err;
      attempts.push({
        source,
        outcome,
        detail: err instanceof Error ? err.message.split(' (statement:')[0] : undefined,
      });
      continue;
    }
    if (found.length === 0) {
      attempts.push({ source, outcome: 'no rows' });
      continue;
    }
    attempts.push({ source, outcome: 'used' });
    const updates: RolledBackUpdate[] = [];
    for (const c of found) updates.push({ ...c, source, text: await fullText(target, source, c.queryId) });
    return { updates, attempts };
  }
  return { updates: [], attempts };
}
