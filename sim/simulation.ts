import type { Clock } from '../lib/clock.js';
import { PgClient } from '../lib/sql/pg-client.js';
import { SOURCE_SESSION_OPTIONS, sourceTypeParsers } from '../lib/typemap/pg-types.js';
import { compareTables, type TableDiff } from './compare.js';
import { SimTask, DEFAULT_TASK_SETTINGS, type SimTaskSettings, type SimTaskSpec } from './dms/task.js';
import { DMS_USER, poolFor, type Environment } from './embedded.js';
import { Interleavings } from './interleave.js';
import { SimWorld, type FaultSpec, type SimClusterSpec, type SimInstanceSpec } from './world.js';

/**
 * A whole simulation on an embedded environment: the simulated AWS world, its replication
 * task(s) applying changes from the Pagila source to the emulated Redshift target, and helpers
 * to compare source and target.
 */

export const DEFAULT_TASK: SimTaskSpec = {
  name: 'pagila',
  arn: 'arn:aws:dms:us-east-1:123456789012:task:PAGILA',
  replicationInstance: 'sim-instance',
  tables: [
    {
      source: { schema: 'public', name: 'rental' },
      target: { schema: 'public', name: 'rental' },
      primaryKey: ['rental_id'],
    },
    {
      source: { schema: 'public', name: 'payment' },
      target: { schema: 'public', name: 'payment' },
      primaryKey: ['payment_id'],
    },
    {
      source: { schema: 'public', name: 'customer' },
      target: { schema: 'public', name: 'customer' },
      primaryKey: ['customer_id'],
    },
    { source: { schema: 'public', name: 'film' }, target: { schema: 'public', name: 'film' }, primaryKey: ['film_id'] },
  ],
};

export interface SimulationOptions {
  env: Environment;
  clock: Clock;
  tasks?: SimTaskSpec[];
  settings?: Partial<SimTaskSettings>;
  cluster?: Partial<SimClusterSpec>;
  instances?: SimInstanceSpec[];
  faults?: FaultSpec[];
}

export interface Simulation {
  world: SimWorld;
  tasks: SimTask[];
  /** The adapters the jobs use (same interfaces as lib/aws); StopReplicationTask runs the `stop-task` hooks first. */
  api: SimWorld['api'];
  /** Where tests make the source and DMS move while a job works (sim/interleave.ts). */
  interleave: Interleavings;
  /** Source vs target for every replicated table, through the typemap (see sim/compare.ts). */
  compare(): Promise<TableDiff[]>;
  close(): Promise<void>;
}

/** Sets up the task(s) (target tables, full load, slots) and the world. */
export async function createSimulation(o: SimulationOptions): Promise<Simulation> {
  const settings: SimTaskSettings = { ...DEFAULT_TASK_SETTINGS, ...o.settings };
  const specs = o.tasks ?? [DEFAULT_TASK];
  const sourceCapture = new PgClient({
    role: 'source',
    dialect: 'postgres',
    connection: { ...poolFor(o.env.server, o.env.databases.source), options: SOURCE_SESSION_OPTIONS },
    types: sourceTypeParsers,
  });
  const instances =
    o.instances ??
    [...new Set(specs.map((s) => s.replicationInstance))].map((identifier) => ({
      identifier,
      baselineFreeableMemory: 4 * 1024 ** 3,
    }));
  const world = new SimWorld(
    o.clock,
    {
      identifier: 'sim-cluster',
      preferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      maintenance: [],
      reportNextStart: true,
      deferred: [],
      ...o.cluster,
    },
    instances,
    o.faults ?? [],
  );
  const tasks: SimTask[] = [];
  for (const spec of specs) {
    const task = new SimTask(
      spec,
      settings,
      { sourceCapture, targetAdmin: o.env.targetAdmin, targetDms: o.env.targetDms, dmsUser: DMS_USER },
      o.clock,
      { onCapture: world.onCapture },
    );
    await task.setup();
    world.addTask(task);
    tasks.push(task);
  }
  const interleave = new Interleavings();
  const api: SimWorld['api'] = {
    ...world.api,
    tasks: {
      ...world.api.tasks,
      stopTask: async (arn) => {
        await interleave.at('stop-task');
        return world.api.tasks.stopTask(arn);
      },
    },
  };
  return {
    world,
    tasks,
    api,
    interleave,
    compare: () =>
      compareTables(
        sourceCapture,
        o.env.targetAdmin,
        specs.flatMap((s) => s.tables),
        settings.writeOptions,
      ),
    close: async () => {
      for (const t of tasks) await t.close();
      await sourceCapture.close();
    },
  };
}
