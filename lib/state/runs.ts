import type { SqlExecutor } from '../sql/client.js';
import { asText } from '../sql/coerce.js';
import { Params, parseTs } from './params.js';
import type { StateTables } from './tables.js';

/**
 * `running`, `ok`, `problem` (found something it could not fix), `failed`, `interrupted` (stopped at a safe point
 * by a shutdown; the next daemon start runs it again).
 */
export type RunStatus = 'running' | 'ok' | 'problem' | 'failed' | 'interrupted';

/** One run of a job, as recorded. The summary is JSON; each job reads its own with a typed parser (jobs/run-summaries.ts). */
export interface RunRecord {
  runId: string;
  job: string;
  taskArn?: string | undefined;
  startedAt: Date;
  finishedAt?: Date | undefined;
  status: RunStatus;
  /** A JSON summary of the run (counts, evidence). */
  summary?: unknown;
}

/** Largest summary text kept (characters; the column is VARCHAR(65535), bytes). */
const SUMMARY_MAX = 65_000;

const taskClause = (p: Params, taskArn: string | undefined) =>
  taskArn === undefined ? 'task_arn IS NULL' : `task_arn = ${p.add(taskArn)}`;

export async function insertRun(exec: SqlExecutor, t: StateTables, r: Omit<RunRecord, 'status'>): Promise<void> {
  const p = new Params();
  await exec.query(
    `INSERT INTO ${t.table('runs')} (run_id, job, task_arn, started_at, status) VALUES (${p.add(r.runId)}, ${p.add(r.job)}, ${p.add(r.taskArn)}, ` +
      `${p.add(r.startedAt)}, 'running')`,
    p.values,
  );
}

export async function updateRunFinished(
  exec: SqlExecutor,
  t: StateTables,
  runId: string,
  job: string,
  taskArn: string | undefined,
  finishedAt: Date,
  status: RunStatus,
  summary: unknown,
): Promise<void> {
  const p = new Params();
  const text = JSON.stringify(summary ?? null);
  await exec.query(
    `UPDATE ${t.table('runs')} SET finished_at = ${p.add(finishedAt)}, status = ${p.add(status)}, ` +
      `summary = ${p.add(text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX)}…` : text)} ` +
      `WHERE run_id = ${p.add(runId)} AND job = ${p.add(job)} AND ${taskClause(p, taskArn)}`,
    p.values,
  );
}

/** Finished runs of a job (and task), newest first. A summary that is not JSON (cut) reads as undefined. */
export async function selectRecentRuns(
  exec: SqlExecutor,
  t: StateTables,
  job: string,
  taskArn: string | undefined,
  limit: number,
): Promise<RunRecord[]> {
  const p = new Params();
  const r = await exec.query<Record<string, unknown>>(
    `SELECT run_id, job, task_arn, started_at, finished_at, status, summary FROM ${t.table('runs')} ` +
      `WHERE job = ${p.add(job)} AND ${taskClause(p, taskArn)} AND finished_at IS NOT NULL ORDER BY started_at DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
    p.values,
  );
  return r.rows.map((x) => ({
    runId: asText(x.run_id),
    job: asText(x.job),
    taskArn: x.task_arn === null ? undefined : asText(x.task_arn),
    startedAt: parseTs(x.started_at)!,
    finishedAt: parseTs(x.finished_at),
    status: asText(x.status) as RunStatus,
    summary: parseSummary(x.summary),
  }));
}

/** A summary column as JSON; undefined for NULL or text that is not JSON (a cut summary). */
export function parseSummary(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  try {
    return JSON.parse(asText(v)) as unknown;
  } catch {
    return undefined;
  }
}

/** Latest `ok` finish of a job (and task), UTC. */
export async function selectLastSuccess(
  exec: SqlExecutor,
  t: StateTables,
  job: string,
  taskArn?: string,
): Promise<Date | undefined> {
  const p = new Params();
  const r = await exec.query<{ t: unknown }>(
    `SELECT max(finished_at) AS t FROM ${t.table('runs')} WHERE job = ${p.add(job)} AND status = ` +
      `'ok'${taskArn === undefined ? '' : ` AND task_arn = ${p.add(taskArn)}`}`,
    p.values,
  );
  return parseTs(r.rows[0]?.t);
}
