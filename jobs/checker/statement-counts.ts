import { taskCondition, type TaskIdentity } from '../../lib/dms/task-attribution.js';
import { unreadableRelation, type SqlExecutor, type SqlParam } from '../../lib/sql/client.js';
import { utcText } from '../../lib/state/store.js';

/**
 * How many statements the DMS database user ran on a task's tables in a window, and how many of
 * them were UPDATEs. In batch mode DMS sends one UPDATE per batch and table; in one-by-one mode
 * one per change (docs/aws-facts.md §2), so the count jumps.
 *
 * Batch-mode UPDATEs reference the `awsdms_changes…` table; one-by-one UPDATEs carry the row's values
 * themselves, so the UPDATEs that do not reference it are counted apart: in batch mode there are
 * none, in one-by-one mode one per change.
 *
 * Statements are attributed to a task by the `"TaskId"` in their comment when there is one, else by
 * the task's target table names as whole tokens (lib/dms/task-attribution.ts): the DMS user is
 * shared by every task on the cluster. Read from STL_QUERY on a provisioned
 * cluster, from SYS_QUERY_HISTORY where STL is not available (Serverless).
 */

export interface StatementCounts {
  /** Every UPDATE of the task's tables. */
  updates: number;
  /** UPDATEs that do not go through an awsdms_changes table: the single-row statements of one-by-one mode. */
  singleRowUpdates: number;
  statements: number;
  source: 'stl_query' | 'sys_query_history';
}

export async function countDmsStatements(
  target: SqlExecutor,
  dmsUser: string,
  task: TaskIdentity,
  from: Date,
  to: Date,
): Promise<StatementCounts> {
  const params: SqlParam[] = [dmsUser, utcText(from), utcText(to)];
  const stl = taskCondition('q.querytxt', task, 4);
  try {
    const r = await target.query<CountRow>(
      `SELECT sum(CASE WHEN ${IS_UPDATE} THEN 1 ELSE 0 END) AS updates,
              sum(CASE WHEN ${IS_UPDATE} AND q.querytxt NOT ILIKE '%awsdms_changes%' THEN 1 ELSE 0 END) AS single_row_updates,
              count(*) AS statements
         FROM stl_query q JOIN pg_user u ON u.usesysid = q.userid
        WHERE u.usename = $1 AND q.starttime >= $2 AND q.starttime < $3 AND ${stl.sql}`,
      [...params, ...stl.params],
    );
    return toCounts(r.rows[0], 'stl_query');
  } catch (err) {
    // Serverless refuses STL views; through the Data API the refusal has a message but no SQLSTATE.
    if (!unreadableRelation(err)) throw err;
  }
  const sys = taskCondition('q.query_text', task, 4);
  const r = await target.query<CountRow>(
    `SELECT sum(CASE WHEN TRIM(q.query_type) = 'UPDATE' THEN 1 ELSE 0 END) AS updates,
            sum(CASE WHEN TRIM(q.query_type) = 'UPDATE' AND q.query_text NOT ILIKE '%awsdms_changes%' THEN 1 ELSE 0 END) AS single_row_updates,
            count(*) AS statements
       FROM sys_query_history q JOIN pg_user u ON u.usesysid = q.user_id
      WHERE u.usename = $1 AND q.start_time >= $2 AND q.start_time < $3 AND ${sys.sql}`,
    [...params, ...sys.params],
  );
  return toCounts(r.rows[0], 'sys_query_history');
}

const IS_UPDATE = `(LTRIM(q.querytxt) ILIKE 'update%' OR LTRIM(q.querytxt) ILIKE '/*%*/%update%')`;

interface CountRow {
  updates: unknown;
  single_row_updates: unknown;
  statements: unknown;
}

function toCounts(row: CountRow | undefined, source: StatementCounts['source']): StatementCounts {
  return {
    updates: Number(row?.updates ?? 0),
    singleRowUpdates: Number(row?.single_row_updates ?? 0),
    statements: Number(row?.statements ?? 0),
    source,
  };
}
