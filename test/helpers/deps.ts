import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DatabaseMigrationServiceClient } from '@aws-sdk/client-database-migration-service';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { AwsMetrics } from '../../lib/aws/cloudwatch.js';
import { AwsReplicationTasks } from '../../lib/aws/dms.js';
import { AwsClusters } from '../../lib/aws/redshift.js';
import type { Config } from '../../config/schema.js';
import type { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { controlOptions, type JobDeps } from '../../jobs/runtime.js';
import type { SqlClient } from '../../lib/sql/client.js';
import { StateStore } from '../../lib/state/store.js';
import { TaskControl } from '../../lib/task-control/index.js';
import type { Environment } from '../../sim/embedded.js';
import { parsedEnvConfig } from './config.js';
import type { Simulation } from '../../sim/simulation.js';
import { simulatorDeps, type SimDepsOptions } from '../../sim/companion.js';
import type { SimTarget } from '../../sim/target-kinds.js';

/** A validated config for the simulated task on an embedded environment, with job overrides. */
export function simConfig(
  env: Environment,
  jobs: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Config {
  return parsedEnvConfig(env, { jobs, ...extra });
}

export type DepsOptions = SimDepsOptions;

/** Job deps wired to the embedded environment and the simulated AWS world, on a manual clock. */
export function simDeps(
  env: Environment,
  sim: Simulation,
  clock: ManualClock,
  config: Config,
  o: DepsOptions = {},
): JobDeps {
  return simulatorDeps(env, sim, clock, config, o);
}

/**
 * {@link simConfig} and {@link simDeps} on the target `t` (its config section and client), for the
 * test families that run on every target kind.
 */
export function targetDeps(
  env: Environment,
  sim: Simulation,
  clock: ManualClock,
  t: SimTarget,
  jobs: Record<string, unknown> = {},
  o: DepsOptions = {},
): { config: Config; deps: JobDeps } {
  const config = simConfig(env, jobs, { target: t.config });
  return { config, deps: simDeps(env, sim, clock, config, { target: t.client, ...o }) };
}

/**
 * Job deps on an embedded environment without the simulator: the AWS adapters are the real ones
 * over SDK clients that the test fakes with aws-sdk-client-mock (CloudWatch answers a
 * CDCLatencyTarget of `latencySeconds`).
 */
export function envDeps(
  env: Environment,
  config: Config,
  clock: ManualClock,
  o: DepsOptions & { state?: SqlClient } = {},
): JobDeps {
  const target = o.target ?? env.target;
  const log = o.log ?? silentLogger();
  const state = new StateStore(o.state ?? target, config.state.schema);
  const tasks = new AwsReplicationTasks(new DatabaseMigrationServiceClient({ region: 'us-east-1' }), {
    minDelay: 0.001,
    maxDelay: 0.002,
  });
  return {
    config,
    source: o.source ?? env.source,
    target,
    tasks,
    metrics: new AwsMetrics(new CloudWatchClient({ region: 'us-east-1' })),
    clusters: new AwsClusters(new RedshiftClient({ region: 'us-east-1' })),
    clock,
    log,
    statementBudget: o.statementBudget ?? 100_000,
    state,
    control: new TaskControl(tasks, state, clock, log, config.jobs.fixer.resumeTimeout, controlOptions(config)),
  };
}

/**
 * {@link envDeps} for one task (name, ARN) replicating `tables` (config entries), on `target` (default:
 * the environment's direct client): tests of a job on hand-made tables.
 */
export function tablesDeps(
  env: Environment,
  clock: ManualClock,
  task: { name: string; arn: string },
  tables: Record<string, unknown>[],
  target?: SqlClient,
): JobDeps {
  const config = parsedEnvConfig(env, { tasks: [{ ...task, replicationInstance: 'ri', tables }] });
  return envDeps(env, config, clock, target ? { target } : {});
}
