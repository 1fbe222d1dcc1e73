import type { TaskConfig } from '../../config/schema.js';
import { taskDimensions } from '../../lib/aws/cloudwatch.js';
import { taskResourceId } from '../../lib/aws/dms.js';
import { errorMessage } from '../../lib/errors.js';
import { jobLogger, newRunId } from '../../lib/log.js';
import type { JobDeps } from '../runtime.js';
import { findRolledBackUpdates, type EvidenceSource } from '../../lib/dms/rollback-evidence.js';
import { taskIdentityOf } from '../../lib/dms/task-attribution.js';
import { parseApplyUpdate } from '../../lib/dms/apply-update.js';
import { countDmsStatements } from './statement-counts.js';
import { classifyTask, type CheckStatus } from './classify.js';
import { leaseSeconds, withJobRun } from '../job-run.js';
import { recentRunsOf } from '../run-summaries.js';

/**
 * The checker: spots one-by-one mode, per replication task, over the last window (3 minutes by
 * default, run every 3 minutes):
 *
 * - counts the UPDATEs the DMS database user ran on the task's tables (one per batch and table in
 *   batch mode, one per change in one-by-one mode — docs/aws-facts.md §2), and among them the
 *   single-row ones that do not go through the `awsdms_changes` table (none in batch mode), and
 *   the rolled-back UPDATEs that referenced an `awsdms_changes` table (docs/aws-facts.md §3);
 * - reads CDCLatencyTarget (seconds) for the window (docs/aws-facts.md §5);
 * - reports `ok`, `one-by-one` (a rolled-back DMS UPDATE, or more single-row UPDATEs than the threshold — and,
 *   with `historyFactor`, than that factor times the median of past windows), `stalled` (running,
 *   no DMS statement at all, CDCLatencyTarget at or above `stallLatency`), or `not-running`;
 * - on one-by-one, unless the fixer's cool-down for the task still runs, starts the fixer (in dry
 *   run when the checker runs dry).
 */

export type { CheckStatus } from './classify.js';

/** What the checker needs to know of a fixer run it started (jobs/registry.ts wires the fixer in). */
export interface FixRun {
  status: string;
}

export interface TaskCheck<F extends FixRun = FixRun> {
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
  fix?: F;
  /** True when the task still needs a person (a problem the run did not fix). */
  problem: boolean;
  error?: string;
}

export interface CheckerReport<F extends FixRun = FixRun> {
  job: 'checker';
  runId: string;
  checkedAt: string;
  dryRun: boolean;
  tasks: TaskCheck<F>[];
  /** Tasks with a problem the run did not fix. */
  problems: number;
}

export interface CheckerOptions<F extends FixRun> {
  tasks: TaskConfig[];
  dryRun: boolean;
  runId?: string;
  /** Starts the fixer for a task in one-by-one mode (dry when the checker runs dry), under the checker's run id. */
  startFixer: (task: TaskConfig, runId: string) => Promise<F>;
}

export async function runChecker<F extends FixRun>(deps: JobDeps, o: CheckerOptions<F>): Promise<CheckerReport<F>> {
  const runId = o.runId ?? newRunId();
  const now = deps.clock.now();
  const results: TaskCheck<F>[] = [];
  for (const task of o.tasks) results.push(await checkTask(deps, task, runId, now, o));
  return {
    job: 'checker',
    runId,
    checkedAt: now.toISOString(),
    dryRun: o.dryRun,
    tasks: results,
    problems: results.filter((r) => r.problem).length,
  };
}

async function checkTask<F extends FixRun>(
  deps: JobDeps,
  task: TaskConfig,
  runId: string,
  now: Date,
  o: CheckerOptions<F>,
): Promise<TaskCheck<F>> {
  const cfg = deps.config.jobs.checker;
  const log = jobLogger(deps.log, 'checker', runId, task.name);
  const from = new Date(now.getTime() - cfg.window * 1000);
  const base: TaskCheck<F> = {
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
  const run = await withJobRun(
    deps,
    {
      kind: 'checker',
      runId,
      taskArn: task.arn,
      lease: { name: `checker:${task.arn}`, seconds: leaseSeconds.checker(deps.config) },
      dryRun: o.dryRun,
      log,
      record: (r: TaskCheck<F>) => ({
        status: r.error ? 'failed' : r.problem ? 'problem' : 'ok',
        summary: {
          status: r.status,
          dmsUpdates: r.evidence.dmsUpdates,
          singleRowUpdates: r.evidence.singleRowUpdates,
          rolledBackUpdates: r.evidence.rolledBackUpdates,
          cdcLatencyTarget: r.evidence.cdcLatencyTarget,
          action: r.action,
        },
      }),
      onError: (err) => {
        log.error({ err: errorMessage(err) }, 'check failed');
        return { ...base, problem: true, error: errorMessage(err) };
      },
    },
    () => evaluate(deps, task, runId, base, from, now, o, log),
  );
  if (!run.ran) return { ...base, action: 'skipped', error: 'another companion is checking this task' };
  const result = run.result;
  log.info({ status: result.status, action: result.action, evidence: result.evidence }, `task ${result.status}`);
  return result;
}

async function evaluate<F extends FixRun>(
  deps: JobDeps,
  task: TaskConfig,
  runId: string,
  base: TaskCheck<F>,
  from: Date,
  now: Date,
  o: CheckerOptions<F>,
  log: ReturnType<typeof jobLogger>,
): Promise<TaskCheck<F>> {
  const cfg = deps.config.jobs.checker;
  const state = await deps.tasks.describeTask(task.arn);
  // What happened before the fixer's last successful run has been dealt with: judge what came after.
  const lastFix = await deps.state.lastSuccess('fixer', task.arn);
  const since = lastFix && lastFix > from ? lastFix : from;
  const identity = taskIdentityOf(task);
  const counts = await countDmsStatements(deps.target, deps.config.dmsUser, identity, since, now);
  const rolled = await findRolledBackUpdates(deps.target, deps.config.dmsUser, since, 20, identity);
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
    [
      {
        metric: 'CDCLatencyTarget',
        dimensions: taskDimensions(task.replicationInstance, taskResourceId(task.arn)),
        stat: 'Maximum',
      },
    ],
    from,
    now,
    Math.max(60, cfg.window),
  );
  const cdcLatencyTarget = latency && latency.length > 0 ? Math.max(...latency.map((d) => d.value)) : null;
  let historyMedian: number | undefined;
  if (cfg.historyFactor !== undefined) {
    const counts0 = (await recentRunsOf(deps.state, 'checker', task.arn, 20)).map((r) => r.summary.singleRowUpdates);
    if (counts0.length > 0) historyMedian = median(counts0);
  }
  const holds = await deps.state.activeHolds(task.arn).catch(() => []);
  const evidence: TaskCheck<F>['evidence'] = {
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
  const status = classifyTask(
    {
      taskStatus: state.status,
      rolledBackUpdates: ours.length,
      singleRowUpdates: counts.singleRowUpdates,
      dmsStatements: counts.statements,
      cdcLatencyTarget,
      historyMedian,
    },
    cfg,
  );
  const result: TaskCheck<F> = { ...base, status, evidence };

  if (status === 'not-running') return { ...result, problem: evidence.heldBy.length === 0 };
  if (status === 'stalled') return { ...result, problem: true };
  if (status !== 'one-by-one') return result;
  if (!cfg.runFixer || !deps.config.jobs.fixer.enabled) return { ...result, action: 'fixer-disabled', problem: true };
  const cooldown = await deps.state.cooldownUntil(task.arn, 'fixer', now);
  if (cooldown) return { ...result, action: 'cooldown', cooldownUntil: cooldown.toISOString(), problem: true };
  log.warn({ evidence }, 'one-by-one mode: starting the fixer');
  const fix = await o.startFixer(task, runId);
  // A dry run repairs nothing: the task still needs attention.
  return { ...result, action: 'fixer', fix, problem: fix.status !== 'repaired' };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
