import type { ReplicationTaskApi, ReplicationTaskState } from '../aws/dms.js';
import type { Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';
import type { HoldJournal } from './journal.js';
import { withRetries } from './retry.js';

/** Task control's settings; every one has a default. */
export interface TaskControlOptions {
  /** Seconds to wait for `running` after a resume (default 600). */
  resumeTimeout?: number;
  /** Circuit breaker: most StopReplicationTask calls per task in `stopWindow`, across all jobs (default 3). */
  maxStops?: number;
  /** Circuit breaker window (seconds, default 3600). */
  stopWindow?: number;
  /** Cool-down set for the owner's job after a failed stop, resume or repair (seconds, default 900). */
  failureCooldown?: number;
  /** Owners whose stops the breaker never refuses (they still count): safety stops. Default maintenance, person. */
  exemptOwners?: readonly string[];
  /** Attempts of one DMS call on throttling, timeouts and dropped connections (default 5). */
  apiAttempts?: number;
  /** StartReplicationTask attempts before a resume is left `resume-pending` for the next call (default 5). */
  resumeAttempts?: number;
  /** First back-off between attempts (seconds, default 2; doubles, at most 60). */
  retryDelay?: number;
  /** Seconds between DescribeReplicationTasks while waiting for a status (default 15, as the SDK's DMS waiters). */
  pollInterval?: number;
  /**
   * Seconds after StartReplicationTask during which `stopped` still means "not started yet" (default 120;
   * docs/aws-facts.md §4).
   */
  resumeGrace?: number;
  /** Where holds are kept while the state store is unreachable (default: in memory). */
  journal?: HoldJournal;
}

export type ResolvedOptions = Required<Omit<TaskControlOptions, 'journal'>>;

export const DEFAULT_OPTIONS: ResolvedOptions = {
  resumeTimeout: 600,
  maxStops: 3,
  stopWindow: 3600,
  failureCooldown: 900,
  exemptOwners: ['maintenance', 'person'],
  apiAttempts: 5,
  resumeAttempts: 5,
  retryDelay: 2,
  pollInterval: 15,
  resumeGrace: 120,
};

/** What every step of task control works with. */
export interface ControlContext {
  tasks: ReplicationTaskApi;
  store: StateStore;
  clock: Clock;
  log: Logger;
  o: ResolvedOptions;
  journal: HoldJournal;
}

/** DescribeReplicationTasks, retried on throttling, timeouts and dropped connections. */
export function describeTask(ctx: ControlContext, taskArn: string): Promise<ReplicationTaskState> {
  return withRetries(
    ctx.clock,
    ctx.o.apiAttempts,
    ctx.o.retryDelay,
    () => ctx.tasks.describeTask(taskArn),
    (err, n) =>
      ctx.log.warn({ taskArn, attempt: n, err: errorMessage(err) }, 'DescribeReplicationTasks failed; retrying'),
  );
}

/** Sets the cool-down of `owner`'s job after a failure (never throws: the failure itself is what matters). */
export async function coolDown(ctx: ControlContext, taskArn: string, job: string, reason: string): Promise<Date> {
  const until = new Date(ctx.clock.now().getTime() + ctx.o.failureCooldown * 1000);
  await ctx.store.setCooldown(taskArn, job, until, reason).catch((err: unknown) => {
    ctx.log.error({ taskArn, job, err: errorMessage(err) }, 'could not record the cool-down');
  });
  return until;
}
