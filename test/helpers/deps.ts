import { stringify } from 'yaml';
import { parseConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import type { ManualClock } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import type { JobDeps } from '../../lib/runtime.js';
import type { SqlClient } from '../../lib/sql/client.js';
import { StateStore } from '../../lib/state/store.js';
import { TaskControl } from '../../lib/task-control.js';
import { COMPANION_USER, type Environment } from '../../sim/embedded.js';
import { DEFAULT_TASK } from '../../sim/simulation.js';
import type { Simulation } from '../../sim/simulation.js';

/** A validated config for the simulated task on an embedded environment, with job overrides. */
export function simConfig(env: Environment, jobs: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Config {
  const conn = (database: string) => ({ host: env.server.host, port: env.server.port, database, user: COMPANION_USER, password: 'local-only' });
  const yaml = stringify({
    region: 'us-east-1',
    source: conn(env.databases.source),
    target: { kind: 'direct', ...conn(env.databases.target) },
    dmsUser: 'dms_user',
    cluster: { identifier: 'sim-cluster' },
    tasks: [
      {
        name: DEFAULT_TASK.name,
        arn: DEFAULT_TASK.arn,
        replicationInstance: DEFAULT_TASK.replicationInstance,
        tables: DEFAULT_TASK.tables.map((t) => ({ source: `${t.source.schema}.${t.source.name}`, target: `${t.target.schema}.${t.target.name}`, primaryKey: t.primaryKey })),
      },
    ],
    jobs,
    ...extra,
  });
  return parseConfig(yaml, {});
}

export interface DepsOptions {
  /** Target client the jobs use (default: the companion's user). */
  target?: SqlClient;
  source?: SqlClient;
  log?: Logger;
  statementBudget?: number;
}

/** Job deps wired to the embedded environment and the simulated AWS world, on a manual clock. */
export function simDeps(env: Environment, sim: Simulation, clock: ManualClock, config: Config, o: DepsOptions = {}): JobDeps {
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
    control: new TaskControl(sim.api.tasks, state, clock, log, config.jobs.fixer.resumeTimeout),
  };
}
