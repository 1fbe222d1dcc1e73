import type { SqlExecutor } from '../sql/client.js';
import { asText } from '../sql/coerce.js';
import { Params, parseTs } from './params.js';
import { REPAIR_LOG_COLUMNS, repairEntryOf, type RepairLogEntry } from './repair-log.js';
import { parseSummary, type RunRecord, type RunStatus } from './runs.js';
import type { StateTables } from './tables.js';

/**
 * Read-only queries for `dms-companion history` and the status page: what the state store holds about a period —
 * runs that started in it, holds taken, released or still active, and the repair log. Named columns only, so a
 * table that gains columns reads the same. Times are UTC.
 */

/** A hold as its whole life: taken, and released (when it was). */
export interface HoldRecord {
  taskArn: string;
  owner: string;
  reason: string;
  createdAt: Date;
  until?: Date | undefined;
  releasedAt?: Date | undefined;
  releaseReason?: string | undefined;
  runId?: string | undefined;
}

export interface StateHistory {
  /** The period's start (UTC). */
  since: Date;
  /** Runs that started at or after `since`, oldest first (their summaries parsed; a cut one is undefined). */
  runs: RunRecord[];
  /** Holds taken or released at or after `since`, and every hold still active; oldest first. */
  holds: HoldRecord[];
  /** Repair-log rows logged at or after `since`, oldest first. */
  repairs: RepairLogEntry[];
}

/** Most rows read per table: the page and the command show a period, not an export. */
const ROW_LIMIT = 5000;

const text = (v: unknown) => (v === null || v === undefined ? undefined : asText(v));

/** Everything the state store holds about the period from `since` (optionally of one task). */
export async function readHistory(
  exec: SqlExecutor,
  t: StateTables,
  since: Date,
  taskArn?: string,
): Promise<StateHistory> {
  return {
    since,
    runs: await selectRunsSince(exec, t, since, taskArn),
    holds: await selectHoldsSince(exec, t, since, taskArn),
    repairs: await selectRepairsSince(exec, t, since, taskArn),
  };
}

async function selectRunsSince(exec: SqlExecutor, t: StateTables, since: Date, taskArn?: string): Promise<RunRecord[]> {
  const p = new Params();
  const r = await exec.query<Record<string, unknown>>(
    `SELECT run_id, job, task_arn, started_at, finished_at, status, summary FROM ${t.table('runs')} WHERE started_at >= ${p.add(since)}` +
      `${taskArn === undefined ? '' : ` AND (task_arn = ${p.add(taskArn)} OR task_arn IS NULL)`} ORDER BY started_at LIMIT ${ROW_LIMIT}`,
    p.values,
  );
  return r.rows.map((x) => ({
    runId: asText(x.run_id),
    job: asText(x.job),
    taskArn: text(x.task_arn),
    startedAt: parseTs(x.started_at)!,
    finishedAt: parseTs(x.finished_at),
    status: asText(x.status) as RunStatus,
    summary: parseSummary(x.summary),
  }));
}

async function selectHoldsSince(
  exec: SqlExecutor,
  t: StateTables,
  since: Date,
  taskArn?: string,
): Promise<HoldRecord[]> {
  const p = new Params();
  const s = p.add(since);
  const r = await exec.query<Record<string, unknown>>(
    `SELECT task_arn, owner, reason, created_at, until_at, run_id, released_at, release_reason FROM ${t.table('holds')} ` +
      `WHERE (created_at >= ${s} OR released_at >= ${s} OR released_at IS NULL)` +
      `${taskArn === undefined ? '' : ` AND task_arn = ${p.add(taskArn)}`} ORDER BY created_at, owner LIMIT ${ROW_LIMIT}`,
    p.values,
  );
  return r.rows.map((x) => ({
    taskArn: asText(x.task_arn),
    owner: asText(x.owner),
    reason: text(x.reason) ?? '',
    createdAt: parseTs(x.created_at)!,
    until: parseTs(x.until_at),
    releasedAt: parseTs(x.released_at),
    releaseReason: text(x.release_reason),
    runId: text(x.run_id),
  }));
}

async function selectRepairsSince(
  exec: SqlExecutor,
  t: StateTables,
  since: Date,
  taskArn?: string,
): Promise<RepairLogEntry[]> {
  const p = new Params();
  const r = await exec.query<Record<string, unknown>>(
    `SELECT ${REPAIR_LOG_COLUMNS} FROM ${t.table('repair_log')} ` +
      `WHERE logged_at >= ${p.add(since)}${taskArn === undefined ? '' : ` AND task_arn = ${p.add(taskArn)}`} ` +
      `ORDER BY logged_at, table_name, key_text LIMIT ${ROW_LIMIT}`,
    p.values,
  );
  return r.rows.map(repairEntryOf);
}
