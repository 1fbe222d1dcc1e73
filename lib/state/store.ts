import type { SqlClient, SqlExecutor } from '../sql/client.js';
import { selectCooldownUntil, insertCooldown } from './cooldowns.js';
import { insertHold, markHoldReleased, selectActiveHolds, updateHoldReason, type Hold } from './holds.js';
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

export type { Hold } from './holds.js';
export type { RepairLogEntry } from './repair-log.js';
export type { RunRecord, RunStatus } from './runs.js';
export { utcText } from './params.js';

/** A repair-log row as read back. */
export type StoredRepair = RepairLogEntry;

/**
 * Job state that survives container restarts: task holds (holds.ts), cool-downs (cooldowns.ts), run history
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
    await createStateTables(this.client, this.t);
    this.ready = true;
  }

  // ---- holds (holds.ts) ----

  /** Active holds (not released), oldest first; of one task or of all. */
  async activeHolds(taskArn?: string, exec: SqlExecutor = this.client): Promise<Hold[]> {
    if (exec === this.client) await this.ensureSchema();
    return selectActiveHolds(exec, this.t, taskArn);
  }

  insertHold(exec: SqlExecutor, h: Hold): Promise<void> {
    return insertHold(exec, this.t, h);
  }

  /** Marks a task's active holds of `owner` released. @returns how many. */
  releaseHold(exec: SqlExecutor, taskArn: string, owner: string, at: Date, reason: string): Promise<number> {
    return markHoldReleased(exec, this.t, taskArn, owner, at, reason);
  }

  /** Replaces the reason of a task's active hold of `owner` (an interrupted run says why the hold stays). */
  async noteHold(taskArn: string, owner: string, reason: string): Promise<void> {
    await this.withHoldsLocked((tx) => updateHoldReason(tx, this.t, taskArn, owner, reason));
  }

  /** Runs `fn` in a transaction holding the lock on the holds table (serialises hold changes). */
  async withHoldsLocked<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    await this.ensureSchema();
    return this.client.transaction(async (tx) => {
      await tx.query(`LOCK ${this.t.table('holds')}`);
      return fn(tx);
    });
  }

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
