import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type ColumnMetadata,
  type DescribeStatementCommandOutput,
  type Field,
  type RedshiftDataClient,
  type SqlParameter,
} from '@aws-sdk/client-redshift-data';
import { CompanionError, errorMessage, RefusedError } from '../errors.js';
import { SqlError, type QueryResult, type Row, type SqlClient, type SqlExecutor, type SqlParam } from './client.js';
import { tokenize } from './tokenize.js';

/**
 * {@link SqlClient} over the Amazon Redshift Data API (docs/aws-facts.md §8; API model
 * `codegen/sdk-codegen/aws-models/redshift-data.json` in aws/aws-sdk-js-v3; "Using the Amazon
 * Redshift Data API", https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html).
 *
 * - A statement is submitted with `ExecuteStatement`, polled with `DescribeStatement` until
 *   FINISHED / FAILED / ABORTED, and its rows read page by page with `GetStatementResult`.
 * - `$n` parameters become `:pn` named parameters. The Data API passes a NULL parameter as the
 *   string `NULL`, so a `null` value is refused; the caller writes `NULL` in the SQL instead.
 * - An empty string cannot be sent as a parameter: the model gives `SqlParameter.value` a minimum
 *   length of 1 and the guide says "You can't set a zero length value"
 *   (https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html#data-api-calling-considerations-parameters).
 *   Its placeholder is replaced by the literal `''` instead: a constant the client writes, never the
 *   caller's data, so nothing is concatenated; the database reads `''` exactly as it reads an
 *   untyped text parameter (both are literals of unknown type, converted by context).
 * - Statement text over {@link DATA_API_MAX_SQL_BYTES} is refused before it is sent.
 * - `batch()` of up to {@link DATA_API_MAX_BATCH_STATEMENTS} statements is one `BatchExecuteStatement`
 *   (the statements run serially in one transaction). A longer batch does not fit one call; see
 *   {@link DataApiClient.batch} for how it stays atomic, and for the faster chunked form that is not.
 * - `transaction()` runs BEGIN … COMMIT in one Data API session (`SessionKeepAliveSeconds`, then
 *   `SessionId` on every following statement).
 * - Results the Data API cannot return — a row over 64 KB, a result set over the size limit
 *   (https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-troubleshooting.html) — fail with a
 *   {@link SqlError} that names the limit and what to do.
 * - Integer results beyond 2^53 cannot be told apart from rounded ones once the JSON answer is
 *   parsed; such values are refused: cast them to varchar in the query.
 */

/** The Data API's limit on statement text: 100 KB (docs/aws-facts.md §8), read as 100,000 bytes. */
export const DATA_API_MAX_SQL_BYTES = 100_000;

/** Most statements in one BatchExecuteStatement: the model's `SqlList` has `@length(min: 1, max: 40)`. */
export const DATA_API_MAX_BATCH_STATEMENTS = 40;

export interface BatchOptions {
  /**
   * All or nothing (default true). A batch over {@link DATA_API_MAX_BATCH_STATEMENTS} statements
   * then runs inside one session transaction, one ExecuteStatement per statement. With `false` it
   * runs as chunks of 40, one BatchExecuteStatement each: faster, but each chunk commits on its own,
   * so a failure leaves the earlier chunks committed (the error says how many).
   */
  atomic?: boolean;
}

export interface DataApiTarget {
  clusterIdentifier?: string | undefined;
  workgroupName?: string | undefined;
  database: string;
  dbUser?: string | undefined;
  secretArn?: string | undefined;
}

export interface DataApiClientOptions {
  client: RedshiftDataClient;
  target: DataApiTarget;
  role?: string;
  /** Seconds between DescribeStatement polls (default 0.25). */
  pollInterval?: number;
  /** Seconds before a statement is cancelled and reported as timed out (default 3600). */
  statementTimeout?: number;
  /** Seconds a transaction's session stays open after its last statement (default 300). */
  sessionKeepAlive?: number;
  /** Waits `ms` milliseconds; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class DataApiClient implements SqlClient {
  readonly role: string;
  readonly dialect = 'redshift' as const;
  private readonly client: RedshiftDataClient;
  private readonly target: DataApiTarget;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly keepAlive: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: DataApiClientOptions) {
    const t = options.target;
    if (!t.clusterIdentifier === !t.workgroupName) {
      throw new RefusedError(
        'Data API target: set exactly one of clusterIdentifier (provisioned cluster) or workgroupName (Redshift Serverless)',
      );
    }
    this.client = options.client;
    this.target = options.target;
    this.role = options.role ?? 'target';
    this.pollMs = Math.round((options.pollInterval ?? 0.25) * 1000);
    this.timeoutMs = Math.round((options.statementTimeout ?? 3600) * 1000);
    this.keepAlive = options.sessionKeepAlive ?? 300;
    this.sleep = options.sleep ?? defaultSleep;
  }

  async query<R extends object = Row>(sql: string, params: readonly SqlParam[] = []): Promise<QueryResult<R>> {
    return this.run<R>(sql, params, undefined);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const begin = await this.submit('BEGIN', [], { keepAlive: this.keepAlive });
    const sessionId = begin.sessionId;
    if (!sessionId) throw new CompanionError(`${this.role}: the Data API did not open a session for the transaction`);
    const tx: SqlExecutor = {
      query: <R extends object = Row>(sql: string, params: readonly SqlParam[] = []) =>
        this.run<R>(sql, params, sessionId),
    };
    try {
      const result = await fn(tx);
      await this.run('COMMIT', [], sessionId);
      return result;
    } catch (err) {
      try {
        await this.run('ROLLBACK', [], sessionId);
      } catch {
        // The session is gone (timeout, network): Redshift rolls back an abandoned transaction.
      }
      throw err;
    }
  }

  /**
   * Runs the statements in order, all or nothing (see {@link BatchOptions} for the chunked form).
   *
   * Up to 40 statements: one BatchExecuteStatement, which the Data API runs as one transaction.
   * More: the Data API has no call that takes them all, and separate BatchExecuteStatement calls are
   * separate transactions — so the statements run one by one inside a session transaction
   * (BEGIN … COMMIT, ROLLBACK on the first failure), which keeps the batch atomic at the cost of one
   * call per statement.
   * @throws RefusedError for a statement over the size limit (before anything is sent); SqlError when one fails.
   */
  async batch(statements: readonly string[], options: BatchOptions = {}): Promise<void> {
    if (statements.length === 0) return;
    for (const s of statements) checkSize(this.role, s);
    if (statements.length <= DATA_API_MAX_BATCH_STATEMENTS) return this.batchCall(statements);
    if (options.atomic ?? true) {
      await this.transaction(async (tx) => {
        for (const s of statements) await tx.query(s);
      });
      return;
    }
    for (let from = 0; from < statements.length; from += DATA_API_MAX_BATCH_STATEMENTS) {
      try {
        await this.batchCall(statements.slice(from, from + DATA_API_MAX_BATCH_STATEMENTS));
      } catch (err) {
        if (from === 0 || !(err instanceof SqlError)) throw err;
        const reason = errorMessage(err.cause ?? err);
        throw new SqlError(
          this.role,
          err.statement,
          new Error(`${reason}; statements 1-${from} were committed by earlier chunks and stay`),
          err.sqlState,
        );
      }
    }
  }

  /** One BatchExecuteStatement, waited for. */
  private async batchCall(statements: readonly string[]): Promise<void> {
    let id: string | undefined;
    try {
      const out = await this.client.send(
        new BatchExecuteStatementCommand({ ...this.connectionFields(), Sqls: [...statements] }),
      );
      id = out.Id;
    } catch (err) {
      throw new SqlError(this.role, statements[0]!, err);
    }
    if (!id) throw new SqlError(this.role, statements[0]!, new Error('BatchExecuteStatement returned no statement id'));
    await this.waitFinished(id, statements.join('; '));
  }

  async close(): Promise<void> {
    // The SDK client belongs to the caller (it may be shared); nothing to release here.
  }

  private connectionFields() {
    const t = this.target;
    return {
      Database: t.database,
      ...(t.clusterIdentifier ? { ClusterIdentifier: t.clusterIdentifier } : {}),
      ...(t.workgroupName ? { WorkgroupName: t.workgroupName } : {}),
      ...(t.dbUser ? { DbUser: t.dbUser } : {}),
      ...(t.secretArn ? { SecretArn: t.secretArn } : {}),
    };
  }

  private async run<R extends object>(
    sql: string,
    params: readonly SqlParam[],
    sessionId: string | undefined,
  ): Promise<QueryResult<R>> {
    const { id, hasResultSet, rowCount } = await this.submit(sql, params, { sessionId });
    if (!hasResultSet) return { rows: [], rowCount };
    const rows: R[] = [];
    let token: string | undefined;
    let columns: ColumnMetadata[] | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new GetStatementResultCommand({ Id: id, NextToken: token }));
      } catch (err) {
        throw new SqlError(this.role, sql, explainLimit(err));
      }
      columns ??= page.ColumnMetadata ?? [];
      for (const record of page.Records ?? []) rows.push(toRow<R>(this.role, sql, columns, record));
      token = page.NextToken;
    } while (token);
    return { rows, rowCount: rows.length };
  }

  /** ExecuteStatement + DescribeStatement polling. */
  private async submit(
    sql: string,
    params: readonly SqlParam[],
    opts: { sessionId?: string | undefined; keepAlive?: number },
  ): Promise<{ id: string; hasResultSet: boolean; rowCount: number; sessionId?: string | undefined }> {
    checkSize(this.role, sql);
    const { text, parameters } = toNamedParameters(this.role, sql, params);
    let out;
    try {
      out = await this.client.send(
        new ExecuteStatementCommand({
          Sql: text,
          ...(parameters.length > 0 ? { Parameters: parameters } : {}),
          ...(opts.sessionId ? { SessionId: opts.sessionId } : this.connectionFields()),
          ...(opts.keepAlive ? { SessionKeepAliveSeconds: opts.keepAlive } : {}),
        }),
      );
    } catch (err) {
      throw new SqlError(this.role, sql, err);
    }
    if (!out.Id) throw new SqlError(this.role, sql, new Error('ExecuteStatement returned no statement id'));
    const desc = await this.waitFinished(out.Id, sql);
    return {
      id: out.Id,
      hasResultSet: desc.HasResultSet === true,
      rowCount: Math.max(0, desc.ResultRows ?? 0),
      sessionId: out.SessionId ?? opts.sessionId,
    };
  }

  private async waitFinished(id: string, sql: string): Promise<DescribeStatementCommandOutput> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      let desc: DescribeStatementCommandOutput;
      try {
        desc = await this.client.send(new DescribeStatementCommand({ Id: id }));
      } catch (err) {
        throw new SqlError(this.role, sql, err);
      }
      switch (desc.Status) {
        case 'FINISHED':
          return desc;
        case 'FAILED':
          throw new SqlError(this.role, sql, explainLimit(new Error(desc.Error ?? 'statement failed')));
        case 'ABORTED':
          throw new SqlError(
            this.role,
            sql,
            new Error(desc.Error ? `statement was aborted: ${desc.Error}` : 'statement was aborted'),
          );
        case 'SUBMITTED':
        case 'PICKED':
        case 'STARTED':
        case undefined:
          break;
        default:
          throw new SqlError(
            this.role,
            sql,
            new Error(`unexpected DescribeStatement status ${JSON.stringify(desc.Status)}`),
          );
      }
      if (Date.now() >= deadline) {
        await this.client.send(new CancelStatementCommand({ Id: id })).catch(() => undefined);
        throw new SqlError(
          this.role,
          sql,
          new Error(`statement did not finish within ${this.timeoutMs / 1000} s and was cancelled`),
        );
      }
      await this.sleep(this.pollMs);
    }
  }
}

function checkSize(role: string, sql: string): void {
  const bytes = Buffer.byteLength(sql, 'utf8');
  if (bytes > DATA_API_MAX_SQL_BYTES) {
    throw new RefusedError(
      `${role}: statement is ${bytes} bytes; the Redshift Data API accepts at most ${DATA_API_MAX_SQL_BYTES} (split it into smaller statements)`,
    );
  }
}

/**
 * Rewrites `$n` placeholders (outside strings, identifiers and comments) to `:pn` and builds the
 * Data API parameter list. A placeholder whose value is the empty string becomes the literal `''`
 * (the Data API refuses a zero-length parameter value; see the class comment).
 * @throws RefusedError for a NULL value, a value type the Data API cannot carry, or a placeholder with no value.
 */
export function toNamedParameters(
  role: string,
  sql: string,
  params: readonly SqlParam[],
): { text: string; parameters: SqlParameter[] } {
  if (params.length === 0) return { text: sql, parameters: [] };
  const tokens = tokenize(sql, { keepComments: true }).filter((t) => t.type === 'param');
  let text = '';
  let last = 0;
  const values = new Map<number, string>();
  for (const t of tokens) {
    const n = Number(t.value);
    if (n < 1 || n > params.length)
      throw new RefusedError(`${role}: placeholder $${n} has no value (${params.length} given)`);
    const value = paramText(role, n, params[n - 1]);
    values.set(n, value);
    text += `${sql.slice(last, t.start)}${value === '' ? "''" : `:p${n}`}`;
    last = t.end;
  }
  text += sql.slice(last);
  const parameters: SqlParameter[] = [...values]
    .filter(([, value]) => value !== '')
    .sort(([a], [b]) => a - b)
    .map(([n, value]) => ({ name: `p${n}`, value }));
  return { text, parameters };
}

/**
 * Rewords the Data API's result-limit errors so that the caller learns which limit and what to do
 * (https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-troubleshooting.html: "Packet for query
 * is too large" — 64 KB per row; "Database response exceeded size limit" — the result set).
 */
function explainLimit(err: unknown): unknown {
  const message = errorMessage(err);
  if (/packet for query is too large/i.test(message)) {
    return new Error(
      `a result row is over the Data API's 64 KB per-row limit (${message}); select fewer or narrower columns`,
      { cause: err },
    );
  }
  if (/response exceeded size limit/i.test(message)) {
    return new Error(
      `the result set is over the Data API's size limit (${message}); read it in smaller parts (LIMIT, or key ranges)`,
      { cause: err },
    );
  }
  return err;
}

function paramText(role: string, n: number, v: SqlParam | undefined): string {
  if (v === null || v === undefined) {
    throw new RefusedError(
      `${role}: parameter $${n} is NULL; the Data API would pass the string 'NULL' (write NULL in the statement instead)`,
    );
  }
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')
    return String(v);
  throw new RefusedError(`${role}: parameter $${n} has a type the Data API cannot carry`);
}

function toRow<R extends object>(role: string, sql: string, columns: ColumnMetadata[], record: Field[]): R {
  const row: Row = {};
  record.forEach((field, i) => {
    const name = columns[i]?.label ?? columns[i]?.name ?? `column${i + 1}`;
    row[name] = fieldValue(role, sql, name, field);
  });
  return row as R;
}

function fieldValue(role: string, sql: string, column: string, f: Field): unknown {
  if (f.isNull) return null;
  if (f.stringValue !== undefined) return f.stringValue;
  if (f.longValue !== undefined) {
    if (!Number.isSafeInteger(f.longValue)) {
      throw new SqlError(
        role,
        sql,
        new Error(
          `column ${column} holds an integer beyond 2^53 that the Data API answer may have rounded; cast it to varchar in the query`,
        ),
      );
    }
    return f.longValue;
  }
  if (f.doubleValue !== undefined) return f.doubleValue;
  if (f.booleanValue !== undefined) return f.booleanValue;
  if (f.blobValue !== undefined) return Buffer.from(f.blobValue);
  return null;
}
