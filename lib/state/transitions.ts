import type { SqlExecutor } from '../sql/client.js';
import { asText } from '../sql/coerce.js';
import type { HoldState } from './holds.js';
import { Params, parseTs } from './params.js';
import type { StateTables } from './tables.js';

/**
 * One recorded step of task control's state machine: a hold of `owner` on a task went from `from`
 * (undefined for a new hold) to `to`. `stopSent` marks the transitions on which the companion sent
 * StopReplicationTask — the circuit breaker counts those.
 */
export interface Transition {
  taskArn: string;
  owner: string;
  from?: HoldState | undefined;
  to: HoldState;
  /** UTC. */
  at: Date;
  detail: string;
  runId?: string | undefined;
  stopSent?: boolean | undefined;
}

export async function insertTransition(exec: SqlExecutor, t: StateTables, x: Transition): Promise<void> {
  const p = new Params();
  await exec.query(
    `INSERT INTO ${t.table('transitions')} (task_arn, owner, from_state, to_state, at, detail, run_id, stop_sent) VALUES (` +
      `${p.add(x.taskArn)}, ${p.add(x.owner)}, ${p.add(x.from)}, ${p.add(x.to)}, ${p.add(x.at)}, ${p.add(x.detail.slice(0, 4096))}, ` +
      `${p.add(x.runId)}, ${x.stopSent ? 'TRUE' : 'FALSE'})`,
    p.values,
  );
}

/** Transitions of a task (or all), oldest first; at most `limit` of the newest. */
export async function selectTransitions(
  exec: SqlExecutor,
  t: StateTables,
  taskArn: string | undefined,
  limit: number,
): Promise<Transition[]> {
  const p = new Params();
  const where = taskArn === undefined ? '' : `WHERE task_arn = ${p.add(taskArn)}`;
  const r = await exec.query<Record<string, unknown>>(
    `SELECT task_arn, owner, from_state, to_state, at, detail, run_id, stop_sent FROM ${t.table('transitions')} ${where} ` +
      `ORDER BY at DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
    p.values,
  );
  return r.rows
    .map((x) => ({
      taskArn: asText(x.task_arn),
      owner: asText(x.owner),
      from: x.from_state === null || x.from_state === undefined ? undefined : (asText(x.from_state) as HoldState),
      to: asText(x.to_state) as HoldState,
      at: parseTs(x.at)!,
      detail: asText(x.detail ?? ''),
      runId: x.run_id === null || x.run_id === undefined ? undefined : asText(x.run_id),
      stopSent: x.stop_sent === true || x.stop_sent === 't' || x.stop_sent === 'true',
    }))
    .reverse();
}

/** How many times the companion sent StopReplicationTask for a task since `since` (UTC). */
export async function countStopsSince(
  exec: SqlExecutor,
  t: StateTables,
  taskArn: string,
  since: Date,
): Promise<number> {
  const p = new Params();
  const r = await exec.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM ${t.table('transitions')} WHERE task_arn = ${p.add(taskArn)} AND stop_sent AND at >= ${p.add(since)}`,
    p.values,
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** The latest `abandoned` transition of a task since `since`, if any. */
export async function selectLastAbandoned(
  exec: SqlExecutor,
  t: StateTables,
  taskArn: string,
  since: Date,
): Promise<Date | undefined> {
  const p = new Params();
  const r = await exec.query<{ at: unknown }>(
    `SELECT max(at) AS at FROM ${t.table('transitions')} WHERE task_arn = ${p.add(taskArn)} AND to_state = 'abandoned' AND at >= ${p.add(since)}`,
    p.values,
  );
  return parseTs(r.rows[0]?.at);
}
