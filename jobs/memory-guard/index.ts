import { hostname } from 'node:os';
import type { TaskConfig } from '../../config/schema.js';
import { formatBytes } from '../../config/units.js';
import { instanceDimensions, type Datapoint } from '../../lib/aws/cloudwatch.js';
import { errorMessage } from '../../lib/errors.js';
import { jobLogger, newRunId } from '../../lib/log.js';
import type { JobDeps } from '../runtime.js';

/**
 * The memory guard: relieves a replication instance whose memory leaks by stopping and resuming
 * its tasks (through holds, owner `memory`) — never by rebooting the instance, which stops tasks
 * into an error state and has lost data (NOTES-DMS.md §4).
 *
 * A level-triggered reconciler: each tick reads `FreeableMemory` (bytes, minimum per minute) and
 * `SwapUsage` of each configured instance over the last `lookback` with GetMetricData (namespace
 * `AWS/DMS`, dimension `ReplicationInstanceIdentifier`, NOTES-DMS.md §5), and
 * - releases any `memory` hold left over from an interrupted restart;
 * - when the minimum is below `threshold` (1.5 GiB), restarts every running task on the instance,
 *   one at a time, waiting for each to run again;
 * - guard rails: no datapoints, or only stale ones → no action and a warning; at most
 *   `maxRestarts` restarts per instance per `restartWindow` (then an alert and nothing); a task in
 *   full load (FullLoadProgressPercent < 100) is skipped unless `includeFullLoad`; after a restart,
 *   `recoveryTicks` ticks to recover — memory still low after that is an alert, not another restart.
 */

export type MemoryDecision = 'ok' | 'restart' | 'no-data' | 'waiting-for-recovery' | 'not-recovered' | 'restart-limit';

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
  for (const t of deps.config.tasks) byInstance.set(t.replicationInstance, [...(byInstance.get(t.replicationInstance) ?? []), t]);
  const instances: InstanceReport[] = [];
  for (const [instance, tasks] of byInstance) instances.push(await tickInstance(deps, instance, tasks, runId, now, o.dryRun));
  return { job: 'memory-guard', runId, at: now.toISOString(), dryRun: o.dryRun, instances };
}

async function tickInstance(deps: JobDeps, instance: string, tasks: TaskConfig[], runId: string, now: Date, dryRun: boolean): Promise<InstanceReport> {
  const cfg = deps.config.jobs.memoryGuard;
  const log = jobLogger(deps.log, 'memory-guard', runId).child({ instance });
  const r: InstanceReport = { instance, freeableMemory: null, minimum: null, swapUsage: null, latestDatapoint: null, threshold: cfg.threshold, decision: 'ok', restartsInWindow: 0, restarted: [], skipped: [], warnings: [] };
  const lease = `memory-guard:${instance}`;
  const holder = `${hostname()}:${process.pid}:${runId}`;
  if (!dryRun && !(await deps.state.acquireLease(lease, holder, now, Math.max(900, 2 * deps.config.jobs.fixer.stopTimeout * tasks.length)))) {
    return { ...r, warnings: ['another companion is running the memory guard for this instance; skipped'] };
  }
  try {
    // An interrupted restart leaves a memory hold: finish it (resume) first.
    const leftovers = (await deps.state.activeHolds()).filter((h) => h.owner === OWNER && tasks.some((t) => t.arn === h.taskArn));
    for (const h of leftovers) {
      if (dryRun) {
        r.warnings.push(`would release the memory hold left on ${h.taskArn}`);
        continue;
      }
      const rel = await deps.control.release(h.taskArn, OWNER, 'finishing an interrupted memory restart').catch((err: unknown) => ({ resumed: false, reason: errorMessage(err) }));
      r.warnings.push(`released the memory hold left on ${h.taskArn}: ${rel.resumed ? 'resumed' : `not resumed (${rel.reason ?? ''})`}`);
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
    let points: Datapoint[] = mem ?? [];
    const latest = points[points.length - 1];
    r.swapUsage = swap?.[swap.length - 1]?.value ?? null;
    if (!latest) {
      r.decision = 'no-data';
      r.warnings.push(`no FreeableMemory datapoints for ${instance} in the last ${cfg.lookback} s: no action`);
      return r;
    }
    r.freeableMemory = latest.value;
    r.latestDatapoint = latest.timestamp.toISOString();
    if (now.getTime() - latest.timestamp.getTime() > cfg.staleAfter * 1000) {
      r.decision = 'no-data';
      r.warnings.push(`the latest FreeableMemory datapoint for ${instance} is from ${latest.timestamp.toISOString()}, older than ${cfg.staleAfter} s: no action`);
      return r;
    }
    const restarts = await restartHistory(deps, tasks, instance, new Date(now.getTime() - cfg.restartWindow * 1000));
    r.restartsInWindow = restarts.length;
    const last = restarts[0];
    r.lastRestart = last?.toISOString();
    // What happened before the last restart is history: judge the memory since.
    if (last) points = points.filter((p) => p.timestamp > last);
    r.minimum = points.length > 0 ? Math.min(...points.map((p) => p.value)) : null;
    if (r.minimum === null) {
      r.decision = 'waiting-for-recovery';
    } else if (r.minimum >= cfg.threshold) {
      r.decision = 'ok';
    } else if (last && !points.some((p) => p.value >= cfg.threshold)) {
      // Memory has not come back since the last restart.
      const ticks = await ticksSince(deps, instance, last);
      r.decision = ticks < cfg.recoveryTicks ? 'waiting-for-recovery' : 'not-recovered';
      if (r.decision === 'not-recovered') r.warnings.push(`FreeableMemory of ${instance} is still ${formatBytes(r.minimum)} after the restart at ${last.toISOString()}: not restarting again; the instance needs a person`);
    } else if (restarts.length >= cfg.maxRestarts) {
      r.decision = 'restart-limit';
      r.warnings.push(`${restarts.length} restarts of ${instance} within ${cfg.restartWindow} s (limit ${cfg.maxRestarts}): not restarting again; the instance needs a person`);
    } else {
      r.decision = 'restart';
    }
    if (r.decision === 'restart') {
      log.warn({ minimum: r.minimum, threshold: cfg.threshold }, `FreeableMemory ${formatBytes(r.minimum!)} below ${formatBytes(cfg.threshold)}: restarting the tasks one at a time`);
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
  } finally {
    if (!dryRun) {
      await deps.state.startRun({ runId: `${runId}:${instance}`.slice(0, 64), job: 'memory-guard', startedAt: now, status: 'running' }).catch(() => undefined);
      await deps.state
        .finishRun(`${runId}:${instance}`.slice(0, 64), 'memory-guard', undefined, deps.clock.now(), r.restarted.some((x) => x.error) ? 'failed' : r.warnings.length ? 'problem' : 'ok', { instance, decision: r.decision, minimum: r.minimum })
        .catch(() => undefined);
      await deps.state.releaseLease(lease, holder).catch(() => undefined);
    }
  }
}

async function restartOne(deps: JobDeps, task: TaskConfig, instance: string, runId: string, dryRun: boolean, r: InstanceReport): Promise<void> {
  const cfg = deps.config.jobs.memoryGuard;
  const state = await deps.tasks.describeTask(task.arn);
  if (state.status !== 'running') {
    r.skipped.push({ task: task.name, reason: `task is ${state.status}` });
    return;
  }
  if (!cfg.includeFullLoad && state.fullLoadProgressPercent !== undefined && state.fullLoadProgressPercent < 100) {
    r.skipped.push({ task: task.name, reason: `full load at ${state.fullLoadProgressPercent}% (includeFullLoad is off)` });
    return;
  }
  if (dryRun) {
    r.restarted.push({ task: task.name, result: 'would stop and resume (dry run)' });
    return;
  }
  const started = deps.clock.now();
  const restartId = `${runId}:${task.name}`.slice(0, 64);
  await deps.state.startRun({ runId: restartId, job: 'memory-restart', taskArn: task.arn, startedAt: started, status: 'running' });
  try {
    await deps.control.hold(task.arn, OWNER, `FreeableMemory of ${instance} below ${formatBytes(cfg.threshold)}`, { until: new Date(started.getTime() + 2 * deps.config.jobs.fixer.stopTimeout * 1000), stopTimeout: deps.config.jobs.fixer.stopTimeout, runId });
    const rel = await deps.control.release(task.arn, OWNER, 'memory restart');
    r.restarted.push({ task: task.name, result: rel.resumed ? 'stopped and resumed' : `stopped, not resumed: ${rel.reason ?? ''}` });
    await deps.state.finishRun(restartId, 'memory-restart', task.arn, deps.clock.now(), 'ok', { instance, tick: runId, resumed: rel.resumed });
  } catch (err) {
    r.restarted.push({ task: task.name, result: 'failed', error: errorMessage(err) });
    await deps.state.finishRun(restartId, 'memory-restart', task.arn, deps.clock.now(), 'failed', { instance, tick: runId, error: errorMessage(err) }).catch(() => undefined);
  }
}

/** Restart times on this instance since `since`, newest first. */
async function restartHistory(deps: JobDeps, tasks: TaskConfig[], instance: string, since: Date): Promise<Date[]> {
  // Tasks restarted in one tick count as one restart of the instance: the earliest time per tick.
  const byTick = new Map<string, Date>();
  for (const t of tasks) {
    const runs = await deps.state.recentRuns('memory-restart', t.arn, 100);
    for (const run of runs) {
      const s = run.summary as { instance?: string; tick?: string } | undefined;
      if (run.startedAt < since || s?.instance !== instance) continue;
      const tick = s.tick ?? run.runId;
      const seen = byTick.get(tick);
      if (!seen || run.startedAt < seen) byTick.set(tick, run.startedAt);
    }
  }
  return [...byTick.values()].sort((a, b) => b.getTime() - a.getTime());
}

/** Memory-guard ticks for the instance since `since` (from run history). */
async function ticksSince(deps: JobDeps, instance: string, since: Date): Promise<number> {
  const runs = await deps.state.recentRuns('memory-guard', undefined, 200);
  return runs.filter((r) => r.startedAt > since && (r.summary as { instance?: string } | undefined)?.instance === instance).length;
}
