import type { ReplicationTaskApi, ReplicationTaskState } from './aws/dms.js';
import type { Clock } from './clock.js';
import { AwsStateError, errorMessage } from './errors.js';
import type { Logger } from './log.js';
import type { Hold, StateStore } from './state/store.js';

/**
 * Task control with holds: the one place that stops and resumes replication tasks. Every job
 * goes through {@link TaskControl.hold} and {@link TaskControl.release}:
 *
 * - `hold(task, owner, reason, until)` records the hold and stops the task if it is running
 *   (waiting until it is stopped). Holding twice is a no-op for the same owner.
 * - `release(task, owner)` removes the owner's hold and resumes the task with
 *   `resume-processing` only when no other hold remains **and** the task was running before the
 *   first hold was taken. A task a person stopped is therefore never resumed by the toolkit.
 *
 * Hold changes are serialised with a lock on the holds table (two companions cannot both think
 * they released the last hold). DMS stop/start: docs/aws-facts.md §4.
 */

export type HoldOwner = 'fixer' | 'maintenance' | 'memory' | 'person' | 'gapfill' | (string & {});

export interface HoldOptions {
  /** When the owner expects to release (informational; shown by `holds`). */
  until?: Date | undefined;
  runId?: string | undefined;
  /** Seconds to wait for the task to stop. */
  stopTimeout: number;
  /** Only record the hold; do not stop the task (a dry run never calls hold). */
  recordOnly?: boolean;
}

export interface HoldResult {
  /** The hold was already there. */
  alreadyHeld: boolean;
  /** This call stopped the task. */
  stopped: boolean;
  /** Task status when done. */
  status: string;
  /** Whether the task was running before the first hold. */
  wasRunning: boolean;
}

export interface ReleaseResult {
  released: boolean;
  resumed: boolean;
  /** Why the task was not resumed (other holds, was not running, failed…). */
  reason?: string | undefined;
  otherHolds: string[];
  status: string;
}

const RUNNING = new Set(['running', 'starting']);

export class TaskControl {
  constructor(
    private readonly tasks: ReplicationTaskApi,
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly resumeTimeout = 600,
  ) {}

  /** Active holds of a task (or all). */
  holds(taskArn?: string): Promise<Hold[]> {
    return this.store.ensureSchema().then(() => this.store.activeHolds(taskArn));
  }

  /**
   * Records a hold and stops the task if it runs.
   * @throws AwsStateError when the task does not stop in time — the hold is then released again
   *   (with the reason recorded) and the task resumed if this hold had stopped it.
   */
  async hold(taskArn: string, owner: HoldOwner, reason: string, o: HoldOptions): Promise<HoldResult> {
    const before = await this.tasks.describeTask(taskArn);
    const now = this.clock.now();
    const recorded = await this.store.withHoldsLocked(async (tx) => {
      const active = await this.store.activeHolds(taskArn, tx);
      const mine = active.find((h) => h.owner === owner);
      if (mine) return { alreadyHeld: true, wasRunning: mine.wasRunning, first: false };
      // A task stopping or stopped without a hold was stopped by someone else: never resumed by the toolkit.
      const wasRunning = active.length > 0 ? active[0]!.wasRunning : RUNNING.has(before.status);
      await this.store.insertHold(tx, {
        taskArn,
        owner,
        reason,
        createdAt: now,
        until: o.until,
        wasRunning,
        runId: o.runId,
      });
      return { alreadyHeld: false, wasRunning, first: active.length === 0 };
    });
    if (!recorded.alreadyHeld) this.log.info({ taskArn, owner, reason, wasRunning: recorded.wasRunning }, 'hold taken');
    if (o.recordOnly) return { ...recorded, stopped: false, status: before.status };

    let state = before;
    let stopped = false;
    try {
      if (state.status === 'starting') state = await this.tasks.waitForStatus(taskArn, 'running', o.stopTimeout);
      if (state.status === 'running') {
        this.log.info({ taskArn, owner }, 'stopping replication task');
        await this.tasks.stopTask(taskArn);
        stopped = true;
      }
      if (stopped || state.status === 'stopping')
        state = await this.tasks.waitForStatus(taskArn, 'stopped', o.stopTimeout);
    } catch (err) {
      this.log.error({ taskArn, owner, err: errorMessage(err) }, 'replication task did not stop; releasing the hold');
      await this.release(taskArn, owner, `stop failed: ${errorMessage(err)}`).catch((e: unknown) => {
        this.log.error({ taskArn, owner, err: errorMessage(e) }, 'releasing the hold after a failed stop failed too');
      });
      throw err instanceof AwsStateError
        ? err
        : new AwsStateError(`cannot stop replication task ${taskArn}: ${errorMessage(err)}`, { cause: err });
    }
    return { alreadyHeld: recorded.alreadyHeld, wasRunning: recorded.wasRunning, stopped, status: state.status };
  }

  /**
   * Removes `owner`'s hold and resumes the task when it was the last hold and the task was
   * running before the first one.
   * @throws AwsStateError when the resume was asked for but the task did not reach `running`.
   */
  async release(taskArn: string, owner: HoldOwner, reason: string): Promise<ReleaseResult> {
    const now = this.clock.now();
    const outcome = await this.store.withHoldsLocked(async (tx) => {
      const active = await this.store.activeHolds(taskArn, tx);
      const mine = active.filter((h) => h.owner === owner);
      if (mine.length === 0) return undefined;
      await this.store.releaseHold(tx, taskArn, owner, now, reason);
      return { others: active.filter((h) => h.owner !== owner), wasRunning: mine[0]!.wasRunning };
    });
    const state = await this.tasks.describeTask(taskArn);
    if (!outcome)
      return { released: false, resumed: false, reason: `no hold by ${owner}`, otherHolds: [], status: state.status };
    this.log.info({ taskArn, owner, reason }, 'hold released');
    const otherHolds = outcome.others.map((h) => h.owner);
    if (otherHolds.length > 0)
      return {
        released: true,
        resumed: false,
        reason: `still held by ${otherHolds.join(', ')}`,
        otherHolds,
        status: state.status,
      };
    if (!outcome.wasRunning)
      return {
        released: true,
        resumed: false,
        reason: 'the task was not running before the first hold',
        otherHolds,
        status: state.status,
      };
    return this.resumeIfStopped(taskArn, state, otherHolds);
  }

  private async resumeIfStopped(
    taskArn: string,
    state: ReplicationTaskState,
    otherHolds: string[],
  ): Promise<ReleaseResult> {
    if (RUNNING.has(state.status))
      return {
        released: true,
        resumed: false,
        reason: `task is already ${state.status}`,
        otherHolds,
        status: state.status,
      };
    if (state.status !== 'stopped') {
      this.log.error(
        { taskArn, status: state.status, lastFailure: state.lastFailureMessage },
        'replication task not resumed: it is not stopped',
      );
      return {
        released: true,
        resumed: false,
        reason: `task is ${state.status}, not stopped`,
        otherHolds,
        status: state.status,
      };
    }
    this.log.info({ taskArn }, 'resuming replication task (resume-processing)');
    await this.tasks.resumeTask(taskArn);
    const after = await this.tasks.waitForStatus(taskArn, 'running', this.resumeTimeout);
    return { released: true, resumed: true, otherHolds, status: after.status };
  }
}
