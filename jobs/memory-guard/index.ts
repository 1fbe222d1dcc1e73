import type { TaskConfig } from '../../config/schema.js';
import { formatBytes } from '../../config/units.js';
import { instanceDimensions, type Datapoint } from '../../lib/aws/cloudwatch.js';
import { errorMessage } from '../../lib/errors.js';
import { jobLogger, newRunId, type Logger } from '../../lib/log.js';
import { leaseSeconds, withJobRun } from '../job-run.js';
import { recentRunsOf } from '../run-summaries.js';
import { decideMemory, inFullLoad, memoryThreshold, type MemoryDecision } from './decide.js';
import { instanceClassMemory } from '../../lib/aws/dms-instance-classes.js';
import type { JobDeps } from '../runtime.js';

/**
 * The memory guard: relieves a replication instance whose memory leaks by stopping and resuming
 * its tasks (through holds, owner `memory`) — never by rebooting the instance, which stops its tasks
 * into an error state that needs a person (docs/aws-facts.md §4.9, §15.7).
 *
 * A level-triggered reconciler: each tick reads `FreeableMemory` (bytes, minimum per minute) and
 * `SwapUsage` of each configured instance over the last `lookback` with GetMetricData (namespace
 * `AWS/DMS`, dimension `ReplicationInstanceIdentifier`, docs/aws-facts.md §5), and
 * - releases any `memory` hold left over from an interrupted restart;
 * - when the minimum is below `threshold` (1.5 GiB; with `thresholdFraction`, the lower of it and that fraction of
 *   the instance class's memory, read with DescribeReplicationInstances — {@link memoryThreshold}) and the instance swaps (SwapUsage above
 *   `swapThreshold`, 0 bytes: FreeableMemory includes cache — docs/aws-facts.md §15.1, §15.2),
 *   restarts every running task on the instance, one at a time, waiting for each to run again;
 * - guard rails: no datapoints, or only stale ones → no action and a warning; at most
 *   `maxRestarts` restarts per instance per `restartWindow` (then an alert and nothing); a task in
 *   full load (FullLoadProgressPercent < 100, never a `cdc` task: {@link inFullLoad}) is skipped unless `includeFullLoad`; after a restart,
 *   `recoveryTicks` ticks to recover — memory still low after that is an alert, not another restart.
 */

export type { MemoryDecision } from './decide.js';

export interface InstanceReport {
  instance: string;
  /** Latest FreeableMemory (bytes), its minimum over the look-back, latest SwapUsage. */
  freeableMemory: number | null;
  minimum: number | null;
  swapUsage: number | null;
  /** UTC, ISO. */
  latestDatapoint: string | null;
  threshold: number;
  decision: MemoryDecision;
  restartsInWindow: number;
  lastRestart?: string | undefined;
  restarted: { task: string; result: string; error?: string }[];
  skipped: { task: string; reason: string }[];
  warnings: string[];
}

export interface MemoryTickReport {
  job: 'memory-guard';
  runId: string;
  at: string;
  dryRun: boolean;
  instances: InstanceReport[];
}

const OWNER = 'memory';

export async function runMemoryTick(deps: JobDeps, o: { dryRun: boolean; runId?: string }): Promise<MemoryTickReport> {
  const runId = o.runId ?? newRunId();
  const now = deps.clock.now();
  const byInstance = new Map<string, TaskConfig[]>();
  for (const t of deps.config.tasks)
    byInstance.set(t.replicationInstance, [...(byInstance.get(t.replicationInstance) ?? []), t]);
  const instances: InstanceReport[] = [];
  for (const [instance, tasks] of byInstance)
    instances.push(await tickInstance(deps, instance, tasks, runId, now, o.dryRun));
  return { job: 'memory-guard', runId, at: now.toISOString(), dryRun: o.dryRun, instances };
}

async function tickInstance(
  deps: JobDeps,
  instance: string,
  tasks: TaskConfig[],
  runId: string,
  now: Date,
  dryRun: boolean,
): Promise<InstanceReport> {
  const cfg = deps.config.jobs.memoryGuard;
  const log = jobLogger(deps.log, 'memory-guard', runId).child({ instance });
  const r: InstanceReport = {
    instance,
    freeableMemory: null,
    minimum: null,
    swapUsage: null,
    latestDatapoint: null,
    threshold: cfg.threshold,
    decision: 'ok',
    restartsInWindow: 0,
    restarted: [],
    skipped: [],
    warnings: [],
  };
  const run = await withJobRun(
    deps,
    {
      kind: 'memory-guard',
      runId: `${runId}:${instance}`.slice(0, 64),
      lease: { name: `memory-guard:${instance}`, seconds: leaseSeconds.memoryGuard(deps.config, tasks.length) },
      dryRun,
      log,
      record: (x: InstanceReport) => ({
        status: x.restarted.some((y) => y.error) ? 'failed' : x.warnings.length ? 'problem' : 'ok',
        summary: { instance, decision: x.decision, minimum: x.minimum },
      }),
    },
    () => tickWork(deps, instance, tasks, runId, now, dryRun, r, log),
  );
  if (!run.ran) return { ...r, warnings: ['another companion is running the memory guard for this instance; skipped'] };
  return run.result;
}

async function tickWork(
  deps: JobDeps,
  instance: string,
  tasks: TaskConfig[],
  runId: string,
  now: Date,
  dryRun: boolean,
  r: InstanceReport,
  log: Logger,
): Promise<InstanceReport> {
  const cfg = deps.config.jobs.memoryGuard;
  // An interrupted restart leaves a memory hold: finish it (resume) first.
  const leftovers = (await deps.state.activeHolds()).filter(
    (h) => h.owner === OWNER && tasks.some((t) => t.arn === h.taskArn),
  );
  for (const h of leftovers) {
    if (dryRun) {
      r.warnings.push(`would release the memory hold left on ${h.taskArn}`);
      continue;
    }
    const rel = await deps.control
      .release(h.taskArn, OWNER, 'finishing an interrupted memory restart')
      .catch((err: unknown) => ({ resumed: false, reason: errorMessage(err) }));
    r.warnings.push(
      `released the memory hold left on ${h.taskArn}: ${rel.resumed ? 'resumed' : `not resumed (${rel.reason ?? ''})`}`,
    );
  }

  const [mem, swap] = await deps.metrics.getDmsMetrics(
    [
      { metric: 'FreeableMemory', dimensions: instanceDimensions(instance), stat: 'Minimum' },
      { metric: 'SwapUsage', dimensions: instanceDimensions(instance), stat: 'Maximum' },
    ],
    new Date(now.getTime() - cfg.lookback * 1000),
    now,
    60,
  );
  const points: Datapoint[] = mem ?? [];
  const latest = points[points.length - 1];
  r.swapUsage = swap?.[swap.length - 1]?.value ?? null;
  r.freeableMemory = latest?.value ?? null;
  r.latestDatapoint = latest?.timestamp.toISOString() ?? null;
  const fresh = latest !== undefined && now.getTime() - latest.timestamp.getTime() <= cfg.staleAfter * 1000;
  const restarts = fresh
    ? await restartHistory(deps, tasks, instance, new Date(now.getTime() - cfg.restartWindow * 1000))
    : [];
  const last = restarts[0];
  const ticksSinceRestart = last ? await ticksSince(deps, instance, last) : 0;
  const limit = memoryThreshold(
    { threshold: cfg.threshold, fraction: cfg.thresholdFraction },
    instance,
    cfg.thresholdFraction === undefined ? {} : await instanceClassOf(deps, instance),
  );
  if (limit.warning !== undefined) {
    r.decision = 'no-data';
    r.warnings.push(limit.warning);
    log.warn(limit.warning);
    return r;
  }
  r.threshold = limit.bytes;
  const verdict = decideMemory(
    { points, swap: swap ?? [], now, restarts, ticksSinceRestart },
    { ...cfg, threshold: limit.bytes },
    instance,
    formatBytes,
  );
  r.decision = verdict.decision;
  r.minimum = verdict.minimum;
  if (verdict.warning) r.warnings.push(verdict.warning);
  if (fresh) {
    r.restartsInWindow = restarts.length;
    r.lastRestart = last?.toISOString();
  }
  if (r.decision === 'restart') {
    log.warn(
      { minimum: r.minimum, threshold: r.threshold },
      `FreeableMemory ${formatBytes(r.minimum!)} below ${formatBytes(r.threshold)}: restarting the tasks one at a time`,
    );
    for (const task of tasks) {
      if (deps.signal?.aborted) {
        r.warnings.push('companion shutting down: remaining restarts left to the next tick');
        break;
      }
      await restartOne(deps, task, instance, runId, dryRun, r);
    }
  }
  for (const w of r.warnings) log.warn(w);
  return r;
}

async function restartOne(
  deps: JobDeps,
  task: TaskConfig,
  instance: string,
  runId: string,
  dryRun: boolean,
  r: InstanceReport,
): Promise<void> {
  const cfg = deps.config.jobs.memoryGuard;
  const state = await deps.tasks.describeTask(task.arn);
  if (state.status !== 'running') {
    r.skipped.push({ task: task.name, reason: `task is ${state.status}` });
    return;
  }
  if (!cfg.includeFullLoad && inFullLoad(state)) {
    r.skipped.push({
      task: task.name,
      reason: `full load at ${state.fullLoadProgressPercent}% (includeFullLoad is off)`,
    });
    return;
  }
  if (dryRun) {
    r.restarted.push({ task: task.name, result: 'would stop and resume (dry run)' });
    return;
  }
  const started = deps.clock.now();
  const log = jobLogger(deps.log, 'memory-guard', runId, task.name);
  const stopTimeout = deps.config.jobs.fixer.stopTimeout;
  await withJobRun(
    deps,
    {
      kind: 'memory-restart',
      runId: `${runId}:${task.name}`.slice(0, 64),
      taskArn: task.arn,
      lease: { name: `memory-restart:${task.arn}`, seconds: leaseSeconds.memoryGuard(deps.config, 1) },
      dryRun: false,
      log,
      record: (x: { resumed: boolean; error?: string }) => ({
        status: x.error ? 'failed' : 'ok',
        summary: { instance, tick: runId, resumed: x.resumed, error: x.error },
      }),
      onError: (err) => {
        r.restarted.push({ task: task.name, result: 'failed', error: errorMessage(err) });
        return { resumed: false, error: errorMessage(err) };
      },
    },
    async () => {
      await deps.control.hold(task.arn, OWNER, `FreeableMemory of ${instance} below ${formatBytes(r.threshold)}`, {
        until: new Date(started.getTime() + 2 * stopTimeout * 1000),
        stopTimeout,
        runId,
      });
      const rel = await deps.control.release(task.arn, OWNER, 'memory restart');
      r.restarted.push({
        task: task.name,
        result: rel.resumed ? 'stopped and resumed' : `stopped, not resumed: ${rel.reason ?? ''}`,
      });
      return { resumed: rel.resumed };
    },
  );
}

/** The instance's class and its memory (bytes, undefined when not in AWS's table), or why it could not be read. */
async function instanceClassOf(
  deps: JobDeps,
  instance: string,
): Promise<{ instanceClass?: string; memory?: number | undefined; classError?: string }> {
  try {
    const { instanceClass } = await deps.tasks.describeInstance(instance);
    return { instanceClass, memory: instanceClassMemory(instanceClass) };
  } catch (err) {
    return { classError: errorMessage(err) };
  }
}

/** Restart times on this instance since `since`, newest first. */
async function restartHistory(deps: JobDeps, tasks: TaskConfig[], instance: string, since: Date): Promise<Date[]> {
  // Tasks restarted in one tick count as one restart of the instance: the earliest time per tick.
  const byTick = new Map<string, Date>();
  for (const t of tasks) {
    const runs = await recentRunsOf(deps.state, 'memory-restart', t.arn, 100);
    for (const run of runs) {
      if (run.startedAt < since || run.summary.instance !== instance) continue;
      const tick = run.summary.tick;
      const seen = byTick.get(tick);
      if (!seen || run.startedAt < seen) byTick.set(tick, run.startedAt);
    }
  }
  return [...byTick.values()].sort((a, b) => b.getTime() - a.getTime());
}

/** Memory-guard ticks for the instance since `since` (from run history). */
async function ticksSince(deps: JobDeps, instance: string, since: Date): Promise<number> {
  const runs = await recentRunsOf(deps.state, 'memory-guard', undefined, 200);
  return runs.filter((r) => r.startedAt > since && r.summary.instance === instance).length;
}
