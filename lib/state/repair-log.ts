import type { SqlExecutor } from '../sql/client.js';
import { asText } from '../sql/coerce.js';
import { Params, parseTs } from './params.js';
import type { StateTables } from './tables.js';

/** One row the companion wrote or deleted on the target, with why and on what evidence. */
export interface RepairLogEntry {
  runId: string;
  job: string;
  taskArn: string;
  /** `schema.table` on the target. */
  table: string;
  /** `col=value[,col=value]`. */
  key: string;
  action: 'insert' | 'delete' | 'replace';
  reason: string;
  /** The evidence: a query id of the rolled-back UPDATE, or a gap-filling segment. */
  evidence: string;
  at: Date;
}

/** Rows per INSERT statement of the repair log. */
const ROWS_PER_STATEMENT = 200;

/** Appends repair-log rows (in the caller's transaction when `exec` is one). */
export async function insertRepairs(
  exec: SqlExecutor,
  t: StateTables,
  entries: readonly RepairLogEntry[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += ROWS_PER_STATEMENT) {
    const p = new Params();
    const values = entries
      .slice(i, i + ROWS_PER_STATEMENT)
      .map(
        (e) =>
          `(${p.add(e.runId)}, ${p.add(e.job)}, ${p.add(e.taskArn)}, ${p.add(e.table)}, ${p.add(e.key)}, ${p.add(e.action)}, ${p.add(e.reason)}, ` +
          `${p.add(e.evidence)}, ${p.add(e.at)})`,
      );
    await exec.query(
      `INSERT INTO ${t.table('repair_log')} (run_id, job, task_arn, table_name, key_text, action, reason, evidence, logged_at) VALUES ${values.join(', ')}`,
      p.values,
    );
  }
}

/** Repair-log rows, oldest first, optionally of one task. */
export async function selectRepairs(exec: SqlExecutor, t: StateTables, taskArn?: string): Promise<RepairLogEntry[]> {
  const p = new Params();
  const r = await exec.query<Record<string, unknown>>(
    `SELECT ${REPAIR_LOG_COLUMNS} FROM ${t.table('repair_log')}` +
      `${taskArn === undefined ? '' : ` WHERE task_arn = ${p.add(taskArn)}`} ORDER BY logged_at, table_name, key_text`,
    p.values,
  );
  return r.rows.map(repairEntryOf);
}

/** The columns a repair-log entry is read from, in `repairEntryOf`'s terms. */
export const REPAIR_LOG_COLUMNS = 'run_id, job, task_arn, table_name, key_text, action, reason, evidence, logged_at';

/** One repair-log row as an entry (a missing reason or evidence reads as ''). */
export function repairEntryOf(x: Record<string, unknown>): RepairLogEntry {
  const text = (v: unknown) => (v === null || v === undefined ? '' : asText(v));
  return {
    runId: asText(x.run_id),
    job: asText(x.job),
    taskArn: asText(x.task_arn),
    table: asText(x.table_name),
    key: asText(x.key_text),
    action: asText(x.action) as RepairLogEntry['action'],
    reason: text(x.reason),
    evidence: text(x.evidence),
    at: parseTs(x.logged_at)!,
  };
}
