import type { DataApiTargetConfig } from '../config/schema.js';
import { dataApiTarget } from '../jobs/runtime.js';
import type { SqlClient } from '../lib/sql/client.js';
import { quoteIdent } from '../lib/sql/quote.js';
import { parsedEnvConfig } from './companion.js';
import { COMPANION_USER, LOCAL_PASSWORD, type Environment } from './embedded.js';
import { asRedshiftSql } from './redshift/dialect/gate.js';
import { startDataApiEndpoint, type DataApiEndpoint } from './redshift/data-api/index.js';

/**
 * How the companion reaches the emulated Redshift target in tests and the demo:
 * - `direct`: the PostgreSQL protocol, as the companion's user (a provisioned cluster's endpoint);
 * - `data-api`: the real `@aws-sdk/client-redshift-data` through the local Data API endpoint
 *   (sim/redshift/data-api/) of a provisioned cluster (`ClusterIdentifier` + `DbUser`);
 * - `serverless`: the same endpoint in Serverless mode (`WorkgroupName`; STL/SVL views refused).
 *
 * Every statement passes the Redshift dialect gate (sim/redshift/dialect/gate.ts), and has its quoted
 * identifiers folded to lower case as Redshift does: on `direct` in the environment's client, on the
 * Data API kinds in the endpoint.
 *
 * The Data API kinds build their client from the config's `target` section with the runtime's own
 * {@link dataApiTarget}, so the path a production config takes is the path tested.
 */

export const TARGET_KINDS = ['direct', 'data-api', 'serverless'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** The simulated cluster's and workgroup's names (the endpoint refuses any other). */
export const SIM_CLUSTER = 'sim-cluster';
export const SIM_WORKGROUP = 'sim-workgroup';

export interface SimTarget {
  kind: TargetKind;
  /** The config's `target` section for this kind (passwords as `${LOCAL_PG_PASSWORD}`). */
  config: Record<string, unknown>;
  /** The client the jobs get as `deps.target`. */
  client: SqlClient;
  /** The local Data API endpoint (Data API kinds only). */
  endpoint?: DataApiEndpoint;
  /** Closes the client and stops the endpoint (the direct client belongs to the environment and stays open). */
  close(): Promise<void>;
}

/** Seconds between DescribeStatement polls against the local endpoint: it answers in milliseconds. */
const LOCAL_POLL_INTERVAL = 0.002;
/**
 * Seconds a transaction's session stays open after its last statement. The simulator's transactions
 * pause for milliseconds, and the demo runs jobs every real second: the production default (300 s)
 * would keep hundreds of sessions, each a database connection, open at once.
 */
const LOCAL_SESSION_KEEP_ALIVE = 5;

/**
 * Opens the target of `kind` on an embedded environment.
 * @throws Error when the Data API endpoint cannot reach the target database.
 */
export async function openSimTarget(env: Environment, kind: TargetKind): Promise<SimTarget> {
  if (kind === 'direct') {
    return {
      kind,
      config: {
        kind: 'direct',
        host: env.server.host,
        port: env.server.port,
        database: env.databases.target,
        user: COMPANION_USER,
        password: '${LOCAL_PG_PASSWORD}',
      },
      client: env.target,
      close: () => Promise.resolve(),
    };
  }
  const serverless = kind === 'serverless';
  if (serverless) await createServerlessUser(env);
  const endpoint = await startDataApiEndpoint({
    connection: {
      host: env.server.host,
      port: env.server.port,
      database: env.databases.target,
      user: serverless ? SERVERLESS_USER : COMPANION_USER,
      password: LOCAL_PASSWORD,
    },
    serverless,
    check: asRedshiftSql,
    ...(serverless ? { workgroupName: SIM_WORKGROUP } : { clusterIdentifier: SIM_CLUSTER }),
  });
  const config = {
    kind: 'data-api',
    ...(serverless ? { workgroupName: SIM_WORKGROUP } : { clusterIdentifier: SIM_CLUSTER, dbUser: COMPANION_USER }),
    database: env.databases.target,
    endpoint: endpoint.url,
    pollInterval: LOCAL_POLL_INTERVAL,
    sessionKeepAlive: LOCAL_SESSION_KEEP_ALIVE,
  };
  // The endpoint does not check signatures, but the SDK signs every request: static credentials.
  const { sdk, client } = dataApiTarget(parsedTarget(env, config), 'us-east-1', {
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    kind,
    config,
    client,
    endpoint,
    close: async () => {
      await client.close();
      sdk.destroy();
      await endpoint.close();
    },
  };
}

/**
 * The database user the Serverless target runs statements as: the companion's privileges plus the
 * system role `sys:monitor`, which a workgroup's monitoring user needs to read other users' rows of
 * SYS_QUERY_HISTORY and SYS_TRANSACTION_HISTORY (docs/aws-facts.md §13.3). A user of its own, because
 * roles are server-wide and other tests rely on the companion's user not being a monitor.
 */
export const SERVERLESS_USER = 'dms_companion_serverless';

async function createServerlessUser(env: Environment): Promise<void> {
  const user = quoteIdent(SERVERLESS_USER);
  await env.targetAdmin.query(
    `DO $$ BEGIN CREATE ROLE ${user} LOGIN PASSWORD '${LOCAL_PASSWORD}'; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
  );
  await env.targetAdmin.query(`GRANT ${quoteIdent(COMPANION_USER)}, "sys:monitor" TO ${user}`);
}

/** The `target` section as the config schema validates it. */
function parsedTarget(env: Environment, target: Record<string, unknown>): DataApiTargetConfig {
  const c = parsedEnvConfig(env, { target });
  if (c.target.kind !== 'data-api') throw new Error('expected a data-api target');
  return c.target;
}
