import type { SqlClient, SqlExecutor, SqlParam } from '../sql/client.js';
import { asBool, asText } from '../sql/coerce.js';
import { quoteIdent } from '../sql/quote.js';

/**
 * Job state that survives container restarts: task holds, cool-downs, run history, leases, and
 * the append-only repair log. Kept in a schema (`dms_companion` by default) on the Redshift
 * target, or in a PostgreSQL database named in the config — never only in memory, never on the
 * source.
 *
 * The SQL runs on Redshift and PostgreSQL alike: VARCHAR/TIMESTAMP/BOOLEAN columns only, no
 * reliance on PRIMARY KEY or UNIQUE (Redshift does not enforce them), no ON CONFLICT; writes that
 * must not race take `LOCK <table>` inside their transaction. Times are UTC `TIMESTAMP`s written
 * from the job's clock (bound as text), never the database's own now(). NULL is written as the
 * keyword, not as a parameter (the Data API cannot bind NULL, NOTES-DMS.md §8).
 */

export interface Hold {
  taskArn: string;
  /** `fixer`, `maintenance`, `memory`, `person`, … */
  owner: string;
  reason: string;
  createdAt: Date;
  /** When the owner expects to release it (informational; a person's hold has none). */
  until?: Date | undefined;
  /** The task was running when the first of its holds was taken. */
  wasRunning: boolean;
  runId?: string | undefined;
}

export interface RunRecord {
  runId: string;
  job: string;
  taskArn?: string | undefined;
  startedAt: Date;
  finishedAt?: Date | undefined;
  /**
   * `running`, `ok`, `problem` (found something it could not fix), `failed`, `interrupted` (stopped
   * at a safe point by a shutdown; the next daemon start runs it again).
   */
  status: 'running' | 'ok' | 'problem' | 'failed' | 'interrupted';
  /** A JSON summary of the run (counts, evidence). */
  summary?: unknown;
}

export interface RepairLogEntry {
  runId: string;
  job: string;
  taskArn: string;
  /** `schema.table` on the target. */
  table: string;
  /** `col=value[,col=value]`. */
  key: string;
  /** `insert`, `delete`, `replace`. */
  action: 'insert' | 'delete' | 'replace';
  reason: string;
  /** The evidence: a query id of the rolled-back UPDATE, or a gap-filling segment. */
  evidence: string;
  at: Date;
}

export type StoredRepair = RepairLogEntry;

/** UTC text for a TIMESTAMP column. */
export function utcText(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

function parseTs(v: unknown): Date | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return v;
  const s = asText(v);
  return new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
}

/** `$n` for a value, or the keyword NULL (which a Data API parameter cannot carry). */
class Params {
  readonly values: SqlParam[] = [];
  add(v: string | number | boolean | Date | undefined | null): string {
    if (v === undefined || v === null) return 'NULL';
    this.values.push(v instanceof Date ? utcText(v) : v);
    return `$${this.values.length}`;
  }
}

export class StateStore {
  private readonly s: string;
  private ready = false;

  /**
   * @param client the target (default) or the state database
   * @param schema the schema holding the state tables
   */
  constructor(
    readonly client: SqlClient,
    readonly schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  /** `"schema"."table"`. */
  table(name: 'holds' | 'cooldowns' | 'runs' | 'repair_log' | 'leases'): string {
    return `${this.s}.${quoteIdent(name)}`;
  }

  /** True when the store lives on the target itself (repairs can log in their own transaction). */
  get onTarget(): boolean {
    return this.client.role === 'target';
  }

  /** Creates the schema and tables when missing (idempotent, cheap). */
  async ensureSchema(): Promise<void> {
    if (this.ready) return;
    const ddl = [
      `CREATE SCHEMA IF NOT EXISTS ${this.s}`,
      `CREATE TABLE IF NOT EXISTS ${this.table('holds')} (task_arn VARCHAR(2048) NOT NULL, owner VARCHAR(64) NOT NULL, reason VARCHAR(4096), created_at TIMESTAMP NOT NULL, until_at TIMESTAMP, was_running BOOLEAN NOT NULL, run_id VARCHAR(64), released_at TIMESTAMP, release_reason VARCHAR(4096))`,
      `CREATE TABLE IF NOT EXISTS ${this.table('cooldowns')} (task_arn VARCHAR(2048) NOT NULL, job VARCHAR(64) NOT NULL, until_at TIMESTAMP NOT NULL, reason VARCHAR(4096))`,
      `CREATE TABLE IF NOT EXISTS ${this.table('runs')} (run_id VARCHAR(64) NOT NULL, job VARCHAR(64) NOT NULL, task_arn VARCHAR(2048), started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, status VARCHAR(16) NOT NULL, summary VARCHAR(65535))`,
      `CREATE TABLE IF NOT EXISTS ${this.table('repair_log')} (run_id VARCHAR(64) NOT NULL, job VARCHAR(64) NOT NULL, task_arn VARCHAR(2048) NOT NULL, table_name VARCHAR(512) NOT NULL, key_text VARCHAR(4096) NOT NULL, action VARCHAR(16) NOT NULL, reason VARCHAR(4096), evidence VARCHAR(1024), logged_at TIMESTAMP NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${this.table('leases')} (name VARCHAR(2200) NOT NULL, holder VARCHAR(256) NOT NULL, acquired_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL)`,
    ];
    for (const d of ddl) {
      try {
        await this.client.query(d);
      } catch (err) {
        // Two companions creating the same object at once: the loser sees "already exists".
        if (!['42P06', '42P07', '23505'].includes((err as { sqlState?: string }).sqlState ?? '')) throw err;
      }
    }
    this.ready = true;
  }

  // ---- holds ----

  /** Active holds (not released), oldest first; of one task or of all. */
  async activeHolds(taskArn?: string, exec: SqlExecutor = this.client): Promise<Hold[]> {
    if (exec === this.client) await this.ensureSchema();
    const p = new Params();
    const where = taskArn === undefined ? '' : `AND task_arn = ${p.add(taskArn)}`;
    const r = await exec.query<Record<string, unknown>>(
      `SELECT task_arn, owner, reason, created_at, until_at, was_running, run_id FROM ${this.table('holds')} WHERE released_at IS NULL ${where} ORDER BY created_at, owner`,
      p.values,
    );
    return r.rows.map((x) => ({
      taskArn: asText(x.task_arn),
      owner: asText(x.owner),
      reason: asText(x.reason),
      createdAt: parseTs(x.created_at)!,
      until: parseTs(x.until_at),
      wasRunning: asBool(x.was_running),
      runId: x.run_id === null || x.run_id === undefined ? undefined : asText(x.run_id),
    }));
  }

  async insertHold(exec: SqlExecutor, h: Hold): Promise<void> {
    const p = new Params();
    await exec.query(
      `INSERT INTO ${this.table('holds')} (task_arn, owner, reason, created_at, until_at, was_running, run_id) VALUES (${p.add(h.taskArn)}, ${p.add(h.owner)}, ${p.add(h.reason)}, ${p.add(h.createdAt)}, ${p.add(h.until)}, ${h.wasRunning ? 'TRUE' : 'FALSE'}, ${p.add(h.runId)})`,
      p.values,
    );
  }

  /** Marks a task's active holds of `owner` released. @returns how many. */
  async releaseHold(exec: SqlExecutor, taskArn: string, owner: string, at: Date, reason: string): Promise<number> {
    const p = new Params();
    const r = await exec.query(
      `UPDATE ${this.table('holds')} SET released_at = ${p.add(at)}, release_reason = ${p.add(reason)} WHERE task_arn = ${p.add(taskArn)} AND owner = ${p.add(owner)} AND released_at IS NULL`,
      p.values,
    );
    return r.rowCount;
  }

  /** Replaces the reason of a task's active hold of `owner` (an interrupted run says why the hold stays). */
  async noteHold(taskArn: string, owner: string, reason: string): Promise<void> {
    await this.withHoldsLocked(async (tx) => {
      const p = new Params();
      await tx.query(`UPDATE ${this.table('holds')} SET reason = ${p.add(reason.slice(0, 4096))} WHERE task_arn = ${p.add(taskArn)} AND owner = ${p.add(owner)} AND released_at IS NULL`, p.values);
    });
  }

  /** Runs `fn` in a transaction holding the lock on the holds table (serialises hold changes). */
  async withHoldsLocked<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    await this.ensureSchema();
    return this.client.transaction(async (tx) => {
      await tx.query(`LOCK ${this.table('holds')}`);
      return fn(tx);
    });
  }

  // ---- cool-downs ----

  /** The end of the task's cool-down for `job`, if it is still running at `now`. */
  async cooldownUntil(taskArn: string, job: string, now: Date): Promise<Date | undefined> {
    await this.ensureSchema();
    const p = new Params();
    const r = await this.client.query<{ until_at: unknown }>(
      `SELECT max(until_at) AS until_at FROM ${this.table('cooldowns')} WHERE task_arn = ${p.add(taskArn)} AND job = ${p.add(job)} AND until_at > ${p.add(now)}`,
      p.values,
    );
    return parseTs(r.rows[0]?.until_at);
  }

  async setCooldown(taskArn: string, job: string, until: Date, reason: string): Promise<void> {
    await this.ensureSchema();
    const p = new Params();
    await this.client.query(`INSERT INTO ${this.table('cooldowns')} (task_arn, job, until_at, reason) VALUES (${p.add(taskArn)}, ${p.add(job)}, ${p.add(until)}, ${p.add(reason)})`, p.values);
  }

  // ---- run history ----

  async startRun(r: RunRecord): Promise<void> {
    await this.ensureSchema();
    const p = new Params();
    await this.client.query(
      `INSERT INTO ${this.table('runs')} (run_id, job, task_arn, started_at, status) VALUES (${p.add(r.runId)}, ${p.add(r.job)}, ${p.add(r.taskArn)}, ${p.add(r.startedAt)}, 'running')`,
      p.values,
    );
  }

  async finishRun(runId: string, job: string, taskArn: string | undefined, finishedAt: Date, status: RunRecord['status'], summary: unknown): Promise<void> {
    await this.ensureSchema();
    const p = new Params();
    const text = JSON.stringify(summary ?? null);
    await this.client.query(
      `UPDATE ${this.table('runs')} SET finished_at = ${p.add(finishedAt)}, status = ${p.add(status)}, summary = ${p.add(text.length > 65000 ? `${text.slice(0, 65000)}…` : text)}
        WHERE run_id = ${p.add(runId)} AND job = ${p.add(job)} AND ${taskArn === undefined ? 'task_arn IS NULL' : `task_arn = ${p.add(taskArn)}`}`,
      p.values,
    );
  }

  /** Finished runs of a job (and task), newest first. */
  async recentRuns(job: string, taskArn: string | undefined, limit: number): Promise<RunRecord[]> {
    await this.ensureSchema();
    const p = new Params();
    const r = await this.client.query<Record<string, unknown>>(
      `SELECT run_id, job, task_arn, started_at, finished_at, status, summary FROM ${this.table('runs')}
        WHERE job = ${p.add(job)} AND ${taskArn === undefined ? 'task_arn IS NULL' : `task_arn = ${p.add(taskArn)}`} AND finished_at IS NOT NULL
        ORDER BY started_at DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
      p.values,
    );
    return r.rows.map((x) => ({
      runId: asText(x.run_id),
      job: asText(x.job),
      taskArn: x.task_arn === null ? undefined : asText(x.task_arn),
      startedAt: parseTs(x.started_at)!,
      finishedAt: parseTs(x.finished_at),
      status: asText(x.status) as RunRecord['status'],
      summary: x.summary === null || x.summary === undefined ? undefined : (JSON.parse(asText(x.summary)) as unknown),
    }));
  }

  /** Latest successful (`ok`) finish per job, for health checks and catch-up. */
  async lastSuccess(job: string, taskArn?: string): Promise<Date | undefined> {
    await this.ensureSchema();
    const p = new Params();
    const r = await this.client.query<{ t: unknown }>(
      `SELECT max(finished_at) AS t FROM ${this.table('runs')} WHERE job = ${p.add(job)} AND status = 'ok'${taskArn === undefined ? '' : ` AND task_arn = ${p.add(taskArn)}`}`,
      p.values,
    );
    return parseTs(r.rows[0]?.t);
  }

  // ---- repair log ----

  /** Appends repair-log rows (in the caller's transaction when `exec` is one). */
  async logRepairs(exec: SqlExecutor, entries: readonly RepairLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    for (let i = 0; i < entries.length; i += 200) {
      const p = new Params();
      const values = entries
        .slice(i, i + 200)
        .map((e) => `(${p.add(e.runId)}, ${p.add(e.job)}, ${p.add(e.taskArn)}, ${p.add(e.table)}, ${p.add(e.key)}, ${p.add(e.action)}, ${p.add(e.reason)}, ${p.add(e.evidence)}, ${p.add(e.at)})`);
      await exec.query(`INSERT INTO ${this.table('repair_log')} (run_id, job, task_arn, table_name, key_text, action, reason, evidence, logged_at) VALUES ${values.join(', ')}`, p.values);
    }
  }

  /** Repair-log rows, oldest first, optionally of one task. */
  async repairs(taskArn?: string): Promise<StoredRepair[]> {
    await this.ensureSchema();
    const p = new Params();
    const r = await this.client.query<Record<string, unknown>>(
      `SELECT run_id, job, task_arn, table_name, key_text, action, reason, evidence, logged_at FROM ${this.table('repair_log')}${taskArn === undefined ? '' : ` WHERE task_arn = ${p.add(taskArn)}`} ORDER BY logged_at, table_name, key_text`,
      p.values,
    );
    return r.rows.map((x) => ({
      runId: asText(x.run_id),
      job: asText(x.job),
      taskArn: asText(x.task_arn),
      table: asText(x.table_name),
      key: asText(x.key_text),
      action: asText(x.action) as RepairLogEntry['action'],
      reason: asText(x.reason),
      evidence: asText(x.evidence),
      at: parseTs(x.logged_at)!,
    }));
  }

  // ---- leases ----

  /**
   * Takes the lease `name` for `holder` until `now + ttlSeconds`, unless another holder has an
   * unexpired one. @returns true when taken (or already held by `holder`).
   */
  async acquireLease(name: string, holder: string, now: Date, ttlSeconds: number): Promise<boolean> {
    await this.ensureSchema();
    return this.client.transaction(async (tx) => {
      await tx.query(`LOCK ${this.table('leases')}`);
      const p = new Params();
      const r = await tx.query<{ holder: string }>(`SELECT holder FROM ${this.table('leases')} WHERE name = ${p.add(name)} AND expires_at > ${p.add(now)}`, p.values);
      if (r.rows.some((x) => x.holder !== holder)) return false;
      const d = new Params();
      await tx.query(`DELETE FROM ${this.table('leases')} WHERE name = ${d.add(name)}`, d.values);
      const i = new Params();
      await tx.query(
        `INSERT INTO ${this.table('leases')} (name, holder, acquired_at, expires_at) VALUES (${i.add(name)}, ${i.add(holder)}, ${i.add(now)}, ${i.add(new Date(now.getTime() + ttlSeconds * 1000))})`,
        i.values,
      );
      return true;
    });
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.ensureSchema();
    const p = new Params();
    await this.client.query(`DELETE FROM ${this.table('leases')} WHERE name = ${p.add(name)} AND holder = ${p.add(holder)}`, p.values);
  }
}
