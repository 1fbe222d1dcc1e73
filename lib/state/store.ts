import type { SqlClient, SqlExecutor } from '../sql/client.js';
import { selectCooldownUntil, insertCooldown } from './cooldowns.js';
import {
  insertHold,
  markHoldReleased,
  selectHoldActiveAt,
  selectActiveHolds,
  updateHoldReason,
  updateHoldState,
  type Hold,
  type HoldState,
} from './holds.js';
import { dropLease, takeLease } from './leases.js';
import { insertRepairs, selectRepairs, type RepairLogEntry } from './repair-log.js';
import {
  insertRun,
  selectLastSuccess,
  selectRecentRuns,
  updateRunFinished,
  type RunRecord,
  type RunStatus,
} from './runs.js';
import { createStateTables, StateTables, type StateTable } from './tables.js';
import {
  countStopsSince,
  insertTransition,
  selectLastAbandoned,
  selectTransitions,
  type Transition,
} from './transitions.js';

export type { Hold, HoldState } from './holds.js';
export type { Transition } from './transitions.js';
export type { RepairLogEntry } from './repair-log.js';
export type { RunRecord, RunStatus } from './runs.js';
export { utcText } from './params.js';

/** A repair-log row as read back. */
export type StoredRepair = RepairLogEntry;

/**
 * Job state that survives container restarts: task holds (holds.ts) and their transitions (transitions.ts), cool-downs (cooldowns.ts), run history
 * (runs.ts), leases (leases.ts) and the append-only repair log (repair-log.ts), each table in its own module. Kept in
 * a schema (`dms_companion` by default) on the Redshift target, or in a PostgreSQL database named in the config —
 * never only in memory, never on the source.
 *
 * The SQL runs on Redshift and PostgreSQL alike: no ON CONFLICT, no reliance on keys; writes that must not race take
 * `LOCK <table>` inside their transaction. Times are UTC `TIMESTAMP`s written from the job's clock (bound as text),
 * never the database's own now().
 */
export class StateStore {
  private readonly t: StateTables;
  private ready = false;
  private creating: Promise<void> | undefined;

  /**
   * @param client the target (default) or the state database
   * @param schema the schema holding the state tables
   */
  constructor(
    readonly client: SqlClient,
    readonly schema: string,
  ) {
    this.t = new StateTables(schema);
  }

  /** `"schema"."table"`. */
  table(name: StateTable): string {
    return this.t.table(name);
  }

  /** True when the store lives on the target itself (repairs can log in their own transaction). */
  get onTarget(): boolean {
    return this.client.role === 'target';
  }

  /** Creates the schema and tables when missing (idempotent, cheap). */
  async ensureSchema(): Promise<void> {
    if (this.ready) return;
    // Concurrent callers (tables gap-filled side by side) share one creation: PostgreSQL's
    // CREATE … IF NOT EXISTS is not safe against itself running at the same moment.
    this.creating ??= createStateTables(this.client, this.t).finally(() => {
      this.creating = undefined;
    });
    await this.creating;
    this.ready = true;
  }

  // ---- holds (holds.ts) ----

  /** Active holds (not released), oldest first; of one task or of all. */
  async activeHolds(taskArn?: string, exec: SqlExecutor = this.client): Promise<Hold[]> {
    if (exec === this.client) await this.ensureSchema();
    return selectActiveHolds(exec, this.t, taskArn);
  }

  /** The first hold of a task that was active at `at` (a journaled hold inherits its "was running"). */
  holdActiveAt(exec: SqlExecutor, taskArn: string, at: Date): Promise<Hold | undefined> {
    return selectHoldActiveAt(exec, this.t, taskArn, at);
  }

  insertHold(exec: SqlExecutor, h: Hold): Promise<void> {
    return insertHold(exec, this.t, h);
  }

  /** Marks a task's active holds of `owner` released. @returns how many. */
  releaseHold(exec: SqlExecutor, taskArn: string, owner: string, at: Date, reason: string): Promise<number> {
    return markHoldReleased(exec, this.t, taskArn, owner, at, reason);
  }

  /** Moves the active hold of `owner` to `state` (a final state releases it). @returns how many rows changed. */
  setHoldState(
    exec: SqlExecutor,
    taskArn: string,
    owner: string,
    state: HoldState,
    at: Date,
    detail: string,
    releaseReason?: string,
  ): Promise<number> {
    return updateHoldState(exec, this.t, taskArn, owner, state, at, detail, releaseReason);
  }

  // ---- transitions (transitions.ts) ----

  addTransition(exec: SqlExecutor, x: Transition): Promise<void> {
    return insertTransition(exec, this.t, x);
  }

  /** Transitions of a task (or all), oldest first; the newest `limit`. */
  async transitions(taskArn?: string, limit = 200, exec: SqlExecutor = this.client): Promise<Transition[]> {
    if (exec === this.client) await this.ensureSchema();
    return selectTransitions(exec, this.t, taskArn, limit);
  }

  /** StopReplicationTask calls the companion sent for a task since `since`. */
  stopsSince(exec: SqlExecutor, taskArn: string, since: Date): Promise<number> {
    return countStopsSince(exec, this.t, taskArn, since);
  }

  /** The latest time a person's action made the companion abandon a hold of the task, since `since`. */
  lastAbandoned(exec: SqlExecutor, taskArn: string, since: Date): Promise<Date | undefined> {
    return selectLastAbandoned(exec, this.t, taskArn, since);
  }

  /** Replaces the reason of a task's active hold of `owner` (an interrupted run says why the hold stays). */
  async noteHold(taskArn: string, owner: string, reason: string): Promise<void> {
    await this.withHoldsLocked((tx) => updateHoldReason(tx, this.t, taskArn, owner, reason));
  }

  /** Runs `fn` in a transaction holding the lock on the holds table (serialises hold changes). */
  async withHoldsLocked<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    await this.ensureSchema();
    return this.client.transaction(async (tx) => {
      await this.lockTimeout(tx);
      await tx.query(`LOCK ${this.t.table('holds')}`);
      return fn(tx);
    });
  }

  /**
   * Bounds the wait for the holds lock: a PostgreSQL store sets `lock_timeout` for the transaction; Redshift has no
   * lock_timeout (docs/aws-facts.md §30), so there the statement timeout of the connection bounds it.
   */
  private async lockTimeout(tx: SqlExecutor): Promise<void> {
    if (this.client.dialect !== 'postgres') return;
    await tx.query(`SET LOCAL lock_timeout = ${Math.round(this.holdsLockTimeoutSeconds * 1000)}`);
  }

  /** Longest wait for the holds lock on a PostgreSQL store (seconds). */
  holdsLockTimeoutSeconds = 60;

  // ---- cool-downs (cooldowns.ts) ----

  /** The end of the task's cool-down for `job`, if it is still running at `now`. */
  async cooldownUntil(taskArn: string, job: string, now: Date): Promise<Date | undefined> {
    await this.ensureSchema();
    return selectCooldownUntil(this.client, this.t, taskArn, job, now);
  }

  async setCooldown(taskArn: string, job: string, until: Date, reason: string): Promise<void> {
    await this.ensureSchema();
    await insertCooldown(this.client, this.t, taskArn, job, until, reason);
  }

  // ---- run history (runs.ts) ----

  async startRun(r: RunRecord): Promise<void> {
    await this.ensureSchema();
    await insertRun(this.client, this.t, r);
  }

  async finishRun(
    runId: string,
    job: string,
    taskArn: string | undefined,
    finishedAt: Date,
    status: RunStatus,
    summary: unknown,
  ): Promise<void> {
    await this.ensureSchema();
    await updateRunFinished(this.client, this.t, runId, job, taskArn, finishedAt, status, summary);
  }

  /** Finished runs of a job (and task), newest first. */
  async recentRuns(job: string, taskArn: string | undefined, limit: number): Promise<RunRecord[]> {
    await this.ensureSchema();
    return selectRecentRuns(this.client, this.t, job, taskArn, limit);
  }

  /** Latest successful (`ok`) finish per job, for health checks and catch-up. */
  async lastSuccess(job: string, taskArn?: string): Promise<Date | undefined> {
    await this.ensureSchema();
    return selectLastSuccess(this.client, this.t, job, taskArn);
  }

  // ---- repair log (repair-log.ts) ----

  /** Appends repair-log rows (in the caller's transaction when `exec` is one). */
  async logRepairs(exec: SqlExecutor, entries: readonly RepairLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await insertRepairs(exec, this.t, entries);
  }

  /** Repair-log rows, oldest first, optionally of one task. */
  async repairs(taskArn?: string): Promise<StoredRepair[]> {
    await this.ensureSchema();
    return selectRepairs(this.client, this.t, taskArn);
  }

  // ---- leases (leases.ts) ----

  /**
   * Takes the lease `name` for `holder` until `now + ttlSeconds`, unless another holder has an
   * unexpired one. @returns true when taken (or already held by `holder`).
   */
  async acquireLease(name: string, holder: string, now: Date, ttlSeconds: number): Promise<boolean> {
    await this.ensureSchema();
    return takeLease(this.client, this.t, name, holder, now, ttlSeconds);
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.ensureSchema();
    await dropLease(this.client, this.t, name, holder);
  }
}
