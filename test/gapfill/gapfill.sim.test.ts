import { afterEach, describe, expect, it } from 'vitest';
import { runGapfill } from '../../jobs/gapfill/index.js';
import { ManualClock } from '../../lib/clock.js';
import { createSimulation, type Simulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import { SIM_GAPFILL_TASK } from '../helpers/config.js';
import { simConfig, simDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';
import { resetTarget, runFor } from '../helpers/sim.js';

const env = useEnvironment('gapfill_sim');
let sim: Simulation | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await resetTarget(env().targetAdmin);
});

describe('gapfill end to end on the simulator', () => {
  it('finds every injected fault in its class over several days, and nothing else; after repair target equals source', async () => {
    const { sourceAdmin } = env();
    const clock = new ManualClock('2026-03-02T08:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    const world = sim.world;
    const workload = new Workload(sourceAdmin, clock, { seed: 17, ratePerSecond: 20 });
    let n = 0;
    const insertRental = async () =>
      Number(
        (
          await sourceAdmin.query<{ id: number }>(
            `INSERT INTO public.rental (rental_date, inventory_id, customer_id, staff_id) VALUES ($1, $2, 11, 1) RETURNING rental_id AS id`,
            [clock.now(), 100 + ++n],
          )
        ).rows[0]!.id,
      );
    const insertPayment = async () =>
      Number(
        (
          await sourceAdmin.query<{ id: number }>(
            `INSERT INTO public.payment (customer_id, staff_id, rental_id, amount, payment_date) VALUES (5, 1, 5, 4.99, $1) RETURNING payment_id AS id`,
            [clock.now()],
          )
        ).rows[0]!.id,
      );

    // Day 1: a lost rental INSERT and a duplicated payment INSERT, amid normal traffic.
    await runFor(clock, 20, workload);
    const lostRental = await insertRental();
    world.arm({ kind: 'lose-insert', table: 'public.rental', key: [String(lostRental)] });
    const updatedLater = await insertRental();
    const dupPayment = await insertPayment();
    world.arm({ kind: 'duplicate-insert', table: 'public.payment', key: [String(dupPayment)] });
    await runFor(clock, 20, workload);

    // Day 2: a lost UPDATE of a day-1 rental, a lost DELETE of a day-2 rental.
    await clock.set('2026-03-03T09:00:00Z');
    await runFor(clock, 20, workload);
    await sourceAdmin.query(`UPDATE public.rental SET return_date = $1 WHERE rental_id = $2`, [
      clock.now(),
      updatedLater,
    ]);
    world.arm({ kind: 'lose-update', table: 'public.rental', key: [String(updatedLater)] });
    const deletedRental = await insertRental();
    await runFor(clock, 5, workload);
    await sourceAdmin.query(`DELETE FROM public.rental WHERE rental_id = $1`, [deletedRental]);
    world.arm({ kind: 'lose-delete', table: 'public.rental', key: [String(deletedRental)] });
    await runFor(clock, 20, workload);

    // Day 3: a lost payment INSERT.
    await clock.set('2026-03-04T10:00:00Z');
    await runFor(clock, 20, workload);
    const lostPayment = await insertPayment();
    world.arm({ kind: 'lose-insert', table: 'public.payment', key: [String(lostPayment)] });
    await runFor(clock, 20, workload);
    expect(world.injected.map((f) => f.kind).sort()).toEqual([
      'duplicate-insert',
      'lose-delete',
      'lose-insert',
      'lose-insert',
      'lose-update',
    ]);

    // Next morning, well past the settle lag.
    await clock.set('2026-03-05T06:00:00Z');
    const config = simConfig(env(), {}, { tasks: [SIM_GAPFILL_TASK] });
    const deps = simDeps(env(), sim, clock, config);
    const dry = await runGapfill(deps, { days: ['2026-03-02', '2026-03-03', '2026-03-04'], dryRun: true });
    const found = (cls: 'missing' | 'extra' | 'duplicated' | 'stale') =>
      dry.results.flatMap((r) => r[cls].map((k) => `${r.table} ${r.day} ${k.join(',')}`)).sort();
    expect(found('missing')).toEqual(
      [`public.payment 2026-03-04 ${lostPayment}`, `public.rental 2026-03-02 ${lostRental}`].sort(),
    );
    expect(found('extra')).toEqual([`public.rental 2026-03-03 ${deletedRental}`]);
    expect(found('duplicated')).toEqual([`public.payment 2026-03-02 ${dupPayment}`]);
    expect(found('stale')).toEqual([`public.rental 2026-03-02 ${updatedLater}`]);
    expect(dry.results.every((r) => r.rowsCompared > 0)).toBe(true);
    expect(dry.results.every((r) => r.status === 'ok' || r.status === 'planned')).toBe(true);

    const fixed = await runGapfill(deps, {
      days: ['2026-03-02', '2026-03-03', '2026-03-04'],
      dryRun: false,
      deleteExtra: true,
      dedupe: true,
    });
    const repaired = fixed.results.reduce(
      (a, r) => a + r.repaired.inserted + r.repaired.replaced + r.repaired.deleted + r.repaired.deduped,
      0,
    );
    expect(repaired).toBe(5);
    expect(fixed.problems).toBe(0);
    for (const d of await sim.compare())
      expect({ table: d.table, missing: d.missing, extra: d.extra }).toEqual({ table: d.table, missing: 0, extra: 0 });
    const log = await deps.state.repairs();
    expect(log.map((e) => `${e.action} ${e.table} ${e.key}`).sort()).toEqual(
      [
        `insert public.rental rental_id=${lostRental}`,
        `insert public.payment payment_id=${lostPayment}`,
        `replace public.rental rental_id=${updatedLater}`,
        `delete public.rental rental_id=${deletedRental}`,
        `replace public.payment payment_id=${dupPayment}`,
      ].sort(),
    );
    // A second pass finds nothing and writes nothing.
    const again = await runGapfill(deps, { days: ['2026-03-02', '2026-03-03', '2026-03-04'], dryRun: false });
    expect(again.results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect((await deps.state.repairs()).length).toBe(5);
  }, 180_000);
});
