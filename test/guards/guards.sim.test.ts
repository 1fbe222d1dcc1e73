import { afterEach, describe, expect, it } from 'vitest';
import { runFixer } from '../../jobs/fixer/index.js';
import { runMaintenanceTick, type MaintenanceTickReport } from '../../jobs/maintenance-guard/index.js';
import { runMemoryTick } from '../../jobs/memory-guard/index.js';
import { ManualClock } from '../../lib/clock.js';
import type { JobDeps } from '../../jobs/runtime.js';
import { createSimulation, DEFAULT_TASK, type Simulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import type { FaultSpec, SimClusterSpec } from '../../sim/world.js';
import { simConfig, simDeps, targetDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';
import {
  drain,
  loseInsertThenUpdate,
  resetTarget,
  runFor,
  withTarget,
  type TargetKind,
  expectTargetEqualsSource,
} from '../helpers/sim.js';

const env = useEnvironment('guards');
/** The guards' state (holds, run history) goes through the target: both transports. */
const KINDS: TargetKind[] = ['direct', 'data-api'];
let sim: Simulation | undefined;
const ARN = DEFAULT_TASK.arn;
const GIB = 1024 ** 3;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await resetTarget(env().targetAdmin);
});

/** Window: Wednesday 2026-06-03 07:30 UTC, as PreferredMaintenanceWindow wed:07:30-wed:08:00. */
const T = new Date('2026-06-03T07:30:00Z');
const min = (m: number) => new Date(T.getTime() + m * 60_000);

let seed = 30;

async function start(
  cluster: Partial<SimClusterSpec>,
  faults: FaultSpec[] = [],
  startAt = min(-15),
  instanceClass?: string,
) {
  const clock = new ManualClock(startAt);
  sim = await createSimulation({
    env: env(),
    clock,
    cluster: { preferredMaintenanceWindow: 'wed:07:30-wed:08:00', reportNextStart: true, ...cluster },
    faults,
    ...(instanceClass && {
      instances: [{ identifier: 'sim-instance', baselineFreeableMemory: 4 * GIB, instanceClass }],
    }),
  });
  const workload = new Workload(env().sourceAdmin, clock, { seed: ++seed, ratePerSecond: 3 });
  return { clock, workload, sim };
}

interface Minute {
  at: Date;
  status: string;
  phase: MaintenanceTickReport['phase'];
}

/** Each minute: a minute of workload and simulation, then one guard tick. */
async function everyMinute(
  clock: ManualClock,
  workload: Workload,
  minutes: number,
  tick: () => Promise<MaintenanceTickReport | void>,
): Promise<Minute[]> {
  const out: Minute[] = [];
  for (let i = 0; i < minutes; i++) {
    await workload.run(60);
    await clock.advance(60_000);
    const r = await tick();
    out.push({ at: clock.now(), status: sim!.tasks[0]!.status, phase: r ? r.phase : 'idle' });
  }
  return out;
}

const statusAt = (log: Minute[], m: number) => log.filter((x) => x.at.getTime() <= min(m).getTime() + 30_000).at(-1)!;

describe('maintenance guard on the simulator', () => {
  it.each(KINDS)(
    'stops the tasks 5 minutes before the window, resumes them 30 minutes after its start, and loses no change (%s target)',
    (kind) =>
      withTarget(env(), kind, async (target) => {
        const { clock, workload, sim } = await start({ maintenance: [{ start: T, rebootSeconds: 600 }] });
        const { deps } = targetDeps(env(), sim, clock, target);
        const log = await everyMinute(clock, workload, 50, () => runMaintenanceTick(deps, { dryRun: false }));
        expect(statusAt(log, -6).status).toBe('running');
        expect(statusAt(log, -5).status).toBe('stopped');
        expect(statusAt(log, 10).status).toBe('stopped');
        expect(statusAt(log, 29).status).toBe('stopped');
        expect(statusAt(log, 31).status).toBe('running');
        const firstStopped = log.find((x) => x.status === 'stopped')!;
        const firstRunningAgain = log.find((x) => x.at > firstStopped.at && x.status === 'running')!;
        expect(firstStopped.at.getTime()).toBeGreaterThanOrEqual(min(-5).getTime());
        expect(firstStopped.at.getTime()).toBeLessThan(min(-4).getTime());
        expect(firstRunningAgain.at.getTime()).toBeGreaterThanOrEqual(min(30).getTime());
        expect(firstRunningAgain.at.getTime()).toBeLessThan(min(31).getTime() + 30_000);
        expect(sim.world.injected).toMatchObject([{ kind: 'maintenance-reboot', detail: 'no task was running' }]);
        expect(sim.tasks[0]!.stalled).toBe(false);
        await drain(sim, clock);
        await expectTargetEqualsSource(sim);
        expect(await deps.state.activeHolds()).toEqual([]);
      }),
    180_000,
  );

  it('keeps the hold while the cluster is still unavailable at the planned resume', async () => {
    const { clock, workload, sim } = await start({ maintenance: [{ start: T, rebootSeconds: 40 * 60 }] });
    const deps = simDeps(env(), sim, clock, simConfig(env()));
    const log = await everyMinute(clock, workload, 60, () => runMaintenanceTick(deps, { dryRun: false }));
    expect(statusAt(log, 31)).toMatchObject({ status: 'stopped', phase: 'waiting-for-cluster' });
    expect(statusAt(log, 39).status).toBe('stopped');
    expect(statusAt(log, 41).status).toBe('running');
    await drain(sim, clock);
    await expectTargetEqualsSource(sim);
  }, 180_000);

  it('skips a deferred window', async () => {
    const { clock, workload, sim } = await start({
      maintenance: [{ start: T, rebootSeconds: 600 }],
      deferred: [{ start: min(-60), end: min(60) }],
    });
    const deps = simDeps(env(), sim, clock, simConfig(env()));
    const log = await everyMinute(clock, workload, 40, () => runMaintenanceTick(deps, { dryRun: false }));
    expect(log.every((x) => x.status === 'running')).toBe(true);
    expect(sim.world.injected).toEqual([]);
    const r = await runMaintenanceTick(deps, { dryRun: true });
    expect(new Date(r.window!.start).getTime()).toBe(T.getTime() + 7 * 86_400_000); // next week's
  }, 180_000);

  it('resumes correctly after the companion restarts mid-window', async () => {
    const { clock, workload, sim } = await start({ maintenance: [{ start: T, rebootSeconds: 600 }] });
    const config = simConfig(env());
    const before = simDeps(env(), sim, clock, config);
    const first = await everyMinute(clock, workload, 25, () => runMaintenanceTick(before, { dryRun: false }));
    expect(first.at(-1)!.status).toBe('stopped');
    // A new process: nothing in memory, everything from the state store and the APIs.
    const after = simDeps(env(), sim, clock, config);
    const second = await everyMinute(clock, workload, 25, () => runMaintenanceTick(after, { dryRun: false }));
    expect(statusAt(second, 29).status).toBe('stopped');
    expect(statusAt(second, 31).status).toBe('running');
    expect(await after.state.activeHolds()).toEqual([]);
  }, 180_000);

  it('never resumes a task a person stopped', async () => {
    const { clock, workload, sim } = await start({ maintenance: [{ start: T, rebootSeconds: 600 }] });
    const deps = simDeps(env(), sim, clock, simConfig(env()));
    await deps.control.hold(ARN, 'person', 'investigating', { stopTimeout: 60 });
    const log = await everyMinute(clock, workload, 50, () => runMaintenanceTick(deps, { dryRun: false }));
    expect(log.every((x) => x.status === 'stopped')).toBe(true);
    expect((await deps.state.activeHolds()).map((h) => h.owner)).toEqual(['person']);
    // Stopped in the console (no hold at all): also left stopped.
    await deps.control.release(ARN, 'person', 'done');
    expect(sim.tasks[0]!.status).toBe('running');
  }, 180_000);
});

describe('memory guard on the simulator', () => {
  const leak = (persistent = false): FaultSpec => ({
    kind: 'memory-leak',
    instance: 'sim-instance',
    atSeconds: 60,
    bytesPerSecond: 20 * 1024 * 1024,
    persistent,
  });

  async function ticks(deps: JobDeps, clock: ManualClock, workload: Workload, minutes: number) {
    const decisions: string[] = [];
    for (let i = 0; i < minutes; i++) {
      await workload.run(60);
      await clock.advance(60_000);
      const r = await runMemoryTick(deps, { dryRun: false });
      decisions.push(r.instances[0]!.decision);
    }
    return decisions;
  }

  it.each(KINDS)(
    'restarts the tasks once when FreeableMemory drops below 1.5 GiB; memory recovers; no change is lost (%s target)',
    (kind) =>
      withTarget(env(), kind, async (target) => {
        const { clock, workload, sim } = await start({}, [leak()], new Date('2026-06-10T10:00:00Z'));
        const { deps } = targetDeps(env(), sim, clock, target);
        const decisions = await ticks(deps, clock, workload, 12);
        expect(decisions.filter((d) => d === 'restart')).toHaveLength(1);
        expect(decisions.indexOf('restart')).toBeGreaterThan(0);
        expect(
          decisions.slice(decisions.indexOf('restart') + 1).every((d) => d === 'ok' || d === 'waiting-for-recovery'),
        ).toBe(true);
        expect(sim.world.freeableMemory('sim-instance')).toBe(4 * GIB);
        expect(sim.tasks[0]!.status).toBe('running');
        await drain(sim, clock);
        await expectTargetEqualsSource(sim);
        expect(await deps.state.activeHolds()).toEqual([]);
      }),
    180_000,
  );

  it('stops restarting at the limit instead of looping', async () => {
    const { clock, workload, sim } = await start({}, [leak(true)], new Date('2026-06-11T10:00:00Z'));
    const deps = simDeps(env(), sim, clock, simConfig(env(), { memoryGuard: { maxRestarts: 2 } }));
    const decisions = await ticks(deps, clock, workload, 20);
    expect(decisions.filter((d) => d === 'restart')).toHaveLength(2);
    expect(decisions).toContain('restart-limit');
    expect(sim.world.freeableMemory('sim-instance')).toBeLessThan(1.5 * GIB);
    const status = await runMemoryTick(deps, { dryRun: true });
    expect(status.instances[0]!.warnings.join(' ')).toMatch(/2 restarts of sim-instance .* not restarting again/);
  }, 180_000);

  async function withFraction(instanceClass: string) {
    const { clock, workload, sim } = await start({}, [leak()], new Date('2026-06-12T10:00:00Z'), instanceClass);
    const deps = simDeps(env(), sim, clock, simConfig(env(), { memoryGuard: { thresholdFraction: 0.25 } }));
    const decisions = await ticks(deps, clock, workload, 12);
    return { decisions, last: (await runMemoryTick(deps, { dryRun: true })).instances[0]! };
  }

  it('with thresholdFraction, acts below that fraction of the instance class memory', async () => {
    // dms.t3.medium: 4 GiB (docs/aws-facts.md §65.2) × 0.25 = 1 GiB, below the 1.5 GiB default.
    const { decisions, last } = await withFraction('dms.t3.medium');
    expect(decisions.filter((d) => d === 'restart')).toHaveLength(1);
    expect(last.threshold).toBe(GIB);
  }, 180_000);

  it('with thresholdFraction, never acts on an instance class whose memory is not known', async () => {
    const { decisions, last } = await withFraction('dms.x9.huge');
    expect(decisions.filter((d) => d !== 'no-data')).toEqual([]);
    expect(sim!.world.freeableMemory('sim-instance')).toBeLessThan(GIB);
    expect(last.warnings.join(' ')).toMatch(/memory of instance class "dms.x9.huge" of sim-instance is not known/);
  }, 180_000);

  it('no guard and no fixer resumes a task another still holds', async () => {
    const { clock, workload, sim } = await start(
      { maintenance: [{ start: T, rebootSeconds: 600 }] },
      [leak()],
      min(-10),
    );
    const deps = simDeps(env(), sim, clock, simConfig(env()));
    // The lost INSERT takes the task one-by-one before the window.
    await runFor(clock, 2, workload);
    await loseInsertThenUpdate(sim, clock, env().sourceAdmin);
    await everyMinute(clock, workload, 7, () => runMaintenanceTick(deps, { dryRun: false }));
    expect(sim.tasks[0]!.status).toBe('stopped');
    // Memory low and a repair to do, while maintenance holds the task.
    const mem = await runMemoryTick(deps, { dryRun: false });
    expect(mem.instances[0]!.skipped).toEqual([{ task: 'pagila', reason: 'task is stopped' }]);
    const fix = await runFixer(deps, { task: deps.config.tasks[0]!, dryRun: false });
    expect(fix.status).toBe('repaired');
    expect(fix.hold).toMatchObject({ stopped: false, resumed: false, note: 'still held by maintenance' });
    expect(sim.tasks[0]!.status).toBe('stopped');
    const log = await everyMinute(clock, workload, 40, () => runMaintenanceTick(deps, { dryRun: false }));
    expect(log.at(-1)!.status).toBe('running');
  }, 180_000);
});
