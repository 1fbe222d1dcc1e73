import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { runFixer } from '../../jobs/fixer/index.js';
import { runGapfill } from '../../jobs/gapfill/index.js';
import { ManualClock } from '../../lib/clock.js';
import { DMS_VARIANTS, type DmsVariantName } from '../../sim/dms/variants.js';
import { createSimulation, type Simulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import { gapfillTask } from '../helpers/config.js';
import { simConfig, simDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';
import { drain, resetTarget, runFor } from '../helpers/sim.js';

/**
 * The repair invariants as a property, over every simulator variant (sim/dms/variants.ts): random
 * interleavings of source writes, DMS faults and batches, and fixer and gap-filling runs. Once DMS
 * has caught up, whatever the jobs did:
 * - no key is on the target more often than on the source,
 * - no target row is older than the source's version,
 * - no target row is one the source never had,
 * except where DMS itself caused it (a duplicated INSERT, a lost UPDATE or DELETE: rows a later
 * gap-filling run repairs). Then a settled gap-filling run leaves target equal to source.
 * Changes may sit in the capture pipeline for minutes, and the source (with DMS) keeps going while
 * a job works (sim/interleave.ts). Backdated rows and long transactions need commit timestamps on
 * the source: invariants-pipeline.sim.test.ts. Bounded: a few runs of at most 7 steps.
 */
const env = useEnvironment('invariants');
let sim: Simulation | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await resetTarget(env().targetAdmin);
});

type Step =
  | { kind: 'write'; seconds: number }
  | { kind: 'tick'; seconds: number }
  | { kind: 'lagged-insert'; lagSeconds: number }
  | { kind: 'lose-insert-then-update' | 'lose-update' | 'lose-delete' | 'duplicate-insert' | 'fixer' | 'gapfill' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), seconds: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('tick' as const), seconds: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('lagged-insert' as const), lagSeconds: fc.integer({ min: 30, max: 600 }) }),
  fc.constantFrom(
    ...(['lose-insert-then-update', 'lose-update', 'lose-delete', 'duplicate-insert', 'fixer', 'gapfill'] as const).map(
      (kind) => ({ kind }),
    ),
  ),
);

let runs = 0;

async function scenario(variant: DmsVariantName, steps: Step[]): Promise<void> {
  const { sourceAdmin } = env();
  // A day of its own per run (the source keeps the rows of earlier runs).
  const dayStart = new Date(Date.UTC(2026, 6, 1 + (runs++ % 28)));
  const day = dayStart.toISOString().slice(0, 10);
  const clock = new ManualClock(new Date(dayStart.getTime() + 8 * 3_600_000).toISOString());
  sim = await createSimulation({ env: env(), clock, settings: { variant: DMS_VARIANTS[variant] } });
  const s = sim;
  const workload = new Workload(sourceAdmin, clock, { seed: steps.length, ratePerSecond: 5 });
  const config = simConfig(env(), { gapfill: { settleLag: '5m' } }, { tasks: [gapfillTask()] });
  // Jobs write through a target whose LOCKs run the before-lock and after-lock hooks.
  const deps = simDeps(env(), s, clock, config, { target: s.interleave.target(env().target) });
  /** Keys where DMS itself leaves the target with a surplus row (duplicated, stale or extra). */
  const dmsSurplus = new Set<string>();
  const rental = async () =>
    String(
      (
        await sourceAdmin.query<{ id: number }>(
          `INSERT INTO public.rental (rental_date, inventory_id, customer_id, staff_id) VALUES ($1, 9, 9, 1) RETURNING rental_id AS id`,
          [clock.now()],
        )
      ).rows[0]!.id,
    );
  const update = (id: string) =>
    sourceAdmin.query('UPDATE public.rental SET return_date = $1, last_update = $1 WHERE rental_id = $2', [
      new Date(clock.now().getTime() + 3_600_000),
      id,
    ]);
  // The source (and DMS) keep going while a job works: at the fixer's stop, and around every repair's LOCK.
  s.interleave.on('stop-task', async () => runFor(clock, 2, workload));
  s.interleave.on('before-lock', async () => runFor(clock, 1, workload));
  s.interleave.on('after-lock', async () => void (await workload.run(1)));
  await runFor(clock, 2, workload);
  for (const st of steps) {
    switch (st.kind) {
      case 'write':
        await runFor(clock, st.seconds, workload);
        break;
      case 'tick':
        await runFor(clock, st.seconds);
        break;
      case 'lagged-insert': {
        // A change that sits in the capture pipeline for minutes (and holds back every later commit).
        const id = await rental();
        s.tasks[0]!.delayNextChange({ table: 'public.rental', key: [id], ms: st.lagSeconds * 1000 });
        await runFor(clock, 2);
        break;
      }
      case 'lose-insert-then-update': {
        const id = await rental();
        s.world.arm({ kind: 'lose-insert', table: 'public.rental', key: [id] });
        await runFor(clock, 3);
        await update(id);
        await runFor(clock, 3);
        break;
      }
      case 'lose-update': {
        const id = await rental();
        await runFor(clock, 3);
        s.world.arm({ kind: 'lose-update', table: 'public.rental', key: [id] });
        await update(id);
        dmsSurplus.add(`public.rental ${id}`);
        await runFor(clock, 3);
        break;
      }
      case 'lose-delete': {
        const id = await rental();
        await runFor(clock, 3);
        s.world.arm({ kind: 'lose-delete', table: 'public.rental', key: [id] });
        await sourceAdmin.query('DELETE FROM public.rental WHERE rental_id = $1', [id]);
        dmsSurplus.add(`public.rental ${id}`);
        // A later key on the same day: gap-filling's day key range then still covers the deleted one.
        await rental();
        await runFor(clock, 3);
        break;
      }
      case 'duplicate-insert': {
        const id = String(
          (
            await sourceAdmin.query<{ id: number }>(
              `INSERT INTO public.payment (customer_id, staff_id, rental_id, amount, payment_date) VALUES (5, 1, 5, 1.99, $1) RETURNING payment_id AS id`,
              [clock.now()],
            )
          ).rows[0]!.id,
        );
        s.world.arm({ kind: 'duplicate-insert', table: 'public.payment', key: [id] });
        dmsSurplus.add(`public.payment ${id}`);
        await runFor(clock, 3);
        break;
      }
      case 'fixer':
        await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
        break;
      case 'gapfill':
        await runGapfill(deps, { days: [day], dryRun: false, deleteExtra: true, dedupe: true });
        break;
    }
  }
  s.interleave.clear();
  await drain(s, clock, 900);
  // The invariants: every surplus row on the target is one DMS itself made.
  for (const d of await s.compare())
    for (const key of d.extraKeys)
      expect(dmsSurplus, `${d.table} ${key.join(',')}: made by a job`).toContain(`${d.table} ${key[0]}`);
  // The day settled: gap-filling repairs what DMS got wrong, and the target equals the source.
  await clock.set(new Date(dayStart.getTime() + 33 * 3_600_000).toISOString());
  const settled = await runGapfill(deps, { days: [day], dryRun: false, deleteExtra: true, dedupe: true });
  const why = JSON.stringify(settled.results.map((r) => [r.table, r.status, r.error, r.warnings, r.extra, r.missing]));
  for (const d of await s.compare())
    expect({ table: d.table, missing: d.missing, extra: d.extra }, why).toEqual({
      table: d.table,
      missing: 0,
      extra: 0,
    });
  await s.close();
  sim = undefined;
  await resetTarget(env().targetAdmin);
}

describe('repair invariants over every simulator variant (property)', () => {
  it('no duplicate, older or invented row from a job; target equals source once settled', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(DMS_VARIANTS) as DmsVariantName[])),
        fc.array(step, { minLength: 2, maxLength: 7 }),
        scenario,
      ),
      {
        numRuns: 3,
        endOnFailure: true,
        examples: [
          ['failed-batch-seq-restart', [{ kind: 'lose-delete' }, { kind: 'tick', seconds: 3 }, { kind: 'fixer' }]],
        ],
      },
    );
  }, 240_000);
});
