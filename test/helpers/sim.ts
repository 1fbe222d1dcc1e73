import { ManualClock } from '../../lib/clock.js';
import type { Simulation } from '../../sim/simulation.js';
import type { Workload } from '../../sim/workload.js';

/**
 * Runs a simulation for `seconds` of simulated time in 1-second steps: the workload's changes for
 * each second, then the clock (and with it the world) moves on.
 */
export async function runFor(clock: ManualClock, seconds: number, workload?: Workload): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    if (workload) await workload.run(1);
    await clock.advance(1000);
  }
}

/** Steps without new source changes until every task has applied its backlog (at most `maxSeconds`). */
export async function drain(sim: Simulation, clock: ManualClock, maxSeconds = 120): Promise<void> {
  for (let i = 0; i < maxSeconds; i++) {
    await clock.advance(1000);
    if (sim.tasks.every((t) => t.backlog === 0)) return;
  }
  throw new Error(`backlog not drained after ${maxSeconds} s: ${sim.tasks.map((t) => t.describe()).join('; ')}`);
}
