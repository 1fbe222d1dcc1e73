import { hostname } from 'node:os';
import type { TaskConfig } from '../../config/schema.js';
import { taskDimensions } from '../../lib/aws/cloudwatch.js';
import { taskResourceId } from '../../lib/aws/dms.js';
import { errorMessage } from '../../lib/errors.js';
import { jobLogger, newRunId } from '../../lib/log.js';
import type { JobDeps } from '../runtime.js';
import { findRolledBackUpdates, type EvidenceSource } from '../../lib/dms/rollback-evidence.js';
import { runFixer, type FixerReport } from '../fixer/index.js';
import { parseApplyUpdate } from '../../lib/dms/apply-update.js';
import { countDmsStatements } from './statement-counts.js';

/**
 * The checker: spots one-by-one mode, per replication task, over the last window (3 minutes by
 * default, run every 3 minutes):
 *
 * - counts the UPDATEs the DMS database user ran on the task's tables (one per batch and table in
 *   batch mode, one per change in one-by-one mode — NOTES-DMS.md §2), and among them the
 *   single-row ones that do not go through the `awsdms_changes` table (none in batch mode), and
 *   the rolled-back UPDATEs that referenced an `awsdms_changes` table (NOTES-DMS.md §3);
 * - reads CDCLatencyTarget (seconds) for the window (NOTES-DMS.md §5);
 * - reports `ok`, `one-by-one` (a rolled-back DMS UPDATE, or more single-row UPDATEs than the threshold — and,
 *   with `historyFactor`, than that factor times the median of past windows), `stalled` (running,
 *   no DMS statement at all, CDCLatencyTarget at or above `stallLatency`), or `not-running`;
 * - on one-by-one, unless the fixer's cool-down for the task still runs, starts the fixer (in dry
 *   run when the checker runs dry).
 */

export type CheckStatus = 'ok' | 'one-by-one' | 'stalled' | 'not-running';

export interface TaskCheck {
  task: string;
  taskArn: string;
  status: CheckStatus;
  evidence: {
    /** UTC, ISO. */
    windowStart: string;
    windowEnd: string;
    taskStatus: string;
    /** Every UPDATE the DMS user ran on the task's tables in the window. */
    dmsUpdates: number;
    /** Of those, the single-row UPDATEs (not through awsdms_changes): what the threshold is compared with. */
    singleRowUpdates: number;
    dmsStatements: number;
    statementSource: string;
    rolledBackUpdates: number;
    rolledBackSource?: EvidenceSource | undefined;
    threshold: number;
    /** Median UPDATE count of past windows, when `historyFactor` is set and history exists. */
    historyMedian?: number | undefined;
    /** Highest CDCLatencyTarget in the window (seconds); null without datapoints. */
    cdcLatencyTarget: number | null;
    heldBy: string[];
  };
  /** What the checker did about it. */
  action: 'none' | 'fixer' | 'cooldown' | 'fixer-disabled' | 'skipped';
  cooldownUntil?: string;
  fix?: FixerReport;
  /** True when the task still needs a person (a problem the run did not fix). */
  problem: boolean;
  error?: string;
}

export interface CheckerReport {
  job: 'checker';
  runId: string;
  checkedAt: string;
  dryRun: boolean;
  tasks: TaskCheck[];
  /** Tasks with a problem the run did not fix. */
  problems: number;
}

export interface CheckerOptions {
  tasks: TaskConfig[];
  dryRun: boolean;
  runId?: string;
}

export async function runChecker(deps: JobDeps, o: CheckerOptions): Promise<CheckerReport> {
  const runId = o.runId ?? newRunId();
  const now = deps.clock.now();
  const results: TaskCheck[] = [];
  for (const task of o.tasks) results.push(await checkTask(deps, task, runId, now, o.dryRun));
  return { job: 'checker', runId, checkedAt: now.toISOString(), dryRun: o.dryRun, tasks: results, problems: results.filter((r) => r.problem).length };
}

async function checkTask(deps: JobDeps, task: TaskConfig, runId: string, now: Date, dryRun: boolean): Promise<TaskCheck> {
  const cfg = deps.config.jobs.checker;
  const log = jobLogger(deps.log, 'checker', runId, task.name);
  const from = new Date(now.getTime() - cfg.window * 1000);
  const base: TaskCheck = {
    task: task.name,
    taskArn: task.arn,
    status: 'ok',
    evidence: {
      windowStart: from.toISOString(),
      windowEnd: now.toISOString(),
      taskStatus: 'unknown',
      dmsUpdates: 0,
      singleRowUpdates: 0,
      dmsStatements: 0,
      statementSource: '',
      rolledBackUpdates: 0,
      threshold: cfg.updateThreshold,
      cdcLatencyTarget: null,
      heldBy: [],
    },
    action: 'none',
    problem: false,
  };
  const lease = `checker:${task.arn}`;
  const holder = `${hostname()}:${process.pid}:${runId}`;
  if (!dryRun && !(await deps.state.acquireLease(lease, holder, now, Math.max(60, cfg.window) + deps.config.jobs.fixer.stopTimeout + deps.config.jobs.fixer.resumeTimeout))) {
    return { ...base, action: 'skipped', error: 'another companion is checking this task' };
  }
  if (!dryRun) await deps.state.startRun({ runId, job: 'checker', taskArn: task.arn, startedAt: now, status: 'running' });
  let result: TaskCheck;
  try {
    result = await evaluate(deps, task, runId, base, from, now, dryRun, log);
  } catch (err) {
    log.error({ err: errorMessage(err) }, 'check failed');
    result = { ...base, problem: true, error: errorMessage(err) };
  } finally {
    if (!dryRun) await deps.state.releaseLease(lease, holder).catch(() => undefined);
  }
  if (!dryRun) {
    await deps.state
      .finishRun(runId, 'checker', task.arn, deps.clock.now(), result.error ? 'failed' : result.problem ? 'problem' : 'ok', {
        status: result.status,
        dmsUpdates: result.evidence.dmsUpdates,
        singleRowUpdates: result.evidence.singleRowUpdates,
        rolledBackUpdates: result.evidence.rolledBackUpdates,
        cdcLatencyTarget: result.evidence.cdcLatencyTarget,
        action: result.action,
      })
      .catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not record the run'));
  }
  log.info({ status: result.status, action: result.action, evidence: result.evidence }, `task ${result.status}`);
  return result;
}

async function evaluate(
  deps: JobDeps,
  task: TaskConfig,
  runId: string,
  base: TaskCheck,
  from: Date,
  now: Date,
  dryRun: boolean,
  log: ReturnType<typeof jobLogger>,
): Promise<TaskCheck> {
  const cfg = deps.config.jobs.checker;
  const state = await deps.tasks.describeTask(task.arn);
  // What happened before the fixer's last successful run has been dealt with: judge what came after.
  const lastFix = await deps.state.lastSuccess('fixer', task.arn);
  const since = lastFix && lastFix > from ? lastFix : from;
  const counts = await countDmsStatements(deps.target, deps.config.dmsUser, task.tables, since, now);
  const rolled = await findRolledBackUpdates(deps.target, deps.config.dmsUser, since);
  const taskTables = new Set(task.tables.map((t) => `${t.target.schema}.${t.target.name}`));
  const ours = rolled.updates.filter((u) => {
    try {
      const p = parseApplyUpdate(u.text);
      return taskTables.has(`${p.targetTable.schema}.${p.targetTable.name}`) && u.startTime < now;
    } catch {
      return false;
    }
  });
  const [latency] = await deps.metrics.getDmsMetrics(
    [{ metric: 'CDCLatencyTarget', dimensions: taskDimensions(task.replicationInstance, taskResourceId(task.arn)), stat: 'Maximum' }],
    from,
    now,
    Math.max(60, cfg.window),
  );
  const cdcLatencyTarget = latency && latency.length > 0 ? Math.max(...latency.map((d) => d.value)) : null;
  let historyMedian: number | undefined;
  if (cfg.historyFactor !== undefined) {
    const past = await deps.state.recentRuns('checker', task.arn, 20);
    const counts0 = past.map((r) => (r.summary as { singleRowUpdates?: number } | undefined)?.singleRowUpdates).filter((n): n is number => typeof n === 'number');
    if (counts0.length > 0) historyMedian = median(counts0);
  }
  const holds = await deps.state.activeHolds(task.arn).catch(() => []);
  const evidence: TaskCheck['evidence'] = {
    ...base.evidence,
    windowStart: since.toISOString(),
    taskStatus: state.status,
    dmsUpdates: counts.updates,
    singleRowUpdates: counts.singleRowUpdates,
    dmsStatements: counts.statements,
    statementSource: counts.source,
    rolledBackUpdates: ours.length,
    rolledBackSource: rolled.attempts.find((a) => a.outcome === 'used')?.source,
    historyMedian,
    cdcLatencyTarget,
    heldBy: holds.map((h) => h.owner),
  };
  const n = counts.singleRowUpdates;
  const overThreshold = n > cfg.updateThreshold && (historyMedian === undefined || cfg.historyFactor === undefined || n > cfg.historyFactor * historyMedian);
  let status: CheckStatus;
  if (state.status !== 'running') status = 'not-running';
  else if (ours.length > 0 || overThreshold) status = 'one-by-one';
  else if (counts.statements === 0 && cdcLatencyTarget !== null && cdcLatencyTarget >= cfg.stallLatency) status = 'stalled';
  else status = 'ok';
  const result: TaskCheck = { ...base, status, evidence };

  if (status === 'not-running') return { ...result, problem: evidence.heldBy.length === 0 };
  if (status === 'stalled') return { ...result, problem: true };
  if (status !== 'one-by-one') return result;
  if (!cfg.runFixer || !deps.config.jobs.fixer.enabled) return { ...result, action: 'fixer-disabled', problem: true };
  const cooldown = await deps.state.cooldownUntil(task.arn, 'fixer', now);
  if (cooldown) return { ...result, action: 'cooldown', cooldownUntil: cooldown.toISOString(), problem: true };
  log.warn({ evidence }, 'one-by-one mode: starting the fixer');
  const fix = await runFixer(deps, { task, dryRun, runId });
  // A dry run repairs nothing: the task still needs attention.
  return { ...result, action: 'fixer', fix, problem: fix.status !== 'repaired' };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
