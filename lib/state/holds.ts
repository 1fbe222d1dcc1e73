import type { SqlExecutor } from '../sql/client.js';
import { asBool, asText } from '../sql/coerce.js';
import { Params, parseTs } from './params.js';
import type { StateTables } from './tables.js';

/** A task hold: why the companion keeps a replication task stopped, and whether to resume it after. */
export interface Hold {
  taskArn: string;
  /** `fixer`, `maintenance`, `memory`, `person`, … */
  owner: string;
  reason: string;
  createdAt: Date;
  /** When the owner expects to release it (informational; a person's hold has none). */
  until?: Date | undefined;
  /** The task was running when the first of its holds was taken. */
  wasRunning: boolean;
  runId?: string | undefined;
}

/** Active holds (not released), oldest first; of one task or of all. */
export async function selectActiveHolds(exec: SqlExecutor, t: StateTables, taskArn?: string): Promise<Hold[]> {
  const p = new Params();
  const where = taskArn === undefined ? '' : `AND task_arn = ${p.add(taskArn)}`;
  const r = await exec.query<Record<string, unknown>>(
    `SELECT task_arn, owner, reason, created_at, until_at, was_running, run_id FROM ${t.table('holds')} WHERE released_at IS NULL ${where} ORDER BY ` +
      `created_at, owner`,
    p.values,
  );
  return r.rows.map((x) => ({
    taskArn: asText(x.task_arn),
    owner: asText(x.owner),
    reason: asText(x.reason),
    createdAt: parseTs(x.created_at)!,
    until: parseTs(x.until_at),
    wasRunning: asBool(x.was_running),
    runId: x.run_id === null || x.run_id === undefined ? undefined : asText(x.run_id),
  }));
}

export async function insertHold(exec: SqlExecutor, t: StateTables, h: Hold): Promise<void> {
  const p = new Params();
  await exec.query(
    `INSERT INTO ${t.table('holds')} (task_arn, owner, reason, created_at, until_at, was_running, run_id) ` +
      `VALUES (${p.add(h.taskArn)}, ${p.add(h.owner)}, ${p.add(h.reason)}, ${p.add(h.createdAt)}, ${p.add(h.until)}, ` +
      `${h.wasRunning ? 'TRUE' : 'FALSE'}, ${p.add(h.runId)})`,
    p.values,
  );
}

/** Marks a task's active holds of `owner` released. @returns how many. */
export async function markHoldReleased(
  exec: SqlExecutor,
  t: StateTables,
  taskArn: string,
  owner: string,
  at: Date,
  reason: string,
): Promise<number> {
  const p = new Params();
  const r = await exec.query(
    `UPDATE ${t.table('holds')} SET released_at = ${p.add(at)}, release_reason = ${p.add(reason)} ` +
      `WHERE task_arn = ${p.add(taskArn)} AND owner = ${p.add(owner)} AND released_at IS NULL`,
    p.values,
  );
  return r.rowCount;
}

/** Replaces the reason of a task's active hold of `owner` (at most 4,096 characters kept). */
export async function updateHoldReason(
  exec: SqlExecutor,
  t: StateTables,
  taskArn: string,
  owner: string,
  reason: string,
): Promise<void> {
  const p = new Params();
  await exec.query(
    `UPDATE ${t.table('holds')} SET reason = ${p.add(reason.slice(0, 4096))} WHERE task_arn = ${p.add(taskArn)} AND owner = ${p.add(owner)} AND ` +
      `released_at IS NULL`,
    p.values,
  );
}
