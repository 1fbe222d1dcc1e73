import pg from 'pg';
import { SqlError, type QueryResult, type Row, type SqlClient, type SqlExecutor, type SqlParam } from './client.js';

/**
 * {@link SqlClient} over the PostgreSQL protocol with a `pg` pool: the source, a direct Redshift
 * target (Redshift speaks the PostgreSQL protocol), the state database, and the embedded test
 * databases.
 */
export interface PgClientOptions {
  role: string;
  dialect: 'postgres' | 'redshift';
  /** pg pool settings; built from a config file's connection by `poolConfig` in jobs/runtime.ts. */
  connection: pg.PoolConfig;
  /** Type parsers for this pool only (the typemap's lossless parsers for the source). */
  types?: pg.CustomTypesConfig;
  /**
   * Runs before every statement; what it throws fails the statement as a {@link SqlError} and the
   * statement is not sent; a text it returns is sent instead (the simulator's Redshift dialect gate and
   * identifier folding on the emulated target).
   */
  check?: (sql: string) => Promise<string | void>;
}

export class PgClient implements SqlClient {
  readonly role: string;
  readonly dialect: 'postgres' | 'redshift';
  readonly pool: pg.Pool;
  private readonly check: ((sql: string) => Promise<string | void>) | undefined;

  constructor(options: PgClientOptions) {
    this.role = options.role;
    this.check = options.check;
    this.dialect = options.dialect;
    const config: pg.PoolConfig = { ...options.connection };
    config.application_name ??= 'dms-companion';
    config.connectionTimeoutMillis ??= 15_000;
    if (options.types) config.types = options.types;
    this.pool = new pg.Pool(config);
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
  }

  async query<R extends object = Row>(sql: string, params: readonly SqlParam[] = []): Promise<QueryResult<R>> {
    return runQuery<R>(this.pool, this.role, sql, params, this.check);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let conn: pg.PoolClient;
    try {
      conn = await this.pool.connect();
    } catch (err) {
      throw new SqlError(this.role, 'BEGIN', err, (err as { code?: string }).code);
    }
    const tx: SqlExecutor = {
      query: <R extends object = Row>(sql: string, params: readonly SqlParam[] = []) =>
        runQuery<R>(conn, this.role, sql, params, this.check),
    };
    let broken = false;
    // A checked-out client whose connection dies between two statements emits 'error'; without a
    // listener that would crash the process. The next statement reports the failure instead.
    const onError = () => {
      broken = true;
    };
    conn.on('error', onError);
    try {
      await tx.query('BEGIN');
      const result = await fn(tx);
      await tx.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await conn.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      conn.off('error', onError);
      conn.release(broken);
    }
  }

  async batch(statements: readonly string[]): Promise<void> {
    await this.transaction(async (tx) => {
      for (const s of statements) await tx.query(s);
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function runQuery<R extends object>(
  q: pg.Pool | pg.PoolClient,
  role: string,
  sql: string,
  params: readonly SqlParam[],
  check?: (sql: string) => Promise<string | void>,
): Promise<QueryResult<R>> {
  try {
    const text = (check ? await check(sql) : undefined) ?? sql;
    const res = params.length > 0 ? await q.query<R>(text, params as unknown[]) : await q.query<R>(text);
    // A multi-statement simple query returns an array of results; report the last one.
    const last = Array.isArray(res) ? (res[res.length - 1] as pg.QueryResult<R>) : res;
    return { rows: last.rows ?? [], rowCount: last.rowCount ?? last.rows?.length ?? 0 };
  } catch (err) {
    throw new SqlError(role, sql, err, (err as { code?: string }).code);
  }
}
