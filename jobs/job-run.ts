import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import { errorMessage, ShutdownError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { isConnectionError } from '../lib/sql/client.js';
import type { RunStatus } from '../lib/state/store.js';
import type { RunKind, RunSummary } from './run-summaries.js';
import type { JobDeps } from './runtime.js';

/**
 * The one sequence every job run follows: take the lease (two companions never run the same job on the same task,
 * table or cluster at once), record the run's start, do the work, record how it ended (with a typed summary),
 * release the lease. A dry run takes no lease and records nothing. An error becomes a `failed` run — `interrupted`
 * when it is a shutdown reaching a safe point — and, when `onError` is given, the job's own report of it.
 */

/** Lease lengths (seconds): how long a crashed companion can keep others from running the same job. */
export const leaseSeconds = {
  /** The window, plus a fixer run the checker may start. */
  checker: (c: Config) => Math.max(60, c.jobs.checker.window) + leaseSeconds.fixer(c),
  /** Stop and resume of the task, plus a margin for the repair itself. */
  fixer: (c: Config) => c.jobs.fixer.stopTimeout + c.jobs.fixer.resumeTimeout + FIXER_REPAIR_MARGIN_SECONDS,
  /** One table-day of gap-filling at most. */
  gapfill: () => 6 * 3600,
  /** One tick: a stop or resume of every task. */
  maintenanceGuard: () => 600,
  /** One tick: a stop and resume of each of the instance's tasks, one at a time. */
  memoryGuard: (c: Config, tasks: number) => Math.max(900, 2 * c.jobs.fixer.stopTimeout * tasks),
};

/** Margin on top of the stop and resume timeouts for a fixer run's lease and its hold's expected end (seconds). */
export const FIXER_REPAIR_MARGIN_SECONDS = 600;

export interface JobRunSpec<K extends RunKind, T> {
  /** Run-record kind (the job's name; `memory-restart` for one restart). */
  kind: K;
  runId: string;
  taskArn?: string | undefined;
  /** Lease name (unique per job and what it acts on) and length. */
  lease: { name: string; seconds: number };
  dryRun: boolean;
  log: Logger;
  /** The run-record status and summary of a result. */
  record: (result: T) => { status: RunStatus; summary: RunSummary<K> };
  /**
   * The job must still act when the state store is unreachable (the guards: stopping stays possible). The run then
   * goes ahead without a lease or run record, with a warning; task control journals its holds.
   */
  storeOptional?: boolean;
  /** The job's report of an error (the run is recorded `failed` or `interrupted`); without it the error is rethrown. */
  onError?: (err: unknown, interrupted: boolean) => T;
}

export type JobRunOutcome<T> = { ran: true; result: T } | { ran: false; reason: string };

/** Runs `work` under the lease with its run recorded. @throws what `work` throws when `onError` is not given. */
export async function withJobRun<K extends RunKind, T>(
  deps: JobDeps,
  spec: JobRunSpec<K, T>,
  work: () => Promise<T>,
): Promise<JobRunOutcome<T>> {
  if (spec.dryRun) {
    try {
      return { ran: true, result: await work() };
    } catch (err) {
      if (!spec.onError) throw err;
      return { ran: true, result: spec.onError(err, err instanceof ShutdownError) };
    }
  }
  const holder = `${hostname()}:${process.pid}:${spec.runId}`;
  const startedAt = deps.clock.now();
  let leased: boolean;
  try {
    leased = await deps.state.acquireLease(spec.lease.name, holder, startedAt, spec.lease.seconds);
  } catch (err) {
    if (!spec.storeOptional || !isConnectionError(err)) throw err;
    spec.log.warn({ err: errorMessage(err) }, 'state store unreachable: running without a lease or run record');
    return { ran: true, result: await withoutStore(spec, work) };
  }
  if (!leased) {
    return { ran: false, reason: `another companion holds the lease ${spec.lease.name}` };
  }
  const finish = (status: RunStatus, summary: unknown) =>
    deps.state
      .finishRun(spec.runId, spec.kind, spec.taskArn, deps.clock.now(), status, summary)
      .catch((err: unknown) => {
        spec.log.warn({ err: errorMessage(err) }, 'could not record the end of the run');
      });
  try {
    await deps.state.startRun({
      runId: spec.runId,
      job: spec.kind,
      taskArn: spec.taskArn,
      startedAt,
      status: 'running',
    });
    let result: T;
    try {
      result = await work();
    } catch (err) {
      const interrupted = err instanceof ShutdownError;
      if (!spec.onError) {
        await finish(interrupted ? 'interrupted' : 'failed', { error: errorMessage(err) });
        throw err;
      }
      result = spec.onError(err, interrupted);
      await finish(interrupted ? 'interrupted' : 'failed', spec.record(result).summary);
      return { ran: true, result };
    }
    const r = spec.record(result);
    await finish(r.status, r.summary);
    return { ran: true, result };
  } finally {
    await deps.state.releaseLease(spec.lease.name, holder).catch(() => undefined);
  }
}

/** A run while the state store is unreachable: the work, and the job's report of an error when it has one. */
async function withoutStore<K extends RunKind, T>(spec: JobRunSpec<K, T>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!spec.onError) throw err;
    return spec.onError(err, err instanceof ShutdownError);
  }
}
