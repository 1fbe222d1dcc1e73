import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { RedshiftDataClient, type RedshiftDataClientConfig } from '@aws-sdk/client-redshift-data';
import type pg from 'pg';
import type {
  Config,
  DataApiTargetConfig,
  PgConnectionConfig,
  TableConfig,
  TaskConfig,
  TypemapConfig,
} from '../config/schema.js';
import { AwsMetrics, type MetricsApi } from '../lib/aws/cloudwatch.js';
import { AwsReplicationTasks, type ReplicationTaskApi } from '../lib/aws/dms.js';
import { AwsClusters, type ClusterApi } from '../lib/aws/redshift.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { UsageError } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/log.js';
import { StateStore } from '../lib/state/store.js';
import { FileJournal, TaskControl, type TaskControlOptions } from '../lib/task-control/index.js';
import type { SqlClient } from '../lib/sql/client.js';
import { DataApiClient, DATA_API_MAX_SQL_BYTES } from '../lib/sql/data-api-client.js';
import { PgClient } from '../lib/sql/pg-client.js';
import type { QualifiedName } from '../lib/sql/quote.js';
import { SOURCE_SESSION_OPTIONS, sourceTypeParsers } from '../lib/typemap/pg-types.js';
import { credentialClients, poolPassword, type PoolPassword } from './credentials.js';
import type { WriteOptions } from '../lib/typemap/values.js';

/**
 * What every job receives (`deps`): the config, the SQL clients, the AWS adapters, the clock, the
 * logger, the state store and task control. Production builds it from the config with
 * {@link createRuntime}; tests and the demo pass the embedded databases, the simulator and a
 * fake clock instead.
 */
export interface JobDeps {
  config: Config;
  /** The source PostgreSQL, read with the typemap's lossless type parsers. */
  source: SqlClient;
  /** The Redshift target (direct or Data API). */
  target: SqlClient;
  tasks: ReplicationTaskApi;
  metrics: MetricsApi;
  clusters: ClusterApi;
  clock: Clock;
  log: Logger;
  /** Largest INSERT text a repair sends at once (bytes). */
  statementBudget: number;
  /** Holds, cool-downs, run history, leases, repair log. */
  state: StateStore;
  /** The one place that stops and resumes tasks. */
  control: TaskControl;
  /**
   * Aborted when the daemon shuts down: jobs check it between steps and stop at the next safe
   * point (holds they took are released with the reason recorded).
   */
  signal?: AbortSignal;
}

export interface Runtime extends JobDeps {
  close(): Promise<void>;
}

/** Builds the production runtime from a validated config. AWS credentials: the SDK's default provider chain. */
export function createRuntime(config: Config, options: { log?: Logger } = {}): Runtime {
  const region = config.region;
  // Passwords are resolved per connection (Secrets Manager, SSM, IAM tokens): see jobs/credentials.ts.
  const credentials = credentialClients(region);
  const rdsPassword = (c: PgConnectionConfig) => poolPassword(c, { region, clients: credentials, kind: 'rds' });
  const source = new PgClient({
    role: 'source',
    dialect: 'postgres',
    connection: { ...poolConfig(config.source, rdsPassword(config.source)), options: SOURCE_SESSION_OPTIONS },
    types: sourceTypeParsers,
  });
  let target: SqlClient;
  let statementBudget: number;
  const closers: (() => Promise<void> | void)[] = [() => credentials.destroy(), () => source.close()];
  if (config.target.kind === 'direct') {
    const password = poolPassword(config.target, {
      region,
      clients: credentials,
      kind: 'redshift',
      clusterIdentifier: config.target.clusterIdentifier ?? config.cluster?.identifier,
    });
    target = new PgClient({ role: 'target', dialect: 'redshift', connection: poolConfig(config.target, password) });
    statementBudget = config.target.statementBudget;
  } else {
    const data = dataApiTarget(config.target, region);
    closers.push(() => data.sdk.destroy());
    target = data.client;
    statementBudget = DATA_API_MAX_SQL_BYTES;
  }
  closers.push(() => target.close());
  let stateClient: SqlClient = target;
  if (config.state.store === 'postgres' && config.state.connection) {
    const c = new PgClient({
      role: 'state',
      dialect: 'postgres',
      connection: poolConfig(config.state.connection, rdsPassword(config.state.connection)),
    });
    closers.push(() => c.close());
    stateClient = c;
  }
  const state = new StateStore(stateClient, config.state.schema);
  const log = options.log ?? createLogger({ level: config.log.level, format: config.log.format });
  // AWS clients are made on first use: commands that need no AWS API never create one.
  const lazy = <T>(make: () => T): (() => T) => {
    let v: T | undefined;
    return () => (v ??= make());
  };
  const dms = lazy(() => {
    const c = new DatabaseMigrationServiceClient({ region });
    closers.push(() => c.destroy());
    return new AwsReplicationTasks(c);
  });
  const cw = lazy(() => {
    const c = new CloudWatchClient({ region });
    closers.push(() => c.destroy());
    return new AwsMetrics(c);
  });
  const rs = lazy(() => {
    const c = new RedshiftClient({ region });
    closers.push(() => c.destroy());
    return new AwsClusters(c);
  });
  let control: TaskControl | undefined;
  return {
    config,
    source,
    target,
    get tasks() {
      return dms();
    },
    get metrics() {
      return cw();
    },
    get clusters() {
      return rs();
    },
    clock: systemClock,
    log,
    statementBudget,
    state,
    get control() {
      return (control ??= new TaskControl(
        dms(),
        state,
        systemClock,
        log,
        config.jobs.fixer.resumeTimeout,
        controlOptions(config),
      ));
    },
    close: async () => {
      for (const c of closers.reverse()) await c();
    },
  };
}

/**
 * The Data API target of the config: the SDK client (at `target.endpoint` when set, else the
 * region's endpoint) and the {@link DataApiClient} over it. `sdk` carries extra SDK client settings
 * (the simulator passes static credentials for its local endpoint); the caller destroys `sdk` and
 * closes `client`.
 */
export function dataApiTarget(
  target: DataApiTargetConfig,
  region: string,
  sdk: RedshiftDataClientConfig = {},
): { sdk: RedshiftDataClient; client: DataApiClient } {
  const client = new RedshiftDataClient({ region, ...(target.endpoint ? { endpoint: target.endpoint } : {}), ...sdk });
  return {
    sdk: client,
    client: new DataApiClient({
      client,
      target,
      pollInterval: target.pollInterval,
      statementTimeout: target.statementTimeout,
      sessionKeepAlive: target.sessionKeepAlive,
    }),
  };
}

/**
 * The task named `name` (`--task`), or every task when `name` is undefined.
 * @throws UsageError naming the configured tasks when there is no such task.
 */
export function selectTasks(config: Config, name: string | undefined): TaskConfig[] {
  if (name === undefined) return config.tasks;
  const t = config.tasks.find((x) => x.name === name || x.arn === name);
  if (!t)
    throw new UsageError(`no task "${name}" in the config (tasks: ${config.tasks.map((x) => x.name).join(', ')})`);
  return [t];
}

/** The configured table whose source (or target) is `name`, with its task. */
export function findTable(config: Config, name: QualifiedName): { task: TaskConfig; table: TableConfig } | undefined {
  for (const task of config.tasks) {
    for (const table of task.tables) {
      if (sameName(table.source, name) || sameName(table.target, name)) return { task, table };
    }
  }
  return undefined;
}

function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.schema === b.schema && a.name === b.name;
}

/**
 * pg pool settings for a connection section of the config file (statement timeout in seconds → ms).
 * @param password what {@link poolPassword} made of the section (a literal, or a per-connection resolver).
 */
export function poolConfig(c: PgConnectionConfig, password: PoolPassword): pg.PoolConfig {
  return {
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.user,
    password,
    ssl: c.ssl === false ? undefined : c.ssl === true ? { rejectUnauthorized: true } : c.ssl,
    max: c.maxConnections,
    statement_timeout: c.statementTimeout > 0 ? Math.round(c.statementTimeout * 1000) : undefined,
  };
}

/** Task control's options from the `control` and `state` config sections (the journal file when one is named). */
export function controlOptions(config: Config): TaskControlOptions {
  const c = config.control;
  return {
    maxStops: c.maxStops,
    stopWindow: c.stopWindow,
    failureCooldown: c.failureCooldown,
    resumeAttempts: c.resumeAttempts,
    retryDelay: c.retryDelay,
    pollInterval: c.pollInterval,
    journal: config.state.journal ? new FileJournal(config.state.journal) : undefined,
  };
}

/** Bounds on a repair's waits on the target (seconds), from the `control` config section. */
export function repairWaits(config: Config): { lockTimeout: number; statementTimeout: number } {
  return { lockTimeout: config.control.repairLockTimeout, statementTimeout: config.control.repairStatementTimeout };
}

/** The typemap's write options from the `typemap` config section. */
export function writeOptions(c: TypemapConfig): WriteOptions {
  return { booleanText: c.booleanText, truncateText: c.truncateText, arrayFormat: c.arrayFormat, infinity: c.infinity };
}
