import type { QueryResult, Row, SqlClient, SqlExecutor, SqlParam } from '../../lib/sql/client.js';

/**
 * A real SQL client that can be cut off: while `down`, every call fails the way a dropped network does
 * (`ECONNREFUSED`), and a transaction in progress fails at its next statement. Nothing is faked while it is up.
 */
export class SwitchableClient implements SqlClient {
  down = false;
  /** Calls refused while down. */
  refused = 0;
  constructor(private readonly inner: SqlClient) {}
  get role(): string {
    return this.inner.role;
  }
  get dialect(): 'postgres' | 'redshift' {
    return this.inner.dialect;
  }
  private check(): void {
    if (this.down) {
      this.refused++;
      throw Object.assign(new Error(`connect ECONNREFUSED (${this.inner.role} unreachable)`), { code: 'ECONNREFUSED' });
    }
  }
  async query<R extends object = Row>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<R>> {
    this.check();
    return this.inner.query<R>(sql, params);
  }
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.check();
    return this.inner.transaction((tx) =>
      fn({
        query: <R extends object = Row>(sql: string, params?: readonly SqlParam[]) => {
          this.check();
          return tx.query<R>(sql, params);
        },
      }),
    );
  }
  async batch(statements: readonly string[]): Promise<void> {
    this.check();
    return this.inner.batch(statements);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
