import { stringify } from 'yaml';
import { parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../lib/clock.js';
import { silentLogger, type Logger } from '../lib/log.js';
import { controlOptions, type JobDeps } from '../jobs/runtime.js';
import type { SqlClient } from '../lib/sql/client.js';
import { StateStore } from '../lib/state/store.js';
import { TaskControl } from '../lib/task-control/index.js';
import { COMPANION_USER, LOCAL_PASSWORD, type Environment } from './embedded.js';
import { DEFAULT_TASK, type Simulation } from './simulation.js';

/**
 * The companion wired to a simulation: its config for an embedded environment, and its job
 * dependencies with the simulated AWS world in place of the AWS adapters. Used by the demo and
 * the tests.
 */

/** The simulated task's tables as config entries. */
export const SIM_TASK_CONFIG = {
  name: DEFAULT_TASK.name,
  arn: DEFAULT_TASK.arn,
  replicationInstance: DEFAULT_TASK.replicationInstance,
  tables: DEFAULT_TASK.tables.map((t) => ({
    source: `${t.source.schema}.${t.source.name}`,
    target: `${t.target.schema}.${t.target.name}`,
    primaryKey: t.primaryKey,
  })),
};

/** Environment variables a config from {@link envConfig} needs (`${LOCAL_PG_PASSWORD}`). */
export const ENV_FOR_CONFIG = { LOCAL_PG_PASSWORD: LOCAL_PASSWORD };

/**
 * A config document for an embedded environment: the source and a direct target as the
 * companion's user (password from `${LOCAL_PG_PASSWORD}`), the simulated task and cluster, and any
 * other top-level keys.
 */
export function envConfig(env: Environment, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const conn = (database: string) => ({
    host: env.server.host,
    port: env.server.port,
    database,
    user: COMPANION_USER,
    password: '${LOCAL_PG_PASSWORD}',
  });
  return {
    region: 'us-east-1',
    source: conn(env.databases.source),
    target: { kind: 'direct', ...conn(env.databases.target) },
    dmsUser: 'dms_user',
    cluster: { identifier: 'sim-cluster' },
    tasks: [SIM_TASK_CONFIG],
    // Simulated tasks stop and start within seconds: task control looks every simulated second.
    control: { pollInterval: 1, retryDelay: 1 },
    ...overrides,
  };
}

/** {@link envConfig}, validated. @throws ConfigError when the overrides are invalid. */
export function parsedEnvConfig(env: Environment, overrides: Record<string, unknown> = {}): Config {
  return parseConfig(stringify(envConfig(env, overrides)), ENV_FOR_CONFIG);
}

export interface SimDepsOptions {
  /** Target client the jobs use (default: the companion's user). */
  target?: SqlClient;
  source?: SqlClient;
  log?: Logger;
  statementBudget?: number;
}

/** Job deps on the embedded environment with the simulated AWS world. */
export function simulatorDeps(
  env: Environment,
  sim: Simulation,
  clock: Clock,
  config: Config,
  o: SimDepsOptions = {},
): JobDeps {
  const target = o.target ?? env.target;
  const log = o.log ?? silentLogger();
  const state = new StateStore(target, config.state.schema);
  return {
    config,
    source: o.source ?? env.source,
    target,
    tasks: sim.api.tasks,
    metrics: sim.api.metrics,
    clusters: sim.api.clusters,
    clock,
    log,
    statementBudget: o.statementBudget ?? 100_000,
    state,
    control: new TaskControl(sim.api.tasks, state, clock, log, config.jobs.fixer.resumeTimeout, controlOptions(config)),
  };
}
