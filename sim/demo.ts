import { systemClock, type Clock } from '../lib/clock.js';
import { formatBytes } from '../config/units.js';
import type { TableDiff } from './compare.js';
import { openEnvironment, prepareTemplates, startEmbeddedServer, dropDatabases } from './embedded.js';
import { createSimulation, type Simulation } from './simulation.js';
import { Workload } from './workload.js';
import type { FaultSpec, InjectedFault } from './world.js';

/**
 * The replication demo: the embedded environment, the simulated task applying a seeded workload
 * in real time, a live status, and at the end the source-vs-target difference per table.
 */

export interface ReplicationDemoOptions {
  /** Seconds of workload. */
  duration: number;
  seed: number;
  /** Changes per second. */
  rate: number;
  faults?: FaultSpec[];
  /** Called about four times a second with a one-line status. */
  onStatus?: (line: string) => void;
}

export interface ReplicationDemoReport {
  seed: number;
  durationSeconds: number;
  changesCaptured: number;
  changesApplied: number;
  batches: number;
  oneByOneStatements: number;
  faults: InjectedFault[];
  tables: TableDiff[];
  targetEqualsSource: boolean;
}

/** One status line for a simulation. */
export function statusLine(sim: Simulation, clock: Clock, startedAt: number): string {
  const t = sim.tasks[0]!;
  const elapsed = ((clock.now().getTime() - startedAt) / 1000).toFixed(0);
  const mem = formatBytes(sim.world.freeableMemory(t.spec.replicationInstance));
  return `t=${elapsed}s  applied ${t.counters.applied}/${t.counters.captured} changes  latency ${t.latencySeconds().toFixed(1)} s  mode ${t.mode}${t.stalled ? ' (stalled)' : ''}  task ${t.status}  FreeableMemory ${mem}`;
}

export async function runReplicationDemo(o: ReplicationDemoOptions): Promise<ReplicationDemoReport> {
  const server = await startEmbeddedServer();
  try {
    await prepareTemplates(server);
    const env = await openEnvironment(server, `demo_${process.pid}`);
    try {
      const clock = systemClock;
      const sim = await createSimulation({ env, clock, faults: o.faults });
      try {
        const workload = new Workload(env.sourceAdmin, clock, { seed: o.seed, ratePerSecond: o.rate });
        const startedAt = clock.now().getTime();
        let last = startedAt;
        while (clock.now().getTime() - startedAt < o.duration * 1000) {
          await clock.sleep(250);
          const now = clock.now().getTime();
          await workload.run((now - last) / 1000);
          last = now;
          await sim.world.step();
          o.onStatus?.(statusLine(sim, clock, startedAt));
        }
        // Let the task apply what is left (at most 30 s).
        const drainUntil = clock.now().getTime() + 30_000;
        while (sim.tasks.some((t) => t.backlog > 0 && t.status === 'running' && !t.stalled && t.mode === 'batch') && clock.now().getTime() < drainUntil) {
          await clock.sleep(250);
          await sim.world.step();
          o.onStatus?.(statusLine(sim, clock, startedAt));
        }
        const tables = await sim.compare();
        const t = sim.tasks[0]!;
        return {
          seed: o.seed,
          durationSeconds: o.duration,
          changesCaptured: t.counters.captured,
          changesApplied: t.counters.applied,
          batches: t.counters.batches,
          oneByOneStatements: t.counters.oneByOneStatements,
          faults: sim.world.injected,
          tables,
          targetEqualsSource: tables.every((d) => d.missing === 0 && d.extra === 0),
        };
      } finally {
        await sim.close();
      }
    } finally {
      await env.close();
      await dropDatabases(server, env.databases).catch(() => undefined);
    }
  } finally {
    await server.stop();
  }
}
