import { CompanionError } from '../errors.js';

/**
 * The one small interface every SQL connection of the toolkit implements: the source
 * PostgreSQL, a direct Redshift target, a Redshift target through the Data API, the state store.
 * Jobs receive `SqlClient`s in their deps and never know which transport is behind them.
 *
 * Parameters are written `$1`, `$2`, … and bound by the transport (never concatenated).
 */

/**
 * A bound parameter value. `null` and arrays are refused by the Data API transport
 * (docs/aws-facts.md §8); arrays bind as PostgreSQL arrays over the PostgreSQL protocol.
 */
export type SqlParam = string | number | bigint | boolean | Date | null | readonly (string | number | null)[];

export type Row = Record<string, unknown>;

export interface QueryResult<R extends object = Row> {
  rows: R[];
  /** Rows returned, or rows affected by INSERT/UPDATE/DELETE. */
  rowCount: number;
}

/** Runs statements: a client, or a transaction in progress. */
export interface SqlExecutor {
  /**
   * Runs one statement with bound parameters.
   * @throws SqlError naming the connection's role and the statement.
   */
  query<R extends object = Row>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<R>>;
}

export interface SqlClient extends SqlExecutor {
  /** `source`, `target` or `state`: used in messages. */
  readonly role: string;
  /** Which SQL the other side reads: plain PostgreSQL, or Redshift (the real one or the emulation). */
  readonly dialect: 'postgres' | 'redshift';
  /**
   * Runs `fn` inside BEGIN … COMMIT on one connection (one Data API session); ROLLBACK when it throws.
   * @returns what `fn` returns.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs the statements in order in one transaction, all or nothing (Data API: BatchExecuteStatement). */
  batch(statements: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** A statement failed. `sqlState` is the PostgreSQL/Redshift error code when one was reported. */
export class SqlError extends CompanionError {
  readonly role: string;
  readonly sqlState: string | undefined;
  readonly statement: string;
  constructor(role: string, statement: string, cause: unknown, sqlState?: string) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${role}: ${reason} (statement: ${summarize(statement)})`, { cause });
    this.role = role;
    this.sqlState = sqlState;
    this.statement = statement;
  }
}

/** First 160 characters of a statement on one line, for messages. */
export function summarize(sql: string): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > 160 ? `${one.slice(0, 157)}...` : one;
}

/** True for errors that mean the other side could not be reached (as opposed to a bad statement). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; cause?: unknown } | undefined;
  const code = e?.code;
  if (
    code &&
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'ENOTFOUND',
      'EPIPE',
      '57P01',
      '57P02',
      '57P03',
      '08000',
      '08003',
      '08006',
      '08001',
      '08004',
    ].includes(code)
  )
    return true;
  if (
    err instanceof Error &&
    /Connection terminated|connection.*(closed|ended)|not queryable|Client has encountered a connection error/i.test(
      err.message,
    )
  )
    return true;
  return e?.cause !== undefined && e.cause !== err ? isConnectionError(e.cause) : false;
}

/**
 * Why a relation (typically a system view) could not be read, or undefined for any other error:
 * `permission denied` (SQLSTATE 42501, or the message: Redshift Serverless refuses STL/SVL views with
 * "permission denied for relation …", and a Data API error carries the message only, no SQLSTATE —
 * docs/aws-facts.md §12.13, §13.1, §60.1), `not available` (42P01 / 42883, or "does not exist" /
 * "not supported").
 */
export function unreadableRelation(err: unknown): 'permission denied' | 'not available' | undefined {
  const state = err instanceof SqlError ? err.sqlState : undefined;
  if (state === '42501') return 'permission denied';
  if (state === '42P01' || state === '42883') return 'not available';
  const m = err instanceof Error ? err.message : '';
  if (/permission denied/i.test(m)) return 'permission denied';
  if (/does not exist|not supported/i.test(m)) return 'not available';
  return undefined;
}
