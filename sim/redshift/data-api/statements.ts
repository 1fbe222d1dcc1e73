import { randomUUID } from 'node:crypto';
import type { WireColumn, WireField } from './fields.js';
import type { NamedParameter } from './parameters.js';

/**
 * The statements an endpoint has accepted and what became of them: the state DescribeStatement,
 * GetStatementResult and CancelStatement read.
 *
 * Status values and their order (model enum `StatementStatusString`): SUBMITTED (accepted, not yet
 * processed) → PICKED (chosen to run: a connection is held) → STARTED (sent to the database) →
 * FINISHED, FAILED or ABORTED (stopped by CancelStatement).
 */

export type StatementStatus = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';

export const ACTIVE: ReadonlySet<StatementStatus> = new Set(['SUBMITTED', 'PICKED', 'STARTED']);

/** Where a statement runs and who asked: echoed by Execute and Describe. */
export interface StatementTarget {
  database: string;
  clusterIdentifier?: string | undefined;
  workgroupName?: string | undefined;
  dbUser?: string | undefined;
  secretArn?: string | undefined;
  sessionId?: string | undefined;
}

/** A finished statement's result set, held for GetStatementResult. */
export interface ResultSet {
  columns: WireColumn[];
  rows: WireField[][];
  /** Bytes per row (text forms of the values), in row order. */
  rowBytes: number[];
}

export interface StatementRecord {
  /** UUID; a batch's sub-statement is `<batch id>:<n>` (n from 1). */
  id: string;
  sql: string;
  parameters?: NamedParameter[] | undefined;
  statementName?: string | undefined;
  target: StatementTarget;
  status: StatementStatus;
  createdAt: Date;
  updatedAt: Date;
  startedAt?: Date | undefined;
  endedAt?: Date | undefined;
  /** Monotonic clock readings (nanoseconds) at STARTED and at the end, for `Duration`. */
  startedNs?: bigint | undefined;
  endedNs?: bigint | undefined;
  /** The error text from the database ("ERROR: …"), when FAILED or ABORTED. */
  error?: string | undefined;
  /** Backend process id of the connection it ran on. */
  redshiftPid: number;
  redshiftQueryId: number;
  hasResultSet: boolean;
  /** Rows returned, or rows affected. */
  resultRows: number;
  /** Bytes of the result set (-1 before it is known). */
  resultSize: number;
  result?: ResultSet | undefined;
  /** Sub-statements of a BatchExecuteStatement, in order. */
  subStatements?: StatementRecord[] | undefined;
  executionMode?: 'TRANSACTION' | 'AUTO_COMMIT' | undefined;
  /** Set by CancelStatement. */
  cancelRequested: boolean;
}

/** What tests and the demo may read about a statement (a copy: changing it changes nothing). */
export interface StatementView {
  id: string;
  sql: string;
  status: StatementStatus;
  error?: string | undefined;
  redshiftPid: number;
  sessionId?: string | undefined;
  resultRows: number;
  subStatements?: StatementView[] | undefined;
}

type Listener = (s: StatementRecord) => void;

export interface NewStatement {
  sqls: string[];
  batch: boolean;
  parameters?: NamedParameter[] | undefined;
  statementName?: string | undefined;
  target: StatementTarget;
  executionMode?: 'TRANSACTION' | 'AUTO_COMMIT' | undefined;
}

export class StatementStore {
  private readonly byId = new Map<string, StatementRecord>();
  private readonly listeners = new Set<Listener>();
  private queryIds = 0;

  /** Records a new statement (SUBMITTED); a batch gets one sub-statement per SQL text. */
  create(input: NewStatement): StatementRecord {
    const now = new Date();
    const id = randomUUID();
    const base = (sid: string, sql: string): StatementRecord => ({
      id: sid,
      sql,
      parameters: input.parameters,
      statementName: input.statementName,
      target: input.target,
      status: 'SUBMITTED',
      createdAt: now,
      updatedAt: now,
      redshiftPid: 0,
      redshiftQueryId: 0,
      hasResultSet: false,
      resultRows: -1,
      resultSize: -1,
      cancelRequested: false,
    });
    const record = base(id, input.batch ? '' : input.sqls[0]!);
    if (input.batch) {
      record.subStatements = input.sqls.map((sql, i) => base(`${id}:${i + 1}`, sql));
      record.executionMode = input.executionMode ?? 'TRANSACTION';
    }
    this.byId.set(id, record);
    for (const sub of record.subStatements ?? []) this.byId.set(sub.id, sub);
    return record;
  }

  get(id: string): StatementRecord | undefined {
    return this.byId.get(id);
  }

  /** Statements (batches counted once) not yet FINISHED, FAILED or ABORTED. */
  activeCount(): number {
    let n = 0;
    for (const s of this.byId.values()) if (!s.id.includes(':') && ACTIVE.has(s.status)) n++;
    return n;
  }

  active(): StatementRecord[] {
    return [...this.byId.values()].filter((s) => !s.id.includes(':') && ACTIVE.has(s.status));
  }

  /**
   * Forgets statements that ended before `before` (with their results), as the service keeps
   * results for a limited time ("The maximum retention time for query results is 24 hours":
   * https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html#data-api-calling-considerations).
   */
  prune(before: Date): void {
    for (const s of [...this.byId.values()]) {
      if (s.id.includes(':') || ACTIVE.has(s.status) || !s.endedAt || s.endedAt >= before) continue;
      this.byId.delete(s.id);
      for (const sub of s.subStatements ?? []) this.byId.delete(sub.id);
    }
  }

  nextQueryId(): number {
    return ++this.queryIds;
  }

  /** Moves a statement to `status` (stamping times) and tells the listeners. */
  setStatus(s: StatementRecord, status: StatementStatus, error?: string): void {
    const now = new Date();
    s.status = status;
    s.updatedAt = now;
    if (status === 'STARTED') {
      s.startedAt = now;
      s.startedNs = process.hrtime.bigint();
    }
    if (!ACTIVE.has(status)) {
      s.endedAt = now;
      s.endedNs = process.hrtime.bigint();
    }
    if (error !== undefined) s.error = error;
    for (const l of this.listeners) l(s);
  }

  /** Resolves with the statement once `accept(status)` holds (at once if it already does). */
  when(id: string, accept: (status: StatementStatus) => boolean): Promise<StatementRecord> {
    const s = this.byId.get(id);
    if (!s) return Promise.reject(new Error(`no statement ${id}`));
    if (accept(s.status)) return Promise.resolve(s);
    return new Promise((resolve) => {
      const l: Listener = (changed) => {
        if (changed.id === id && accept(changed.status)) {
          this.listeners.delete(l);
          resolve(changed);
        }
      };
      this.listeners.add(l);
    });
  }

  view(id: string): StatementView | undefined {
    const s = this.byId.get(id);
    return s ? toView(s) : undefined;
  }

  views(): StatementView[] {
    return [...this.byId.values()].filter((s) => !s.id.includes(':')).map(toView);
  }
}

function toView(s: StatementRecord): StatementView {
  return {
    id: s.id,
    sql: s.sql,
    status: s.status,
    error: s.error,
    redshiftPid: s.redshiftPid,
    sessionId: s.target.sessionId,
    resultRows: s.resultRows,
    subStatements: s.subStatements?.map(toView),
  };
}

/** Nanoseconds a statement ran (model: `Duration`, "The amount of time in nanoseconds that the statement ran"). */
export function durationNanos(s: StatementRecord): number {
  if (s.startedNs === undefined) return 0;
  const end = s.endedNs ?? process.hrtime.bigint();
  return Number(end - s.startedNs);
}
