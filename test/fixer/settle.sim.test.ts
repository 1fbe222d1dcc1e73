import { describe, expect, it } from 'vitest';
import { runFixer } from '../../jobs/fixer/index.js';
import { ManualClock } from '../../lib/clock.js';
import { createSimulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import { useCommitTimestampEnvironment } from '../helpers/commit-timestamps.js';
import { simConfig, simDeps } from '../helpers/deps.js';
import { drain, loseInsertThenUpdate, rentalCopies, runFor } from '../helpers/sim.js';

/**
 * The fixer's settle check (jobs/fixer/settle-check.ts) on a source that records commit
 * timestamps (its own server, track_commit_timestamp = on): stopping the task does not empty
 * DMS's pipeline, so a row the fixer reads after the stop may still be delivered by DMS after the
 * resume. Such a row is skipped and reported, never written twice.
 */
const useEnv = useCommitTimestampEnvironment('fixer_settle');

const copies = (id: number) => rentalCopies(useEnv().targetAdmin, id);

describe('fixer: rows DMS may still deliver after the resume', () => {
  it('a missing key re-inserted on the source, its INSERT still in the capture pipeline at the stop: skipped, reported, one copy at the end', async () => {
    const env = useEnv();
    const clock = new ManualClock('2026-08-01T08:00:00Z');
    const sim = await createSimulation({ env, clock });
    try {
      await runFor(
        clock,
        3,
        new Workload(env.sourceAdmin, clock, {
          seed: 5,
          ratePerSecond: 5,
          mix: { 'rental-insert': 0, 'rental-delete': 0 },
        }),
      );
      const id = await loseInsertThenUpdate(sim, clock, env.sourceAdmin);
      await runFor(clock, 30);
      // Between the fixer's first read and its stop: the key is deleted (DMS applies it: nothing to delete), then
      // inserted again, and that INSERT sits in the capture pipeline for ten minutes.
      sim.interleave.on('stop-task', async () => {
        await env.sourceAdmin.query('DELETE FROM public.rental WHERE rental_id = $1', [id]);
        await runFor(clock, 20);
        await env.sourceAdmin.query(
          `INSERT INTO public.rental (rental_id, rental_date, inventory_id, customer_id, staff_id) VALUES ($1, $2, 8, 8, 2)`,
          [id, clock.now()],
        );
        sim.tasks[0]!.delayNextChange({ table: 'public.rental', key: [String(id)], ms: 600_000 });
      });
      const config = simConfig(env);
      const deps = simDeps(env, sim, clock, config);
      const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
      expect(sim.interleave.reached['stop-task']).toBe(1);
      expect(r.missing).toEqual([[String(id)]]);
      expect(r.inserted).toEqual([]);
      expect(r.unsettled).toEqual([[String(id)]]);
      expect(r.warnings.some((w) => w.startsWith('1 key(s) not repaired: changed on the source too recently'))).toBe(
        true,
      );
      expect(r.hold.resumed).toBe(true);
      // DMS delivers the re-insert after the resume: exactly one copy.
      await drain(sim, clock, 900);
      expect(await copies(id)).toBe(1);
      for (const d of await sim.compare())
        expect({ t: d.table, missing: d.missing, extra: d.extra }).toEqual({ t: d.table, missing: 0, extra: 0 });
    } finally {
      await sim.close();
    }
  }, 180_000);
});
