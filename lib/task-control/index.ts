import type { ReplicationTaskApi } from '../aws/dms.js';
import type { Clock } from '../clock.js';
import { AwsStateError, RefusedError } from '../errors.js';
import type { Logger } from '../log.js';
import { isConnectionError } from '../sql/client.js';
import type { Hold, HoldState, StateStore, Transition } from '../state/store.js';
import { coolDown, DEFAULT_OPTIONS, type ControlContext, type TaskControlOptions } from './context.js';
import { MemoryJournal } from './journal.js';
import { flushJournal, holdOffline, journalHolds, releaseOffline } from './offline.js';
import { releaseLocked } from './release-hold.js';
import { completeResume } from './resume-task.js';
import { jobOfOwner } from './states.js';
import { completeStop } from './stop-task.js';
import { takeHoldLocked, type TakeHoldInput } from './take-hold.js';

export type { TaskControlOptions } from './context.js';
export { FileJournal, MemoryJournal, type HoldJournal, type JournalRecord } from './journal.js';
export { isRetryable } from './retry.js';

/**
 * Task control with holds: the one place that stops and resumes replication tasks, as a small state machine per task
 * (lib/task-control/states.ts), every transition recorded (lib/state/transitions.ts). Every job goes through
 * {@link TaskControl.hold} and {@link TaskControl.release}:
 *
 * - `hold(task, owner, reason)` records the hold and stops the task if it runs (take-hold.ts, stop-task.ts). The
 *   status is read and StopReplicationTask sent inside the holds lock. A stop that times out keeps the hold
 *   (`stopping`); the next call for the task completes it. Holding twice is a no-op for the same owner.
 * - `release(task, owner)` resumes with `resume-processing` only when no other hold remains **and** the task was
 *   running before the first hold (release-hold.ts). The hold stays `resume-pending` until DMS reports `running`
 *   (resume-task.ts: throttling and timeouts retried with back-off), so a hold taken meanwhile supersedes the resume.
 * - A person's action is respected: a task started while held, or stopped while resuming, is left as the person left
 *   it; its holds are `abandoned` (logged at error level and reported) and no hold is taken on it again within the
 *   circuit-breaker window (except by a person).
 * - Circuit breaker (stop-budget.ts): at most `maxStops` stops per task per `stopWindow`, across all jobs; a failure
 *   sets the owner's job a cool-down.
 * - State store unreachable (offline.ts): stopping stays possible, holds and releases are journaled and written
 *   when the store returns; no resume is sent meanwhile.
 *
 * DMS stop/start: docs/aws-facts.md §4; retries: §31.
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
  /** The hold's state when done (`held` once the task is stopped). */
  state: HoldState;
  /** Written to the journal: the state store was unreachable. */
  journaled?: boolean;
}

export interface ReleaseResult {
  released: boolean;
  resumed: boolean;
  /** Why the task was not resumed (other holds, was not running, a person acted, …). */
  reason?: string | undefined;
  otherHolds: string[];
  status: string;
  /** A person acted on the task: the holds were abandoned (an alert). */
  abandoned?: boolean;
  /** Written to the journal: the state store was unreachable; the resume waits for it. */
  journaled?: boolean;
}

export interface ReleaseOptions {
  /** The owner's work failed (a repair that gave up, …): its job gets the failure cool-down. */
  failed?: boolean;
}

/** A hold refused by the circuit breaker or because a person acted on the task (an alert, not a retryable error). */
export class HoldRefusedError extends RefusedError {
  constructor(
    message: string,
    readonly breaker: boolean,
  ) {
    super(message);
  }
}

export class TaskControl {
  private readonly ctx: ControlContext;
  private flushing = false;

  /**
   * @param resumeTimeout seconds to wait for `running` after a resume (kept as a parameter for existing callers)
   */
  constructor(
    tasks: ReplicationTaskApi,
    store: StateStore,
    clock: Clock,
    log: Logger,
    resumeTimeout = 600,
    options: TaskControlOptions = {},
  ) {
    const o = { ...DEFAULT_OPTIONS, resumeTimeout, ...stripUndefined(options) };
    this.ctx = { tasks, store, clock, log, o, journal: options.journal ?? new MemoryJournal() };
  }

  /** Active holds of a task (or all), with their state; the journaled ones while the store is unreachable. */
  async holds(taskArn?: string): Promise<Hold[]> {
    await this.flush();
    try {
      await this.ctx.store.ensureSchema();
      const stored = await this.ctx.store.activeHolds(taskArn);
      return [...stored, ...journalHolds(this.ctx).filter((h) => taskArn === undefined || h.taskArn === taskArn)];
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      return journalHolds(this.ctx).filter((h) => taskArn === undefined || h.taskArn === taskArn);
    }
  }

  /** Recorded transitions of a task (or all), oldest first. */
  transitions(taskArn?: string, limit?: number): Promise<Transition[]> {
    return this.ctx.store.transitions(taskArn, limit);
  }

  /**
   * Records a hold and stops the task if it runs (waiting until it is stopped).
   * @throws HoldRefusedError when the circuit breaker refuses the stop or a person acted on the task (nothing held).
   * @throws AwsStateError when the task does not stop in time — the hold is KEPT (`stopping`), the next call for the
   *   task completes it, and the owner's job gets a cool-down.
   */
  async hold(taskArn: string, owner: HoldOwner, reason: string, o: HoldOptions): Promise<HoldResult> {
    await this.flush();
    const input: TakeHoldInput = { taskArn, owner, reason, until: o.until, runId: o.runId, recordOnly: o.recordOnly };
    let d;
    try {
      d = await this.ctx.store.withHoldsLocked((tx) => takeHoldLocked(this.ctx, tx, input));
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      return { ...(await holdOffline(this.ctx, input, o.stopTimeout)), journaled: true };
    }
    if (d.kind === 'refused') {
      this.ctx.log.error({ taskArn, owner, breaker: d.breaker }, d.why);
      await coolDown(this.ctx, taskArn, jobOfOwner(owner), d.why);
      throw new HoldRefusedError(d.why, d.breaker);
    }
    const base = { alreadyHeld: d.kind === 'already', wasRunning: d.hold.wasRunning };
    if (o.recordOnly || d.hold.state === 'held')
      return { ...base, stopped: false, status: d.status.status, state: d.hold.state };
    const status = await completeStop(this.ctx, taskArn, owner, o.stopTimeout);
    return {
      ...base,
      stopped: d.stopSent || (d.kind === 'taken' && d.status.status === 'running'),
      status,
      state: 'held',
    };
  }

  /**
   * Releases `owner`'s hold; resumes the task when it was the last hold and the task was running before the first.
   * @throws AwsStateError when the resume was sent but DMS did not confirm `running` — the hold stays
   *   `resume-pending` and the next call for the task (release, hold or {@link settle}) tries again.
   */
  async release(taskArn: string, owner: HoldOwner, reason: string, o: ReleaseOptions = {}): Promise<ReleaseResult> {
    await this.flush();
    if (o.failed) await coolDown(this.ctx, taskArn, jobOfOwner(owner), `${owner} failed: ${reason}`);
    let d;
    try {
      d = await this.ctx.store.withHoldsLocked((tx) => releaseLocked(this.ctx, tx, taskArn, owner, reason));
    } catch (err) {
      // While flushing, the journal keeps the record itself (the flush stops at the first connection error).
      if (!isConnectionError(err) || this.flushing) throw err;
      releaseOffline(this.ctx, taskArn, owner, reason);
      const why = 'state store unreachable: the release is journaled; the task is resumed when the store returns';
      return { released: true, resumed: false, reason: why, otherHolds: [], status: 'unknown', journaled: true };
    }
    if (d.kind === 'not-held') {
      const status = (await this.ctx.tasks.describeTask(taskArn)).status;
      return { released: false, resumed: false, reason: `no hold by ${owner}`, otherHolds: [], status };
    }
    if (d.kind === 'done')
      return {
        released: true,
        resumed: false,
        reason: d.why,
        otherHolds: d.otherHolds,
        status: d.status,
        abandoned: d.abandoned,
      };
    const r = await completeResume(this.ctx, taskArn, owner);
    return {
      released: true,
      resumed: r.resumed,
      reason: r.why,
      otherHolds: [],
      status: r.status,
      abandoned: r.abandoned,
    };
  }

  /**
   * Moves every unfinished hold of a task (or of all) on: a stop that timed out is awaited again, a resume that was
   * not confirmed is tried again. Guards call it every tick. @returns the holds still active afterwards.
   */
  async settle(taskArn?: string, stopTimeout = 60): Promise<Hold[]> {
    const holds = await this.holds(taskArn);
    for (const h of holds) {
      if (h.stateDetail === 'journaled while the state store was unreachable') continue;
      try {
        if (h.state === 'stop-requested' || h.state === 'stopping')
          await completeStop(this.ctx, h.taskArn, h.owner, stopTimeout);
        else if (h.state === 'resume-pending') await completeResume(this.ctx, h.taskArn, h.owner);
      } catch (err) {
        if (!(err instanceof AwsStateError) && !isConnectionError(err)) throw err;
      }
    }
    return this.holds(taskArn);
  }

  /** Writes journaled records into the store when it is reachable again (a no-op otherwise). */
  async flush(): Promise<number> {
    if (this.flushing || this.ctx.journal.pending().length === 0) return 0;
    this.flushing = true;
    try {
      return await flushJournal(this.ctx, (t, owner, reason) => this.release(t, owner, reason));
    } finally {
      this.flushing = false;
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
