import { setTimeout as delay } from 'node:timers/promises';
import type { QueryResult, Row, SqlClient, SqlExecutor, SqlParam } from '../lib/sql/client.js';

/**
 * A warehouse's latency in front of a client: every statement waits `ms` before it runs (a
 * provisioned cluster answers in tens of milliseconds at best; the Data API costs a submit,
 * polling and a fetch per statement — hundreds). Counts statements and *sequential rounds*: a
 * round starts when a statement is sent while none is in flight, so statements sent together
 * (concurrently or batched into one) cost one round — the part of a run's time latency multiplies.
 */
export class LatencyClient implements SqlClient {
  statements = 0;
  rounds = 0;
  private inFlight = 0;
  readonly role: string;
  readonly dialect: 'postgres' | 'redshift';

  constructor(
    private readonly inner: SqlClient,
    private readonly ms: number,
  ) {
    this.role = inner.role;
    this.dialect = inner.dialect;
  }

  private async timed<T>(run: () => Promise<T>): Promise<T> {
    this.statements++;
    if (this.inFlight++ === 0) this.rounds++;
    try {
      if (this.ms > 0) await delay(this.ms);
      return await run();
    } finally {
      this.inFlight--;
    }
  }

  query<R extends object = Row>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<R>> {
    return this.timed(() => this.inner.query<R>(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) =>
      fn({
        query: <R extends object = Row>(sql: string, p?: readonly SqlParam[]) => this.timed(() => tx.query<R>(sql, p)),
      }),
    );
  }

  batch(statements: readonly string[]): Promise<void> {
    return this.timed(() => this.inner.batch(statements));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
