import pg from 'pg';

/**
 * Connections to the emulated target (a PostgreSQL server carrying the Redshift emulation): one
 * `pg` pool per database and user for statements outside sessions, a dedicated client per Data API
 * session, and the type names of each database.
 *
 * Every value is read in its text form (no type parsing), so the Data API fields can be built from
 * exactly what the database sent.
 */

export interface TargetConnection {
  host: string;
  port: number;
  /**
   * The database checked when the endpoint starts. A request's `Database` may name any database on
   * the server, as on a cluster; a missing one fails the statement as the server reports it.
   */
  database: string;
  user: string;
  password: string;
}

export interface ConnectionsOptions {
  target: TargetConnection;
  /**
   * Database users a request may name in `DbUser`, with their passwords: statements of a request
   * naming one run as that user. A `DbUser` not listed runs as `target.user`.
   */
  dbUsers?: Readonly<Record<string, string>> | undefined;
  /** Most pooled connections per database and user (default 4). */
  poolSize?: number | undefined;
}

/** Every value as text: PostgreSQL's output form, untouched. */
export const RAW_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

export class Connections {
  private readonly pools = new Map<string, pg.Pool>();
  private readonly typeNames = new Map<string, Map<number, string>>();
  private readonly sessionClients = new Set<pg.Client>();

  constructor(private readonly o: ConnectionsOptions) {}

  private config(database: string, dbUser: string | undefined): pg.ClientConfig {
    const t = this.o.target;
    const password = dbUser !== undefined ? this.o.dbUsers?.[dbUser] : undefined;
    return {
      host: t.host,
      port: t.port,
      database,
      user: password !== undefined ? dbUser : t.user,
      password: password ?? t.password,
      application_name: 'redshift-data-api',
    };
  }

  pool(database: string, dbUser: string | undefined): pg.Pool {
    const cfg = this.config(database, dbUser);
    const key = `${database}\u0000${cfg.user ?? ''}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new pg.Pool({ ...cfg, max: this.o.poolSize ?? 4 });
      // An idle pooled connection that the server drops must not crash the process.
      pool.on('error', () => undefined);
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** A connection of its own for a Data API session; closed by {@link closeSession}. */
  async openSession(database: string, dbUser: string | undefined): Promise<pg.Client> {
    const client = new pg.Client(this.config(database, dbUser));
    client.on('error', () => undefined);
    await client.connect();
    this.sessionClients.add(client);
    return client;
  }

  /** Closes a session's connection; the server rolls back a transaction left open on it. */
  async closeSession(client: pg.Client): Promise<void> {
    this.sessionClients.delete(client);
    await client.end().catch(() => undefined);
  }

  /** Names (pg_type.typname) of type OIDs in `database`, loaded once and again when an OID is new. */
  async typeName(database: string, dbUser: string | undefined, oid: number): Promise<string> {
    let names = this.typeNames.get(database);
    if (!names?.has(oid)) {
      const r = await this.pool(database, dbUser).query<{ oid: string; typname: string }>({
        text: 'SELECT oid, typname FROM pg_catalog.pg_type',
        types: RAW_TYPES,
      });
      names = new Map(r.rows.map((row) => [Number(row.oid), row.typname]));
      this.typeNames.set(database, names);
    }
    return names.get(oid) ?? 'unknown';
  }

  /** Asks the server to cancel what backend `pid` is running (pg_cancel_backend, as the same user). */
  async cancel(database: string, dbUser: string | undefined, pid: number): Promise<void> {
    await this.pool(database, dbUser).query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]);
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessionClients].map((c) => this.closeSession(c)));
    await Promise.all([...this.pools.values()].map((p) => p.end().catch(() => undefined)));
    this.pools.clear();
  }
}
