import { afterEach, describe, expect, it } from 'vitest';
import { runFixer } from '../../jobs/fixer/index.js';
import type { JobDeps } from '../../jobs/runtime.js';
import { ManualClock } from '../../lib/clock.js';
import { createSimulation, type Simulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import { DMS_VARIANTS, type DmsVariantName } from '../../sim/dms/variants.js';
import type { ShapeOptions } from '../../sim/dms/statements.js';
import { simConfig, simDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';
import { drain, loseInsertThenUpdate, resetTarget, runFor } from '../helpers/sim.js';

/**
 * The fixer racing the source: a source change between the fixer's first look at the source and
 * the stop, which DMS applies (one-by-one, to a row still missing: 0 rows) before the stop. The
 * row the fixer writes must be the source's version after that change — never the one it saw first.
 */
const env = useEnvironment('fixer_races');
let sim: Simulation | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await resetTarget(env().targetAdmin);
});

async function missingRow(
  start: string,
  variant: DmsVariantName = 'until-restart',
  shape: ShapeOptions = { shape: 'no-from' },
) {
  const clock = new ManualClock(start);
  sim = await createSimulation({
    env: env(),
    clock,
    settings: { shape, variant: DMS_VARIANTS[variant] },
  });
  const workload = new Workload(env().sourceAdmin, clock, {
    seed: 5,
    ratePerSecond: 5,
    mix: { 'rental-insert': 0, 'rental-delete': 0 },
  });
  await runFor(clock, 3, workload);
  const id = await loseInsertThenUpdate(sim, clock, env().sourceAdmin);
  // One-by-one works through the failed batch; no new changes meanwhile.
  await runFor(clock, 30);
  return { clock, id, sim };
}

/** Runs `between` just before the fixer stops the task (after its first read of the source). */
function beforeStop(deps: JobDeps, between: () => Promise<void>): void {
  const hold = deps.control.hold.bind(deps.control);
  deps.control.hold = async (...args) => {
    await between();
    return hold(...args);
  };
}

const rentalOn = async (db: 'sourceAdmin' | 'targetAdmin', id: number) =>
  (
    await env()[db].query<{ r: Date | null }>('SELECT return_date AS r FROM public.rental WHERE rental_id = $1', [id])
  ).rows.map((x) => x.r?.toISOString() ?? null);

describe('fixer: source changes between its first read and the stop', () => {
  it('a source UPDATE applied by DMS before the stop: the target gets the new version, not the old one', async () => {
    const { clock, id, sim } = await missingRow('2026-06-01T08:00:00Z');
    const config = simConfig(env());
    const deps = simDeps(env(), sim, clock, config);
    const newer = new Date('2026-06-03T09:30:00Z');
    beforeStop(deps, async () => {
      await env().sourceAdmin.query('UPDATE public.rental SET return_date = $1 WHERE rental_id = $2', [newer, id]);
      await runFor(clock, 20); // DMS applies it one-by-one: 0 rows, an apply exception
    });
    const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
    expect(r.status).toBe('repaired');
    expect(r.inserted).toEqual([[String(id)]]);
    expect(await rentalOn('targetAdmin', id)).toEqual([newer.toISOString()]);
    await drain(sim, clock);
    expect(await rentalOn('targetAdmin', id)).toEqual(await rentalOn('sourceAdmin', id));
    for (const d of await sim.compare())
      expect({ t: d.table, missing: d.missing, extra: d.extra }).toEqual({ t: d.table, missing: 0, extra: 0 });
  }, 120_000);

  it('a source DELETE applied by DMS before the stop: nothing is written, the key is reported missing on the source', async () => {
    const { clock, id, sim } = await missingRow('2026-06-02T08:00:00Z');
    const config = simConfig(env());
    const deps = simDeps(env(), sim, clock, config);
    beforeStop(deps, async () => {
      await env().sourceAdmin.query('DELETE FROM public.rental WHERE rental_id = $1', [id]);
      await runFor(clock, 20);
    });
    const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
    expect(r.inserted).toEqual([]);
    expect(r.missingAtSource).toEqual([[String(id)]]);
    expect(await rentalOn('targetAdmin', id)).toEqual([]);
    expect(await deps.state.activeHolds()).toEqual([]);
    await drain(sim, clock);
    expect(await rentalOn('targetAdmin', id)).toEqual([]);
  }, 120_000);
});

describe('fixer: a changes table DMS has reloaded since the failed batch', () => {
  for (const variant of ['failed-batch', 'failed-batch-seq-restart'] as const) {
    it(`refuses the seq range once DMS is back in batch mode and has loaded the next batch (${variant})`, async () => {
      const { clock, id, sim } = await missingRow(
        variant === 'failed-batch' ? '2026-06-03T08:00:00Z' : '2026-06-04T08:00:00Z',
        variant,
      );
      const task = sim.tasks[0]!;
      expect(task.mode).toBe('batch'); // the failed batch was replayed one by one, then back to batch apply
      // More source changes: DMS loads and applies the next batches into the same changes table.
      const workload = new Workload(env().sourceAdmin, clock, { seed: 9, ratePerSecond: 5 });
      await runFor(clock, 10, workload);
      const config = simConfig(env());
      const deps = simDeps(env(), sim, clock, config);
      const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
      expect(r.status).toBe('failed');
      // seq continuing: the old range is simply empty; seq restarting: it holds another batch's changes.
      expect(r.reason).toMatch(
        variant === 'failed-batch'
          ? /has no rows in seq \d+–\d+: it was truncated or reloaded since the UPDATE/
          : /no longer holds the batch of rolled-back query \d+: query \d+ of the DMS user named it since \(COPY /,
      );
      expect(r.inserted).toEqual([]);
      expect(task.status).toBe('running');
      expect(await deps.state.activeHolds()).toEqual([]);
      expect(await rentalOn('targetAdmin', id)).toEqual([]);
    }, 120_000);
  }

  it('repairs from an UPDATE whose DMS comment follows the verb (UPDATE /* partner:DMS … */ …)', async () => {
    const { clock, id, sim } = await missingRow('2026-06-05T08:00:00Z', 'until-restart', {
      shape: 'from',
      versionComment: 'partner:DMS 3.5.3',
      commentPlacement: 'after-verb',
    });
    const config = simConfig(env());
    const deps = simDeps(env(), sim, clock, config);
    const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
    expect(r.status).toBe('repaired');
    expect(r.inserted).toEqual([[String(id)]]);
    expect(await rentalOn('targetAdmin', id)).toEqual(await rentalOn('sourceAdmin', id));
  }, 120_000);
});
