import { afterEach, describe, expect, it } from 'vitest';
import { runMaintenanceTick } from '../../jobs/maintenance-guard/index.js';
import { ManualClock } from '../../lib/clock.js';
import { createLogger, silentLogger } from '../../lib/log.js';
import { StateStore } from '../../lib/state/store.js';
import { TaskControl } from '../../lib/task-control/index.js';
import { FaultyTaskApi } from '../../sim/api-faults.js';
import { controlOptions } from '../../jobs/runtime.js';
import { Random } from '../../sim/random.js';
import { createSimulation, DEFAULT_TASK, type Simulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import { simConfig, simDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';
import { drain, resetTarget } from '../helpers/sim.js';
import { SwitchableClient } from '../helpers/unreachable.js';

/**
 * A seeded fault-injection soak of task control on the simulator: over SOAK_HOURS simulated hours (default 6) the
 * maintenance guard ticks every SOAK_STEP_MINUTES (default 5) through a maintenance reboot, the fixer and the memory guard take and release
 * holds at random, the DMS API throttles and loses answers, and the state store (on the target) drops connections and
 * goes away for minutes at a time. At every tick the store is reachable: no task is stopped without a hold that
 * says why. At the end: every hold released, the task running, source and target equal (no lost or duplicate row).
 */
const env = useEnvironment('soak');
const HOURS = Number(process.env.SOAK_HOURS ?? 6);
const SEED = Number(process.env.SOAK_SEED ?? 12);
/** Simulated minutes between two guard ticks (and random hold changes). */
const STEP = Number(process.env.SOAK_STEP_MINUTES ?? 5);
let sim: Simulation | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await resetTarget(env().targetAdmin);
});

describe('soak: task control under injected faults', () => {
  it(`${HOURS} simulated hours of throttling, lost answers, dropped connections and target outages (seed ${SEED})`, async () => {
    const rng = new Random(SEED);
    const startAt = new Date('2026-06-03T05:00:00Z');
    const clock = new ManualClock(startAt);
    const windowStart = new Date(startAt.getTime() + Math.min(3, HOURS / 2) * 3600_000);
    sim = await createSimulation({
      env: env(),
      clock,
      cluster: {
        preferredMaintenanceWindow: 'wed:23:00-wed:23:30',
        reportNextStart: true,
        maintenance: [{ start: windowStart, rebootSeconds: 15 * 60 }],
      },
    });
    const workload = new Workload(env().sourceAdmin, clock, { seed: SEED, ratePerSecond: 0.1 });
    const config = simConfig(env(), { fixer: { stopTimeout: '2m', resumeTimeout: '3m' } });
    const store = new SwitchableClient(env().target);
    const api = new FaultyTaskApi(sim.api.tasks, rng, { throttle: 0.15, lostAnswer: 0.1 });
    const log = process.env.SOAK_LOG ? createLogger({ level: 'info', format: 'json' }) : silentLogger();
    const base = simDeps(env(), sim, clock, config, { log });
    const state = new StateStore(store, config.state.schema);
    const control = new TaskControl(api, state, clock, log, config.jobs.fixer.resumeTimeout, controlOptions(config));
    const deps = { ...base, tasks: api, state, control };
    const task = sim.tasks[0]!;
    const ARN = DEFAULT_TASK.arn;

    const held = new Map<string, number>(); // owner → minute it releases
    const counts = { ticks: 0, outages: 0, dropped: 0, holds: 0, releases: 0, errors: 0, checks: 0 };
    let outageUntil = -1;
    const minutes = Math.round(HOURS * 60);
    for (let m = 0; m < minutes; m += STEP) {
      counts.ticks++;
      // Target outages (minutes long) and single dropped connections on the state store.
      if (m >= outageUntil && store.down) store.down = false;
      if (!store.down && rng.chance(Math.min(0.5, 0.015 * STEP))) {
        store.down = true;
        outageUntil = m + rng.int(1, 6) * STEP;
        counts.outages++;
      }
      await workload.run(60 * STEP);
      await clock.advance(60_000 * STEP);
      const act = async (what: () => Promise<unknown>) => {
        const dropNow = !store.down && rng.chance(0.1);
        if (dropNow) {
          store.down = true;
          counts.dropped++;
        }
        try {
          await what();
        } catch {
          counts.errors++;
        } finally {
          if (dropNow) store.down = false;
        }
      };
      await act(() => runMaintenanceTick(deps, { dryRun: false }));
      for (const owner of ['fixer', 'memory']) {
        const until = held.get(owner);
        if (until === undefined && rng.chance(Math.min(0.5, 0.04 * STEP))) {
          counts.holds++;
          held.set(owner, m + rng.int(1, 8) * STEP);
          await act(() => control.hold(ARN, owner, `soak ${owner}`, { stopTimeout: config.jobs.fixer.stopTimeout }));
        } else if (until !== undefined && m >= until) {
          counts.releases++;
          held.delete(owner);
          await act(() => control.release(ARN, owner, `soak ${owner} done`, { failed: rng.chance(0.3) }));
        }
      }
      // The invariant, whenever the store can be read: a task that is stopped (or stopping) has a hold saying why.
      // (Journaled records are written first: a journaled release may resume the task.)
      if (!store.down) await control.flush();
      if (!store.down && (task.status === 'stopped' || task.status === 'stopping')) {
        counts.checks++;
        const holds = await control.holds(ARN);
        const recent =
          holds.length > 0
            ? []
            : (await control.transitions(ARN, 12)).map(
                (t) => `${t.at.toISOString()} ${t.owner} ${t.from}>${t.to} ${t.detail}`,
              );
        expect(
          holds.length,
          `minute ${m}: task ${task.status} without a hold; last transitions:\n${recent.join('\n')}`,
        ).toBeGreaterThan(0);
        for (const h of holds) expect(h.reason).not.toBe('');
      }
    }

    // The faults stop; every owner releases what it still holds; the guard settles what is pending.
    api.enabled = false;
    store.down = false;
    for (const owner of held.keys()) await control.release(ARN, owner, 'soak over');
    for (let i = 0; i < 10 && (await control.holds(ARN)).length > 0; i++) {
      await clock.advance(60_000);
      await runMaintenanceTick(deps, { dryRun: false });
    }
    const left = await control.holds(ARN);
    expect(left.map((h) => `${h.owner}:${h.state}`)).toEqual([]);
    expect(task.status).toBe('running');
    await drain(sim, clock, 3600);
    for (const d of await sim.compare())
      expect({ table: d.table, missing: d.missing, extra: d.extra }).toEqual({ table: d.table, missing: 0, extra: 0 });
    const stops = await env().targetAdmin.query<{ n: string }>(
      'SELECT count(*) AS n FROM dms_companion.transitions WHERE stop_sent',
    );
    console.info(
      `soak seed ${SEED}, ${HOURS} h: ${JSON.stringify(counts)}, stops ${stops.rows[0]!.n}, ` +
        `api faults ${JSON.stringify(Object.fromEntries(api.injected))}, captured ${task.counters.captured}`,
    );
  }, 600_000);
});
