import type { TaskConfig } from '../../config/schema.js';
import { clusterIsAvailable, type ClusterInfo } from '../../lib/aws/redshift.js';
import { errorMessage } from '../../lib/errors.js';
import { jobLogger, newRunId, type Logger } from '../../lib/log.js';
import { leaseSeconds, withJobRun } from '../job-run.js';
import { recentRunsOf } from '../run-summaries.js';
import type { JobDeps } from '../runtime.js';
import type { Hold } from '../../lib/state/store.js';
import { plannedResume, plannedStop, plannedWindows, type PlannedWindow } from './maintenance-window.js';

/**
 * The maintenance guard: keeps replication tasks stopped while the Redshift cluster they write to
 * is being maintained (a maintenance reboot silently breaks a running task — docs/aws-facts.md §6).
 *
 * A level-triggered reconciler, not a timer: each tick reads the cluster (`DescribeClusters`) and
 * the holds, works out what should be true now, and changes only the difference — so a restart of
 * the companion in the middle of a window does the right thing, and a second tick does nothing.
 *
 * - From `lead` (5 min) before a window's start until the later of the window's end and
 *   `start + hold − lead` (30 min after the start by default), every configured task is held
 *   (owner `maintenance`): a window is at least 30 minutes and AWS may use all of it (§61.1).
 * - The window is `NextMaintenanceWindowStartTime`, else the next occurrence of
 *   `PreferredMaintenanceWindow`; windows starting in a `DeferredMaintenanceWindows` span are
 *   skipped.
 * - The hold is released only when the cluster is `available`/`Available`. Past the planned
 *   resume the guard keeps the hold, alerts, and retries each tick up to `releaseRetries`; then it
 *   gives up and leaves the hold for a person (`dms-companion holds release`).
 * - A cluster unavailable outside any window (an unplanned reboot) is held for too, and released
 *   when it is available again.
 * - Tasks a person stopped, or that another hold keeps stopped, are never resumed (lib/task-control).
 */

export type MaintenancePhase = 'no-cluster' | 'idle' | 'holding' | 'waiting-for-cluster' | 'unplanned' | 'gave-up';

export interface MaintenanceAction {
  task: string;
  action: 'hold' | 'release' | 'none';
  /** What happened (or, in a dry run, would happen). */
  result: string;
  error?: string;
}

export interface MaintenanceTickReport {
  job: 'maintenance-guard';
  runId: string;
  /** UTC, ISO. */
  at: string;
  dryRun: boolean;
  cluster?: {
    identifier: string;
    status: string;
    availability?: string | undefined;
    preferredMaintenanceWindow?: string | undefined;
    nextMaintenanceWindowStartTime?: string | undefined;
    deferred: { start: string; end: string }[];
  };
  phase: MaintenancePhase;
  /** The window in progress or the next one, with the planned stop and resume (UTC, ISO). */
  window?: { start: string; end: string; source: PlannedWindow['source']; plannedStop: string; plannedResume: string };
  actions: MaintenanceAction[];
  alerts: string[];
}

export interface MaintenanceTickOptions {
  dryRun: boolean;
  runId?: string;
}

const OWNER = 'maintenance';

export async function runMaintenanceTick(deps: JobDeps, o: MaintenanceTickOptions): Promise<MaintenanceTickReport> {
  const runId = o.runId ?? newRunId();
  const log = jobLogger(deps.log, 'maintenance-guard', runId);
  const now = deps.clock.now();
  const report: MaintenanceTickReport = {
    job: 'maintenance-guard',
    runId,
    at: now.toISOString(),
    dryRun: o.dryRun,
    phase: 'idle',
    actions: [],
    alerts: [],
  };
  const clusterId = deps.config.cluster?.identifier;
  if (!clusterId) return { ...report, phase: 'no-cluster' };
  const run = await withJobRun(
    deps,
    {
      kind: 'maintenance-guard',
      runId,
      lease: { name: `maintenance-guard:${clusterId}`, seconds: leaseSeconds.maintenanceGuard() },
      dryRun: o.dryRun,
      log,
      storeOptional: true,
      record: (r: MaintenanceTickReport) => ({
        status: r.actions.some((x) => x.error) ? 'failed' : r.alerts.length > 0 ? 'problem' : 'ok',
        summary: {
          phase: r.phase,
          windowStart: r.window?.start,
          actions: r.actions.filter((x) => x.action !== 'none').map((x) => `${x.task}:${x.action}`),
        },
      }),
    },
    () => tick(deps, clusterId, report, now, o.dryRun, log),
  );
  if (!run.ran) return { ...report, alerts: ['another companion is running the maintenance guard; skipped'] };
  return run.result;
}

/** One tick: where the cluster and its windows stand, what every task should be, and the holds taken or released. */
async function tick(
  deps: JobDeps,
  clusterId: string,
  report: MaintenanceTickReport,
  now: Date,
  dryRun: boolean,
  log: Logger,
): Promise<MaintenanceTickReport> {
  const cfg = deps.config.jobs.maintenanceGuard;
  const c = await deps.clusters.describeCluster(clusterId);
  report.cluster = describe(c);
  const available = clusterIsAvailable(c);
  const windows = plannedWindows(c, now, cfg.hold);
  const stopAt = (w: PlannedWindow) => plannedStop(w, cfg.lead);
  const resumeAt = (w: PlannedWindow) => plannedResume(w, cfg.hold, cfg.lead);
  const current = windows.find((w) => now >= stopAt(w) && now < resumeAt(w));
  const shown = current ?? windows.find((w) => stopAt(w) > now) ?? windows.find((w) => resumeAt(w) <= now);
  if (shown)
    report.window = {
      start: shown.start.toISOString(),
      end: shown.end.toISOString(),
      source: shown.source,
      plannedStop: stopAt(shown).toISOString(),
      plannedResume: resumeAt(shown).toISOString(),
    };

  // Stops that timed out and resumes DMS did not confirm are moved on first; holds come from task control, which
  // answers from its journal while the state store is unreachable.
  const holds = (dryRun ? await deps.control.holds() : await settleHolds(deps, log)).filter((h) => h.owner === OWNER);
  const heldTasks = new Set(holds.map((h) => h.taskArn));
  let desired: 'hold' | 'release';
  if (current) {
    desired = 'hold';
    report.phase = 'holding';
  } else if (!available) {
    desired = 'hold';
    report.phase = heldTasks.size > 0 ? 'waiting-for-cluster' : 'unplanned';
    if (report.phase === 'unplanned')
      report.alerts.push(
        `cluster ${clusterId} is ${c.status}/${c.availability ?? '?'} outside any maintenance window: holding the tasks until it is available`,
      );
  } else {
    desired = 'release';
    report.phase = 'idle';
  }
  if (report.phase === 'waiting-for-cluster') {
    const tries = await waitingTicks(deps, holds);
    if (tries >= cfg.releaseRetries) {
      report.phase = 'gave-up';
      report.alerts.push(
        `cluster ${clusterId} still ${c.status}/${c.availability ?? '?'} after ${tries} ticks past the planned resume: the tasks stay held; release ` +
          `them by hand once it is available (dms-companion holds release --task T --owner maintenance)`,
      );
    } else {
      report.alerts.push(
        `cluster ${clusterId} is ${c.status}/${c.availability ?? '?'} past the planned resume: keeping the hold (tick ${tries + 1} of ${cfg.releaseRetries})`,
      );
    }
  }
  for (const task of deps.config.tasks) {
    if (deps.signal?.aborted) break; // the next tick reconciles the rest
    report.actions.push(await reconcile(deps, task, desired, heldTasks.has(task.arn), report, dryRun, shown, resumeAt));
  }
  for (const a of report.alerts) log.error({ phase: report.phase }, a);
  log.info(
    { phase: report.phase, window: report.window, actions: report.actions.filter((a) => a.action !== 'none') },
    `maintenance guard: ${report.phase}`,
  );
  return report;
}

async function reconcile(
  deps: JobDeps,
  task: TaskConfig,
  desired: 'hold' | 'release',
  held: boolean,
  report: MaintenanceTickReport,
  dryRun: boolean,
  window: PlannedWindow | undefined,
  resumeAt: (w: PlannedWindow) => Date,
): Promise<MaintenanceAction> {
  if (desired === 'hold' && !held) {
    if (dryRun) return { task: task.name, action: 'hold', result: 'would stop the task (dry run)' };
    const reason =
      report.phase === 'holding' && window
        ? `Redshift maintenance window ${window.start.toISOString()}`
        : `cluster ${report.cluster?.identifier ?? ''} unavailable (${report.cluster?.status ?? '?'})`;
    try {
      const r = await deps.control.hold(task.arn, OWNER, reason, {
        until: window && report.phase === 'holding' ? resumeAt(window) : undefined,
        stopTimeout: deps.config.jobs.fixer.stopTimeout,
      });
      return { task: task.name, action: 'hold', result: r.stopped ? 'stopped' : `held (task ${r.status})` };
    } catch (err) {
      return { task: task.name, action: 'hold', result: 'failed', error: errorMessage(err) };
    }
  }
  if (desired === 'release' && held) {
    if (dryRun) return { task: task.name, action: 'release', result: 'would release the hold (dry run)' };
    try {
      const r = await deps.control.release(task.arn, OWNER, 'maintenance over and cluster available');
      return { task: task.name, action: 'release', result: r.resumed ? 'resumed' : `not resumed: ${r.reason ?? ''}` };
    } catch (err) {
      return { task: task.name, action: 'release', result: 'failed', error: errorMessage(err) };
    }
  }
  return { task: task.name, action: 'none', result: held ? 'held' : 'not held' };
}

/** Every task's unfinished holds moved on (lib/task-control settle); the holds afterwards. */
async function settleHolds(deps: JobDeps, log: Logger): Promise<Hold[]> {
  try {
    return await deps.control.settle(undefined, deps.config.jobs.fixer.stopTimeout);
  } catch (err) {
    log.error({ err: errorMessage(err) }, 'could not settle the holds');
    return deps.control.holds();
  }
}

/** Ticks spent waiting for the cluster since the oldest maintenance hold's planned release (from run history). */
async function waitingTicks(deps: JobDeps, holds: Hold[]): Promise<number> {
  const since = holds
    .map((h) => h.until?.getTime() ?? h.createdAt.getTime())
    .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  // Without the state store (unreachable) there is no history: the tick counts as the first.
  const runs = await recentRunsOf(deps.state, 'maintenance-guard', undefined, 500).catch(() => []);
  return runs.filter((r) => r.startedAt.getTime() >= since && r.summary.phase === 'waiting-for-cluster').length;
}

function describe(c: ClusterInfo): NonNullable<MaintenanceTickReport['cluster']> {
  return {
    identifier: c.identifier,
    status: c.status,
    availability: c.availability,
    preferredMaintenanceWindow: c.preferredMaintenanceWindow,
    nextMaintenanceWindowStartTime: c.nextMaintenanceWindowStartTime?.toISOString(),
    deferred: c.deferredMaintenanceWindows.map((d) => ({ start: d.start.toISOString(), end: d.end.toISOString() })),
  };
}
