import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFixer } from '../../jobs/fixer/index.js';
import { runGapfill } from '../../jobs/gapfill/index.js';
import { ManualClock } from '../../lib/clock.js';
import { DMS_VARIANTS, type DmsVariantName } from '../../sim/dms/variants.js';
import { createSimulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import { gapfillTask } from '../helpers/config.js';
import { useCommitTimestampEnvironment } from '../helpers/commit-timestamps.js';
import { simConfig, simDeps } from '../helpers/deps.js';
import { drain, resetTarget, runFor } from '../helpers/sim.js';
import type { SqlClient } from '../../lib/sql/client.js';

/**
 * The repair invariants (as in invariants.sim.test.ts) where DMS's pipeline is long: capture lag
 * per change, changes held for minutes, backdated rows, long transactions, and source writes (with
 * DMS steps) while a job works — at the fixer's stop and around every repair's LOCK. The source
 * records commit timestamps (own server), so the settle rules of gap-filling and the fixer apply:
 * whatever the jobs do mid-way, once DMS has delivered everything no key is on the target more
 * often than on the source, and a final gap-filling run leaves target equal to source.
 * Bounded: a few runs of at most 6 steps.
 */
const useEnv = useCommitTimestampEnvironment('invariants_pipeline');

type Step =
  | { kind: 'write' | 'tick'; seconds: number }
  | { kind: 'lagged-insert'; lagSeconds: number }
  | {
      kind:
        'backdated' | 'long-transaction' | 'lose-insert-then-update' | 'fixer' | 'fixer-during-reinsert' | 'gapfill';
    };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), seconds: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('tick' as const), seconds: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('lagged-insert' as const), lagSeconds: fc.integer({ min: 30, max: 600 }) }),
  fc.constantFrom(
    ...(
      ['backdated', 'long-transaction', 'lose-insert-then-update', 'fixer', 'fixer-during-reinsert', 'gapfill'] as const
    ).map((kind) => ({
      kind,
    })),
  ),
);

let runs = 0;
/** LOCKs the jobs took across runs, each with source writes and DMS steps around it (proof the hooks ran). */
let locksInterleaved = 0;

const insertRental = async (source: SqlClient, at: Date): Promise<string> =>
  String(
    (
      await source.query<{ id: number }>(
        `INSERT INTO public.rental (rental_date, inventory_id, customer_id, staff_id) VALUES ($1, 10, 10, 1) RETURNING rental_id AS id`,
        [at],
      )
    ).rows[0]!.id,
  );

async function scenario(variant: DmsVariantName, steps: Step[]): Promise<void> {
  const env = useEnv();
  const source = env.sourceAdmin;
  const dayStart = new Date(Date.UTC(2026, 8, 1 + (runs++ % 28)));
  const day = dayStart.toISOString().slice(0, 10);
  const clock = new ManualClock(new Date(dayStart.getTime() + 8 * 3_600_000).toISOString());
  const sim = await createSimulation({
    env,
    clock,
    settings: { variant: DMS_VARIANTS[variant], captureLag: { minMs: 0, maxMs: 20_000, seed: steps.length } },
  });
  const workload = new Workload(source, clock, {
    seed: steps.length,
    ratePerSecond: 3,
    mix: { 'rental-insert-backdated': 5 },
    longTransactionSeconds: [60, 300],
  });
  try {
    // The world keeps going while jobs work.
    sim.interleave.on('stop-task', async () => runFor(clock, 2, workload));
    sim.interleave.on('before-lock', async () => runFor(clock, 1, workload));
    sim.interleave.on('after-lock', async () => void (await workload.run(1)));
    const config = simConfig(env, { gapfill: { settleLag: '5m' } }, { tasks: [gapfillTask()] });
    // Jobs write through a target whose LOCKs run the before-lock and after-lock hooks.
    const deps = simDeps(env, sim, clock, config, { target: sim.interleave.target(env.target) });
    /** Rentals whose INSERT a fault lost. */
    const lost: string[] = [];
    await runFor(clock, 2, workload);
    for (const st of steps) {
      switch (st.kind) {
        case 'write':
        case 'tick':
          await runFor(clock, st.seconds, st.kind === 'write' ? workload : undefined);
          break;
        case 'lagged-insert': {
          const id = await insertRental(source, clock.now());
          sim.tasks[0]!.delayNextChange({ table: 'public.rental', key: [id], ms: st.lagSeconds * 1000 });
          await runFor(clock, 2);
          break;
        }
        case 'backdated':
          // Dated early in the day gap-filling compares, inserted now (the workload adds more, 1–72 h back).
          await insertRental(source, new Date(dayStart.getTime() + 3_600_000 + runs * 1000));
          break;
        case 'long-transaction':
          await workload.once('long-transaction');
          break;
        case 'lose-insert-then-update': {
          // As loseInsertThenUpdate, with time for the capture lag: the INSERT lost, the UPDATE then fails its batch.
          const id = await insertRental(source, clock.now());
          lost.push(id);
          sim.world.arm({ kind: 'lose-insert', table: 'public.rental', key: [id] });
          await runFor(clock, 25);
          await source.query('UPDATE public.rental SET return_date = $1 WHERE rental_id = $2', [
            new Date(clock.now().getTime() + 3_600_000),
            id,
          ]);
          await runFor(clock, 25);
          break;
        }
        case 'fixer':
          await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
          break;
        case 'fixer-during-reinsert': {
          // Between the fixer's read and its stop, a lost key is deleted (DMS: nothing to delete) and inserted
          // again, that INSERT held in the capture pipeline for minutes: DMS delivers it after the resume.
          const id = lost[lost.length - 1];
          if (id)
            sim.interleave.once('stop-task', async () => {
              await source.query('DELETE FROM public.rental WHERE rental_id = $1', [id]);
              await runFor(clock, 20);
              await source.query(
                `INSERT INTO public.rental (rental_id, rental_date, inventory_id, customer_id, staff_id) VALUES ($1, $2, 12, 12, 2)`,
                [id, clock.now()],
              );
              sim.tasks[0]!.delayNextChange({ table: 'public.rental', key: [id], ms: 600_000 });
            });
          await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
          break;
        }
        case 'gapfill':
          await runGapfill(deps, { days: [day], dryRun: false, deleteExtra: true, dedupe: true });
          break;
      }
    }
    sim.interleave.clear();
    await workload.commitDue(true);
    await drain(sim, clock, 900);
    // Two quiet minutes: the last CDCLatencyTarget datapoint (a per-minute maximum) is 0 again.
    await runFor(clock, 120);
    // No job made a surplus row (no DMS fault here makes one).
    for (const d of await sim.compare())
      expect({ table: d.table, extra: d.extraKeys }, `variant ${variant}`).toEqual({ table: d.table, extra: [] });
    // Everything delivered: a settle lag of 0 is safe now, and gap-filling repairs what DMS lost.
    const settledConfig = simConfig(env, { gapfill: { settleLag: '0s' } }, { tasks: [gapfillTask()] });
    const days = [0, 1, 2, 3].map((n) => new Date(dayStart.getTime() - n * 86_400_000).toISOString().slice(0, 10));
    const settled = await runGapfill(simDeps(env, sim, clock, settledConfig), {
      days,
      dryRun: false,
      deleteExtra: true,
    });
    const why = JSON.stringify(
      settled.results.map((r) => [r.table, r.day, r.status, r.error, r.warnings, r.extra, r.missing]),
    );
    for (const d of await sim.compare())
      expect({ table: d.table, missing: d.missing, extra: d.extra }, why).toEqual({
        table: d.table,
        missing: 0,
        extra: 0,
      });
    locksInterleaved += sim.interleave.reached['after-lock'];
  } finally {
    // A failed run must not leave a long transaction open (the pool would never close).
    await workload.commitDue(true);
    await sim.close();
    await resetTarget(env.targetAdmin);
  }
}

describe('repair invariants with a long DMS pipeline (property)', () => {
  it('lagged changes, backdated rows, long transactions, writes during jobs: no duplicate from a job; target equals source once settled', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(DMS_VARIANTS) as DmsVariantName[])),
        fc.array(step, { minLength: 2, maxLength: 6 }),
        scenario,
      ),
      {
        numRuns: 3,
        endOnFailure: true,
        examples: [
          [
            'failed-batch',
            [
              { kind: 'lagged-insert', lagSeconds: 600 },
              { kind: 'backdated' },
              { kind: 'long-transaction' },
              { kind: 'gapfill' },
            ],
          ],
          [
            'until-restart',
            [{ kind: 'lose-insert-then-update' }, { kind: 'backdated' }, { kind: 'fixer' }, { kind: 'gapfill' }],
          ],
          [
            'failed-batch',
            [{ kind: 'lose-insert-then-update' }, { kind: 'fixer-during-reinsert' }, { kind: 'tick', seconds: 30 }],
          ],
        ],
      },
    );
    expect(locksInterleaved).toBeGreaterThan(0);
  }, 300_000);
});
