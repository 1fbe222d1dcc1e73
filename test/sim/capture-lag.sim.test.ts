import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { createSimulation, type Simulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import { useEnvironment } from '../helpers/env.js';
import { drain, rentalCopies, resetTarget, runFor } from '../helpers/sim.js';

/**
 * The simulated pipeline between a source commit and DMS's apply (sim/dms/pipeline.ts): capture lag
 * per change, released in commit order (docs/aws-facts.md §98–§99), and the workload's changes whose
 * day and commit disagree: backdated rows and long transactions.
 */
const env = useEnvironment('capture_lag');
let sim: Simulation | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await resetTarget(env().targetAdmin);
});

const insertRental = async (at: Date, date = at): Promise<string> =>
  String(
    (
      await env().sourceAdmin.query<{ id: number }>(
        `INSERT INTO public.rental (rental_date, inventory_id, customer_id, staff_id) VALUES ($1, 11, 11, 1) RETURNING rental_id AS id`,
        [date],
      )
    ).rows[0]!.id,
  );

const onTarget = (id: string): Promise<number> => rentalCopies(env().targetAdmin, id);

describe('capture lag in the simulated DMS pipeline', () => {
  it('a change sits in the pipeline for minutes, both CDC latencies show it, and later commits wait behind it', async () => {
    const clock = new ManualClock('2026-04-02T10:00:00Z');
    sim = await createSimulation({ env: env(), clock, settings: { captureLag: { minMs: 0, maxMs: 0, seed: 1 } } });
    const task = sim.tasks[0]!;
    const first = await insertRental(clock.now());
    task.delayNextChange({ table: 'public.rental', key: [first], ms: 300_000 });
    await runFor(clock, 1);
    const second = await insertRental(clock.now());
    await runFor(clock, 120);
    // Committed on the source, not on the target: the second waits behind the first (commit order).
    expect([await onTarget(first), await onTarget(second)]).toEqual([0, 0]);
    expect(task.inPipeline).toBe(2);
    expect(task.sourceLatencySeconds()).toBeGreaterThanOrEqual(120);
    expect(task.latencySeconds()).toBeGreaterThanOrEqual(120);
    const series = await sim.api.metrics.getDmsMetrics(
      [
        {
          metric: 'CDCLatencySource',
          dimensions: { ReplicationInstanceIdentifier: 'sim-instance', ReplicationTaskIdentifier: 'PAGILA' },
          stat: 'Maximum',
        },
      ],
      new Date(clock.now().getTime() - 60_000),
      clock.now(),
      60,
    );
    expect(Math.max(...series[0]!.map((p) => p.value))).toBeGreaterThanOrEqual(60);
    await drain(sim, clock, 400);
    expect([await onTarget(first), await onTarget(second)]).toEqual([1, 1]);
    expect(task.latencySeconds()).toBe(0);
  }, 120_000);

  it('a seeded lag per change: the target catches up, equal to the source, once the pipeline is empty', async () => {
    const clock = new ManualClock('2026-04-03T10:00:00Z');
    sim = await createSimulation({
      env: env(),
      clock,
      settings: { captureLag: { minMs: 5_000, maxMs: 90_000, seed: 3 } },
    });
    await runFor(clock, 30, new Workload(env().sourceAdmin, clock, { seed: 3, ratePerSecond: 20 }));
    expect(sim.tasks[0]!.inPipeline).toBeGreaterThan(0);
    await drain(sim, clock, 300);
    for (const d of await sim.compare())
      expect({ table: d.table, missing: d.missing, extra: d.extra }).toEqual({ table: d.table, missing: 0, extra: 0 });
  }, 120_000);

  it('a long transaction reaches DMS only at its commit; a backdated row carries an old day', async () => {
    const clock = new ManualClock('2026-04-04T10:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    const workload = new Workload(env().sourceAdmin, clock, {
      seed: 5,
      ratePerSecond: 0,
      longTransactionSeconds: [300, 300],
    });
    const before = Number(
      (await env().targetAdmin.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.rental`)).rows[0]!.n,
    );
    await workload.once('long-transaction');
    await workload.once('rental-insert-backdated');
    expect(workload.openLongTransactions).toBe(1);
    await runFor(clock, 200, workload);
    const rows = async () =>
      (
        await env().targetAdmin.query<{ d: Date }>(
          `SELECT rental_date AS d FROM public.rental ORDER BY rental_id OFFSET $1`,
          [before],
        )
      ).rows.map((r) => r.d.getTime());
    // Only the backdated row so far, dated at least an hour before it was inserted.
    const early = await rows();
    expect(early).toHaveLength(1);
    expect(early[0]!).toBeLessThanOrEqual(Date.parse('2026-04-04T09:00:00Z'));
    await runFor(clock, 120, workload);
    expect(workload.openLongTransactions).toBe(0);
    await drain(sim, clock);
    // The long transaction's rows arrive after it commits, dated when their statements ran (5 minutes before).
    const late = (await rows()).filter((t) => t > Date.parse('2026-04-04T09:00:00Z'));
    expect(late.length).toBeGreaterThanOrEqual(1);
    for (const t of late) expect(t).toBeLessThan(Date.parse('2026-04-04T10:00:01Z'));
  }, 120_000);
});
