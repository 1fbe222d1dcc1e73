import { performance } from 'node:perf_hooks';
import { runFixer } from '../jobs/fixer/index.js';
import { ManualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/log.js';
import { StateStore } from '../lib/state/store.js';
import { TaskControl } from '../lib/task-control/index.js';
import { parseConfig } from '../config/load.js';
import { stringify } from 'yaml';
import { COMPANION_USER, type Environment } from '../sim/embedded.js';
import { createSimulation, DEFAULT_TASK } from '../sim/simulation.js';
import { Workload } from '../sim/workload.js';
import { DEFAULT_TASK_SETTINGS } from '../sim/dms/task.js';

export interface FixerBenchResult {
  /** Simulated time from the rolled-back UPDATE to the task running again with the row repaired (s). */
  simulatedSeconds: number;
  /** Of which the simulated DMS stop and start (s). */
  stopStartSeconds: number;
  /** Wall time of the fixer run itself (find, parse, check, join, read, hold, insert, release) (ms). */
  fixerWallMs: number;
  rowsRepaired: number;
}

/**
 * Time from the first rolled-back UPDATE to the task resumed with the row repaired, in the
 * simulator, the fixer started right after the rollback (the checker's own interval excluded).
 */
export async function benchFixer(env: Environment): Promise<FixerBenchResult> {
  const clock = new ManualClock('2026-07-01T00:00:00Z');
  const sim = await createSimulation({ env, clock, faults: [{ kind: 'lose-insert', table: 'public.rental', nth: 1 }] });
  try {
    const workload = new Workload(env.sourceAdmin, clock, {
      seed: 9,
      ratePerSecond: 20,
      mix: { 'rental-insert': 0, 'rental-delete': 0 },
    });
    for (let i = 0; i < 5; i++) {
      await workload.run(1);
      await clock.advance(1000);
    }
    const r = await env.sourceAdmin.query<{ id: number }>(
      `INSERT INTO public.rental (rental_date, inventory_id, customer_id, staff_id) VALUES ($1, 9, 9, 1) RETURNING rental_id AS id`,
      [clock.now()],
    );
    await clock.advance(2000);
    await env.sourceAdmin.query('UPDATE public.rental SET return_date = now() WHERE rental_id = $1', [r.rows[0]!.id]);
    let rolledBackAt = 0;
    for (let i = 0; i < 10 && sim.tasks[0]!.mode === 'batch'; i++) {
      await clock.advance(1000);
      rolledBackAt = clock.now().getTime();
    }
    const conn = (database: string) => ({
      host: env.server.host,
      port: env.server.port,
      database,
      user: COMPANION_USER,
      password: 'local-only',
    });
    const config = parseConfig(
      stringify({
        region: 'us-east-1',
        source: conn(env.databases.source),
        target: { kind: 'direct', ...conn(env.databases.target) },
        dmsUser: 'dms_user',
        tasks: [
          {
            name: DEFAULT_TASK.name,
            arn: DEFAULT_TASK.arn,
            replicationInstance: DEFAULT_TASK.replicationInstance,
            tables: DEFAULT_TASK.tables.map((t) => ({
              source: `${t.source.schema}.${t.source.name}`,
              primaryKey: t.primaryKey,
            })),
          },
        ],
      }),
      {},
    );
    const state = new StateStore(env.target, 'dms_companion');
    const log = silentLogger();
    const deps = {
      config,
      source: env.source,
      target: env.target,
      tasks: sim.api.tasks,
      metrics: sim.api.metrics,
      clusters: sim.api.clusters,
      clock,
      log,
      statementBudget: 100_000,
      state,
      control: new TaskControl(sim.api.tasks, state, clock, log),
    };
    const t0 = performance.now();
    const report = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
    const wall = performance.now() - t0;
    if (report.status !== 'repaired') throw new Error(`fixer did not repair: ${report.status} ${report.reason ?? ''}`);
    return {
      simulatedSeconds: (clock.now().getTime() - rolledBackAt) / 1000,
      stopStartSeconds: (DEFAULT_TASK_SETTINGS.stopDelayMs + DEFAULT_TASK_SETTINGS.startDelayMs) / 1000,
      fixerWallMs: Math.round(wall),
      rowsRepaired: report.inserted.length,
    };
  } finally {
    await sim.close();
  }
}
