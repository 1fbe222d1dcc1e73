import { createHash, randomBytes } from 'node:crypto';
import type { ReplicationTaskStatus } from '../../lib/aws/dms.js';
import { taskResourceId } from '../../lib/aws/dms.js';
import type { Clock } from '../../lib/clock.js';
import { errorMessage } from '../../lib/errors.js';
import type { SqlClient, SqlExecutor } from '../../lib/sql/client.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../../lib/sql/quote.js';
import {
  buildInserts,
  describeSourceTable,
  generateDdl,
  insertStatements,
  planTable,
  targetTypeSql,
  toRedshiftLiteral,
  type TablePlan,
  type WriteOptions,
} from '../../lib/typemap/index.js';
import { nextXid, recordStatement, recordTransactionEnd } from '../redshift/record.js';
import { ChangeCapture, type CapturedChange } from './capture.js';
import { netChanges, type BatchChange, type NetEntry } from './net.js';
import { CapturePipeline, type ArmedLag, type CaptureLag } from './pipeline.js';
import { changesLoadText, DEFAULT_DMS_VARIANT, type DmsVariant } from './variants.js';
import {
  bulkDelete,
  bulkInsert,
  bulkUpdate,
  type ApplyTable,
  type ShapeOptions,
  type StatementText,
} from './statements.js';

/**
 * One simulated DMS replication task (PostgreSQL source → emulated Redshift target), following
 * docs/aws-facts.md §1–§3:
 * - capture in commit order (logical decoding, sim/dms/capture.ts), with an optional capture lag
 *   per change, released in commit order (sim/dms/pipeline.ts, docs/aws-facts.md §98–§99);
 * - batch apply: net changes loaded into `dms.awsdms_changes<suffix>` (committed on its own), then
 *   per table a set-based DELETE, INSERT and UPDATE over a seq range, in one transaction, each
 *   recorded in the emulated system tables as the DMS user;
 * - one-by-one mode: when the bulk UPDATE touches fewer rows than changes in its range, the
 *   transaction is rolled back (recorded as such), and the batch is re-applied change by change;
 *   a single-row UPDATE that touches nothing goes to `dms.awsdms_apply_exceptions`; the task
 *   stays in one-by-one mode until it is stopped and resumed (the changes table keeps the failed
 *   batch meanwhile);
 * - a status lifecycle (starting → running → stopping → stopped, failed) with stop and
 *   resume-processing (resuming from the first change not yet applied: nothing lost, nothing twice);
 * - a time cost per batch and per one-by-one statement, so that target latency climbs as in
 *   production when the task goes one-by-one.
 *
 * Simplifications: the capture queue lives in memory (the slot is consumed as changes are read),
 * so a simulator process restart is not a DMS restart; one task per changes table; TRUNCATE is
 * not replicated.
 */

export interface SimTableSpec {
  source: QualifiedName;
  target: QualifiedName;
  primaryKey: string[];
}

export interface SimTaskSpec {
  /** Task name (ReplicationTaskIdentifier). */
  name: string;
  arn: string;
  replicationInstance: string;
  tables: SimTableSpec[];
}

export interface SimTaskSettings {
  shape: ShapeOptions;
  /** BatchApplyTimeoutMin (seconds): a batch is applied once its oldest change is this old. */
  batchTimeoutMin: number;
  /** At most this many changes per batch (BatchSplitSize-like). */
  batchMaxChanges: number;
  /** Simulated time one batch takes (ms). */
  batchCostMs: number;
  /** Simulated time one statement takes in one-by-one mode (ms). */
  oneByOneCostMs: number;
  /** Simulated time a stop and a start take (ms). */
  stopDelayMs: number;
  startDelayMs: number;
  /** The schema holding the changes and control tables. */
  controlSchema: string;
  writeOptions: WriteOptions;
  /** Behaviours AWS leaves open (sim/dms/variants.ts). */
  variant: DmsVariant;
  /** Lag between a source commit and the change reaching apply (sim/dms/pipeline.ts); none when absent. */
  captureLag?: CaptureLag | undefined;
}

export const DEFAULT_TASK_SETTINGS: SimTaskSettings = {
  shape: { shape: 'no-from' },
  batchTimeoutMin: 1,
  batchMaxChanges: 5000,
  batchCostMs: 100,
  oneByOneCostMs: 250,
  stopDelayMs: 3000,
  startDelayMs: 3000,
  controlSchema: 'dms',
  writeOptions: { booleanText: 'true/false', truncateText: false, arrayFormat: 'json', infinity: 'error' },
  variant: DEFAULT_DMS_VARIANT,
};

export interface SimClients {
  /** Source as a superuser with the typemap's session settings and parsers (capture, full load). */
  sourceCapture: SqlClient;
  /** Target as a superuser (system-table records, control tables). */
  targetAdmin: SqlClient;
  /** Target as the DMS user (all applies). */
  targetDms: SqlClient;
  dmsUser: string;
}

/** What a fault hook decides for a captured change. */
export type ChangeVerdict = 'apply' | 'lose' | 'duplicate';

export interface SimTaskEvents {
  /** Called for every captured change; returns what happens to it (faults). */
  onCapture?(task: SimTask, change: CapturedChange): ChangeVerdict;
  /** Called when the task goes one-by-one. */
  onOneByOne?(task: SimTask, at: Date): void;
}

type Pending = BatchChange;

export class SimTask {
  status: ReplicationTaskStatus = 'ready';
  mode: 'batch' | 'one-by-one' = 'batch';
  /** Running but silently applying nothing (after a maintenance reboot). */
  stalled = false;
  stopReason: string | undefined;
  lastFailureMessage: string | undefined;
  readonly changesTable: QualifiedName;
  readonly exceptionsTable: QualifiedName;
  readonly plans: TablePlan[] = [];
  private readonly applyTables: ApplyTable[] = [];
  private readonly capture: ChangeCapture;
  private pending: Pending[] = [];
  private readonly pipeline: CapturePipeline<Pending>;
  private armedLags: ArmedLag[] = [];
  private oneByOneQueue: NetEntry[] = [];
  private busyUntil = 0;
  private transitionAt = 0;
  private nextChangesSeq = 1;
  private loads = 0;
  private readonly pid: number;
  /** Counters for the status line and tests. */
  readonly counters = {
    captured: 0,
    applied: 0,
    lost: 0,
    batches: 0,
    rolledBack: 0,
    oneByOneStatements: 0,
    exceptions: 0,
  };
  /** Times (ms) the task was resumed, for the memory model. */
  lastResumedAt = 0;

  constructor(
    readonly spec: SimTaskSpec,
    private readonly settings: SimTaskSettings,
    private readonly clients: SimClients,
    private readonly clock: Clock,
    private readonly events: SimTaskEvents = {},
  ) {
    const suffix = createHash('sha256').update(spec.arn).digest('hex').slice(0, 16);
    this.changesTable = { schema: settings.controlSchema, name: `awsdms_changes${suffix}` };
    this.exceptionsTable = { schema: settings.controlSchema, name: 'awsdms_apply_exceptions' };
    this.pid = 20000 + (parseInt(suffix.slice(0, 4), 16) % 10000);
    this.pipeline = new CapturePipeline(settings.captureLag);
    // Slots are cluster-wide: the name is unique per simulated task instance.
    this.capture = new ChangeCapture(
      clients.sourceCapture,
      `dms_sim_${suffix}_${randomBytes(4).toString('hex')}`,
      spec.tables.map((t) => ({ source: t.source, primaryKey: t.primaryKey })),
    );
  }

  get arn(): string {
    return this.spec.arn;
  }

  /** Changes committed on the source and not yet applied (still in the capture pipeline, or waiting to be applied). */
  get backlog(): number {
    return this.pending.length + this.pipeline.size;
  }

  /** Changes committed on the source that DMS has not read yet (capture lag). */
  get inPipeline(): number {
    return this.pipeline.size;
  }

  /**
   * CDCLatencyTarget (seconds): age, since its commit on the source, of the oldest change not yet
   * applied — delays in reading from the source included (docs/aws-facts.md §98).
   */
  latencySeconds(now = this.clock.now().getTime()): number {
    const oldest = Math.min(this.pending[0]?.capturedAt ?? Infinity, this.pipeline.oldest?.capturedAt ?? Infinity);
    return Number.isFinite(oldest) ? Math.max(0, (now - oldest) / 1000) : 0;
  }

  /** CDCLatencySource (seconds): age of the oldest change committed on the source and not read yet; 0 when none (§98). */
  sourceLatencySeconds(now = this.clock.now().getTime()): number {
    const oldest = this.pipeline.oldest;
    return oldest ? Math.max(0, (now - oldest.capturedAt) / 1000) : 0;
  }

  /**
   * Holds the next change of one key `ms` longer in the capture pipeline (and, since changes leave
   * in commit order, every change committed after it): a change DMS will deliver minutes later.
   */
  delayNextChange(lag: ArmedLag): void {
    this.armedLags.push(lag);
  }

  /**
   * Creates the target tables (the generated DDL, owned by the DMS user), the control tables and
   * the replication slot, then runs the full load and starts the task (status running).
   */
  async setup(): Promise<void> {
    const { targetAdmin, targetDms, sourceCapture } = this.clients;
    const schema = quoteIdent(this.settings.controlSchema);
    await targetAdmin.query(`CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${quoteIdent(this.clients.dmsUser)}`);
    await targetAdmin.query(`GRANT USAGE ON SCHEMA ${schema} TO PUBLIC`);
    await targetDms.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT ON TABLES TO PUBLIC`);
    // Slot first, so nothing committed during the full load is missed.
    await this.capture.start();
    for (const t of this.spec.tables) {
      const cols = await describeSourceTable(sourceCapture, t.source);
      const exists = await targetAdmin.query(
        `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
        [t.target.schema, t.target.name],
      );
      if (exists.rowCount === 0)
        await targetDms.query(generateDdl(t.target, cols, t.primaryKey, { mapBooleanAsBoolean: false }));
      const plan = await planTable(sourceCapture, targetAdmin, t.source, t.target, { mapBooleanAsBoolean: false });
      this.plans.push(plan);
      this.applyTables.push({
        target: t.target,
        columns: plan.columns.map((c) => ({ name: c.targetName, castType: targetTypeSql(c.target) })),
        keyColumns: t.primaryKey,
      });
    }
    const maxCols = Math.max(...this.plans.map((p) => p.columns.length));
    const maxKeys = Math.max(...this.spec.tables.map((t) => t.primaryKey.length));
    const colDefs = [
      '"seq" bigint NOT NULL',
      ...Array.from({ length: maxCols }, (_v, i) => `"col${i + 1}" varchar(65535)`),
      ...Array.from({ length: maxKeys }, (_v, i) => `"seg${i + 1}" varchar(65535)`),
    ];
    await targetDms.query(`CREATE TABLE IF NOT EXISTS ${quoteQualified(this.changesTable)} (${colDefs.join(', ')})`);
    await targetDms.query(
      `CREATE TABLE IF NOT EXISTS ${quoteQualified(this.exceptionsTable)} ("TASK_NAME" varchar(128), "TABLE_OWNER" varchar(128), "TABLE_NAME" ` +
        `varchar(128), "ERROR_TIME" timestamp, "STATEMENT" varchar(65535), "ERROR" varchar(65535))`,
    );
    await this.fullLoad();
    this.status = 'running';
    this.lastResumedAt = this.clock.now().getTime();
  }

  private async fullLoad(): Promise<void> {
    for (let i = 0; i < this.spec.tables.length; i++) {
      const t = this.spec.tables[i]!;
      const plan = this.plans[i]!;
      const count = await this.clients.targetAdmin.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ${quoteQualified(t.target)}`,
      );
      if (Number(count.rows[0]!.n) > 0) continue;
      const rows = await this.clients.sourceCapture.query<Record<string, string | Buffer | null>>(
        `SELECT ${plan.columns.map((c) => c.sourceExpr).join(', ')} FROM ${quoteQualified(t.source)}`,
      );
      const statements = insertStatements(plan, rows.rows, t.primaryKey, this.settings.writeOptions, 1_000_000);
      await this.clients.targetDms.batch(statements);
    }
  }

  /** Drops the replication slot. */
  async close(): Promise<void> {
    await this.capture.stop();
  }

  // ---- lifecycle (the DMS API) ----

  /** StopReplicationTask. @throws Error when the task is not running (as DMS refuses). */
  requestStop(): void {
    if (this.status !== 'running' && this.status !== 'starting')
      throw new Error(`InvalidResourceStateFault: replication task ${this.spec.name} is ${this.status}, not running`);
    this.status = 'stopping';
    this.transitionAt = this.clock.now().getTime() + this.settings.stopDelayMs;
  }

  /** StartReplicationTask with resume-processing. @throws Error when the task is not stopped. */
  requestResume(): void {
    if (this.status !== 'stopped' && this.status !== 'failed')
      throw new Error(`InvalidResourceStateFault: replication task ${this.spec.name} is ${this.status}, not stopped`);
    this.status = 'starting';
    this.transitionAt = this.clock.now().getTime() + this.settings.startDelayMs;
  }

  /** Puts the task into `failed` (tests: a task that fails). */
  fail(message: string): void {
    this.status = 'failed';
    this.lastFailureMessage = message;
    this.stopReason = 'Stop Reason FATAL_ERROR';
  }

  /** A Redshift maintenance reboot: a running task keeps `running` but applies nothing more. */
  breakByReboot(): void {
    if (this.status === 'running' || this.status === 'starting' || this.status === 'stopping') this.stalled = true;
  }

  // ---- stepping ----

  /** Advances the task to `now`: capture, lifecycle transitions, then as much apply work as the elapsed time allows. */
  async step(): Promise<void> {
    const now = this.clock.now().getTime();
    await this.captureChanges(now);
    if (this.status === 'stopping' && now >= this.transitionAt) {
      this.status = 'stopped';
      this.stopReason = 'Stop Reason NORMAL';
      this.oneByOneQueue = [];
    }
    if (this.status === 'starting' && now >= this.transitionAt) {
      this.status = 'running';
      this.mode = 'batch';
      this.stalled = false;
      this.oneByOneQueue = [];
      this.busyUntil = now;
      this.lastResumedAt = now;
    }
    if (this.status !== 'running' || this.stalled) return;
    this.busyUntil = Math.max(this.busyUntil, now - 60_000);
    while (this.busyUntil <= now && this.status === 'running' && !this.stalled) {
      const worked = this.mode === 'batch' ? await this.maybeApplyBatch(now) : await this.applyNextSingle();
      if (!worked) {
        this.busyUntil = now;
        break;
      }
    }
  }

  private async captureChanges(now: number): Promise<void> {
    const changes = await this.capture.poll(now);
    for (const c of changes) {
      this.counters.captured++;
      const verdict = this.events.onCapture?.(this, c) ?? 'apply';
      if (verdict === 'lose') {
        this.counters.lost++;
        continue;
      }
      this.pipeline.push(verdict === 'duplicate' ? { ...c, duplicate: true } : c, this.armedLag(c));
    }
    // A stopped task reads nothing: its changes stay in the pipeline until it runs again.
    if (this.status === 'running') for (const c of this.pipeline.release(now)) this.pending.push(c);
  }

  private armedLag(c: CapturedChange): number {
    const t = this.spec.tables[c.table]!.source;
    const i = this.armedLags.findIndex(
      (a) => a.table === `${t.schema}.${t.name}` && a.key.join('\u0000') === (c.newKey ?? c.key).join('\u0000'),
    );
    if (i === -1) return 0;
    return this.armedLags.splice(i, 1)[0]!.ms;
  }

  private async maybeApplyBatch(now: number): Promise<boolean> {
    const oldest = this.pending[0];
    if (!oldest) return false;
    if (
      now - oldest.capturedAt < this.settings.batchTimeoutMin * 1000 &&
      this.pending.length < this.settings.batchMaxChanges
    )
      return false;
    const batch = this.pending.slice(0, this.settings.batchMaxChanges);
    await this.applyBatch(batch);
    this.busyUntil += this.settings.batchCostMs;
    return true;
  }

  private async applyBatch(batch: Pending[]): Promise<void> {
    const entries = netChanges(batch);
    const { targetDms, targetAdmin } = this.clients;
    if (this.settings.variant.changesSeq === 'restart') this.nextChangesSeq = 1;
    // 1. Load the changes table (its own committed transaction).
    const loadRows: string[] = [];
    const ranges: { table: number; op: NetEntry['op']; from: number; to: number; count: number }[] = [];
    for (const e of entries) {
      const copies = e.op === 'INSERT' && e.duplicate ? 2 : 1;
      for (let k = 0; k < copies; k++) {
        const seq = this.nextChangesSeq++;
        loadRows.push(this.changesRow(seq, e));
        const last = ranges[ranges.length - 1];
        if (last && last.table === e.table && last.op === e.op) {
          last.to = seq;
          last.count++;
        } else ranges.push({ table: e.table, op: e.op, from: seq, to: seq, count: 1 });
      }
    }
    const prefix = `INSERT INTO ${quoteQualified(this.changesTable)} VALUES `;
    await targetDms.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${quoteQualified(this.changesTable)}`);
      for (const s of buildInserts(prefix, loadRows, 1_000_000)) await tx.query(s);
    });
    const loadAt = this.clock.now();
    await recordStatement(targetAdmin, {
      text: changesLoadText(this.changesTable, ++this.loads),
      userName: this.clients.dmsUser,
      xid: await nextXid(targetAdmin),
      pid: this.pid,
      startTime: loadAt,
      endTime: loadAt,
      returnedRows: loadRows.length,
    });
    // 2. Apply per table in one transaction; a short UPDATE rolls it all back.
    const xid = await nextXid(targetAdmin);
    const start = this.clock.now();
    const touched = new Set<number>();
    let shortUpdate: { table: number; expected: number; got: number } | undefined;
    try {
      await targetDms.transaction(async (tx) => {
        for (const r of ranges) {
          const t = this.applyTables[r.table]!;
          const text =
            r.op === 'DELETE'
              ? bulkDelete(t, this.changesTable, r.from, r.to, this.settings.shape)
              : r.op === 'INSERT'
                ? bulkInsert(t, this.changesTable, r.from, r.to, this.settings.shape)
                : bulkUpdate(t, this.changesTable, r.from, r.to, this.settings.shape);
          const res = await this.run(tx, text, xid, start);
          touched.add(r.table);
          if (r.op === 'UPDATE' && res < r.count) {
            shortUpdate = { table: r.table, expected: r.count, got: res };
            throw new ShortUpdate();
          }
        }
      });
    } catch (err) {
      if (!(err instanceof ShortUpdate)) throw err;
    }
    const end = this.clock.now();
    if (shortUpdate) {
      await recordTransactionEnd(targetAdmin, {
        xid,
        userName: this.clients.dmsUser,
        pid: this.pid,
        status: 'rolledback',
        startTime: start,
        endTime: end,
        undoneTables: [...touched].map((i) => this.spec.tables[i]!.target),
      });
      this.counters.rolledBack++;
      // [TARGET_APPLY ]I: Bulk apply operation failed. Trying to execute bulk statements in 'one-by-one' mode (docs/aws-facts.md §2)
      this.mode = 'one-by-one';
      this.oneByOneQueue = entries;
      this.events.onOneByOne?.(this, end);
      return;
    }
    await recordTransactionEnd(targetAdmin, {
      xid,
      userName: this.clients.dmsUser,
      pid: this.pid,
      status: 'committed',
      startTime: start,
      endTime: end,
    });
    this.counters.batches++;
    this.markApplied(batch.map((c) => c.seq));
  }

  /** One statement in one-by-one mode: the next entry of the failed batch, else the next pending change. */
  private async applyNextSingle(): Promise<boolean> {
    let entry = this.oneByOneQueue.shift();
    if (!entry && this.settings.variant.oneByOne === 'failed-batch') {
      // The failed batch is replayed: back to batch apply for the next one (docs/aws-facts.md §16.1).
      this.mode = 'batch';
      return true;
    }
    if (!entry) {
      const next = this.pending[0];
      if (!next) return false;
      const net = netChanges([next]);
      if (net.length === 0) {
        this.markApplied([next.seq]);
        return true;
      }
      entry = net[0]!;
      this.oneByOneQueue.push(...net.slice(1));
    }
    await this.applySingle(entry);
    this.busyUntil += this.settings.oneByOneCostMs;
    return true;
  }

  private async applySingle(e: NetEntry): Promise<void> {
    const { targetDms, targetAdmin } = this.clients;
    const plan = this.plans[e.table]!;
    const t = this.spec.tables[e.table]!;
    const lit = (col: string) => {
      const c = plan.columns.find((x) => x.name === col)!;
      return toRedshiftLiteral(e.row[col], c.source, c.target, this.settings.writeOptions, {
        table: `${t.target.schema}.${t.target.name}`,
        key: e.key.join(','),
        column: col,
      });
    };
    const where = t.primaryKey
      .map((k) => `${quoteIdent(plan.columns.find((c) => c.name === k)!.targetName)} = ${lit(k)}`)
      .join(' AND ');
    let sql: string;
    if (e.op === 'DELETE') sql = `DELETE FROM ${quoteQualified(t.target)} WHERE ${where}`;
    else if (e.op === 'INSERT') {
      const values = `(${plan.columns.map((c) => lit(c.name)).join(', ')})`;
      sql =
        `INSERT INTO ${quoteQualified(t.target)} (${plan.columns.map((c) => quoteIdent(c.targetName)).join(', ')}) VALUES ` +
        `${e.duplicate ? `${values}, ${values}` : values}`;
    } else
      sql = `UPDATE ${quoteQualified(t.target)} SET ${plan.columns.map((c) => `${quoteIdent(c.targetName)} = ${lit(c.name)}`).join(', ')} WHERE ${where}`;
    const xid = await nextXid(targetAdmin);
    const start = this.clock.now();
    await targetDms.transaction(async (tx) => {
      const n = await this.run(tx, { recorded: sql, executed: sql }, xid, start);
      if (e.op === 'UPDATE' && n === 0) {
        this.counters.exceptions++;
        await tx.query(`INSERT INTO ${quoteQualified(this.exceptionsTable)} VALUES ($1, $2, $3, $4, $5, $6)`, [
          taskResourceId(this.spec.arn),
          t.target.schema,
          t.target.name,
          start.toISOString().replace('T', ' ').replace('Z', ''),
          sql,
          'RetCode: SQL_SUCCESS_WITH_INFO  SqlState: 01000 NativeError: 0 Message: 0 rows affected',
        ]);
      }
    });
    await recordTransactionEnd(targetAdmin, {
      xid,
      userName: this.clients.dmsUser,
      pid: this.pid,
      status: 'committed',
      startTime: start,
      endTime: this.clock.now(),
    });
    this.counters.oneByOneStatements++;
    this.markApplied(e.changeSeqs);
  }

  /** Runs one apply statement as the DMS user and records it; returns rows affected. */
  private async run(tx: SqlExecutor, text: StatementText, xid: bigint, start: Date): Promise<number> {
    let rows = 0;
    let failure: Error | undefined;
    try {
      rows = (await tx.query(text.executed)).rowCount;
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    await recordStatement(this.clients.targetAdmin, {
      text: text.recorded,
      userName: this.clients.dmsUser,
      xid,
      pid: this.pid,
      startTime: start,
      endTime: this.clock.now(),
      aborted: failure !== undefined,
      returnedRows: rows,
    });
    if (failure !== undefined) {
      this.fail(`apply failed: ${errorMessage(failure)}`);
      throw failure;
    }
    return rows;
  }

  private changesRow(seq: number, e: NetEntry): string {
    const plan = this.plans[e.table]!;
    const t = this.spec.tables[e.table]!;
    const where = { table: `${t.target.schema}.${t.target.name}`, key: e.key.join(','), column: '' };
    const asText = (col: string) => {
      const c = plan.columns.find((x) => x.name === col)!;
      const lit = toRedshiftLiteral(e.row[col], c.source, c.target, this.settings.writeOptions, {
        ...where,
        column: col,
      });
      return lit === 'NULL' ? 'NULL' : `CAST(${lit} AS VARCHAR(65535))`;
    };
    const maxCols = Math.max(...this.plans.map((p) => p.columns.length));
    const maxKeys = Math.max(...this.spec.tables.map((x) => x.primaryKey.length));
    const cols = Array.from({ length: maxCols }, (_v, i) =>
      e.op !== 'DELETE' && i < plan.columns.length ? asText(plan.columns[i]!.name) : 'NULL',
    );
    const segs = Array.from({ length: maxKeys }, (_v, i) =>
      i < t.primaryKey.length ? asText(t.primaryKey[i]!) : 'NULL',
    );
    return `(${seq}, ${[...cols, ...segs].join(', ')})`;
  }

  private markApplied(seqs: number[]): void {
    if (seqs.length === 0) return;
    const done = new Set(seqs);
    const before = this.pending.length;
    this.pending = this.pending.filter((c) => !done.has(c.seq));
    this.counters.applied += before - this.pending.length;
  }

  /** A short description for status lines. */
  describe(): string {
    return (
      `${this.spec.name}: ${this.status}${this.stalled ? ' (stalled)' : ''}, ${this.mode}, backlog ${this.backlog}, latency ` +
      `${this.latencySeconds().toFixed(0)} s`
    );
  }
}

class ShortUpdate extends Error {}
