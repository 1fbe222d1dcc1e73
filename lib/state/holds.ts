import type { SqlExecutor } from '../sql/client.js';
import { asBool, asText } from '../sql/coerce.js';
import { Params, parseTs } from './params.js';
import type { StateTables } from './tables.js';

/**
 * Where a hold stands in task control's state machine (lib/task-control/states.ts):
 * `stop-requested` → `stopping` → `held` → `resume-pending` → `released`, or `abandoned` when a
 * person acted on the task while it was held. `released` and `abandoned` are final.
 */
export type HoldState = 'stop-requested' | 'stopping' | 'held' | 'resume-pending' | 'released' | 'abandoned';

export const HOLD_STATES: readonly HoldState[] = [
  'stop-requested',
  'stopping',
  'held',
  'resume-pending',
  'released',
  'abandoned',
];

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
  /** The hold's state (a store written before states existed reads `held`). */
  state: HoldState;
  /** When the hold entered its state (UTC); the creation time for a store written before states existed. */
  stateAt?: Date | undefined;
  /** What the last transition said (why the hold is in its state). */
  stateDetail?: string | undefined;
}

const COLUMNS = 'task_arn, owner, reason, created_at, until_at, was_running, run_id, state, state_at, state_detail';

function toHold(x: Record<string, unknown>): Hold {
  const state = x.state === null || x.state === undefined ? 'held' : (asText(x.state) as HoldState);
  return {
    taskArn: asText(x.task_arn),
    owner: asText(x.owner),
    reason: asText(x.reason),
    createdAt: parseTs(x.created_at)!,
    until: parseTs(x.until_at),
    wasRunning: asBool(x.was_running),
    runId: x.run_id === null || x.run_id === undefined ? undefined : asText(x.run_id),
    state,
    stateAt: parseTs(x.state_at) ?? parseTs(x.created_at),
    stateDetail: x.state_detail === null || x.state_detail === undefined ? undefined : asText(x.state_detail),
  };
}

/** Active holds (not released, in any state before `released`/`abandoned`), oldest first; of one task or of all. */
export async function selectActiveHolds(exec: SqlExecutor, t: StateTables, taskArn?: string): Promise<Hold[]> {
  const p = new Params();
  const where = taskArn === undefined ? '' : `AND task_arn = ${p.add(taskArn)}`;
  const r = await exec.query<Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM ${t.table('holds')} WHERE released_at IS NULL ${where} ORDER BY created_at, owner`,
    p.values,
  );
  return r.rows.map(toHold);
}

export async function insertHold(exec: SqlExecutor, t: StateTables, h: Hold): Promise<void> {
  const p = new Params();
  await exec.query(
    `INSERT INTO ${t.table('holds')} (${COLUMNS}) ` +
      `VALUES (${p.add(h.taskArn)}, ${p.add(h.owner)}, ${p.add(h.reason.slice(0, 4096))}, ${p.add(h.createdAt)}, ${p.add(h.until)}, ` +
      `${h.wasRunning ? 'TRUE' : 'FALSE'}, ${p.add(h.runId)}, ${p.add(h.state)}, ${p.add(h.stateAt ?? h.createdAt)}, ` +
      `${p.add(h.stateDetail?.slice(0, 4096))})`,
    p.values,
  );
}

/**
 * Moves a task's active hold of `owner` to `state`; a final state (`released`, `abandoned`) also sets
 * `released_at` and the release reason (`releaseReason`, else `detail`). @returns how many rows changed.
 */
export async function updateHoldState(
  exec: SqlExecutor,
  t: StateTables,
  taskArn: string,
  owner: string,
  state: HoldState,
  at: Date,
  detail: string,
  releaseReason = detail,
): Promise<number> {
  const p = new Params();
  const final = state === 'released' || state === 'abandoned';
  const d = detail.slice(0, 4096);
  const why = releaseReason.slice(0, 4096);
  const r = await exec.query(
    `UPDATE ${t.table('holds')} SET state = ${p.add(state)}, state_at = ${p.add(at)}, state_detail = ${p.add(d)}` +
      (final ? `, released_at = ${p.add(at)}, release_reason = ${p.add(why)}` : '') +
      ` WHERE task_arn = ${p.add(taskArn)} AND owner = ${p.add(owner)} AND released_at IS NULL`,
    p.values,
  );
  return r.rowCount;
}

/** Marks a task's active holds of `owner` released. @returns how many. */
export function markHoldReleased(
  exec: SqlExecutor,
  t: StateTables,
  taskArn: string,
  owner: string,
  at: Date,
  reason: string,
): Promise<number> {
  return updateHoldState(exec, t, taskArn, owner, 'released', at, reason);
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

/** The first hold of a task that was active at `at` (created by then, not released before), if any. */
export async function selectHoldActiveAt(
  exec: SqlExecutor,
  t: StateTables,
  taskArn: string,
  at: Date,
): Promise<Hold | undefined> {
  const p = new Params();
  const r = await exec.query<Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM ${t.table('holds')} WHERE task_arn = ${p.add(taskArn)} AND created_at <= ${p.add(at)} ` +
      `AND (released_at IS NULL OR released_at >= ${p.add(at)}) ORDER BY created_at LIMIT 1`,
    p.values,
  );
  return r.rows.map(toHold)[0];
}
