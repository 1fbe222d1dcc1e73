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

describe('fixer: the source keeps changing through the stop (sim.interleave)', () => {
  it('a source UPDATE still in the capture pipeline at the stop: the current version is written, DMS applies the UPDATE after resuming: one row', async () => {
    const { clock, id, sim } = await missingRow('2026-06-11T08:00:00Z');
    const config = simConfig(env());
    const deps = simDeps(env(), sim, clock, config);
    const newer = new Date('2026-06-12T09:30:00Z');
    sim.interleave.on('stop-task', async () => {
      await env().sourceAdmin.query('UPDATE public.rental SET return_date = $1 WHERE rental_id = $2', [newer, id]);
      sim.tasks[0]!.delayNextChange({ table: 'public.rental', key: [String(id)], ms: 300_000 });
      await runFor(clock, 5);
    });
    const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
    expect(sim.interleave.reached['stop-task']).toBe(1);
    expect(r.inserted).toEqual([[String(id)]]);
    expect(await rentalOn('targetAdmin', id)).toEqual([newer.toISOString()]);
    expect(sim.tasks[0]!.inPipeline).toBeGreaterThan(0);
    await drain(sim, clock, 600);
    expect(await rentalOn('targetAdmin', id)).toEqual([newer.toISOString()]);
    for (const d of await sim.compare())
      expect({ t: d.table, missing: d.missing, extra: d.extra }).toEqual({ t: d.table, missing: 0, extra: 0 });
  }, 120_000);
});

describe('fixer: a changes table DMS has reloaded since the failed batch', () => {
  /** The lost row's batch replayed one by one, then more batches loaded into the same changes table. */
  async function reloaded(start: string, variant: DmsVariantName) {
    const m = await missingRow(start, variant);
    expect(m.sim.tasks[0]!.mode).toBe('batch'); // the failed batch was replayed one by one, then back to batch apply
    const workload = new Workload(env().sourceAdmin, m.clock, { seed: 9, ratePerSecond: 5 });
    await runFor(m.clock, 10, workload);
    const config = simConfig(env());
    return { ...m, config, deps: simDeps(env(), m.sim, m.clock, config) };
  }

  for (const variant of ['failed-batch', 'failed-batch-seq-restart'] as const) {
    it(`refuses the seq range and repairs from the task's apply exceptions instead (${variant})`, async () => {
      const { clock, id, sim, config, deps } = await reloaded(
        variant === 'failed-batch' ? '2026-06-03T08:00:00Z' : '2026-06-04T08:00:00Z',
        variant,
      );
      const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
      expect(r.evidence?.kind).toBe('apply-exceptions');
      // seq continuing: the old range is simply empty; seq restarting: it holds another batch's changes.
      expect(r.evidence).toMatchObject({
        changesTable: expect.stringMatching(
          variant === 'failed-batch'
            ? /has no rows in seq \d+–\d+: it was truncated or reloaded since the UPDATE/
            : /no longer holds the batch of rolled-back query \d+: query \d+ of the DMS user named it since \(COPY /,
        ) as unknown,
        refused: [],
      });
      expect(r.status).toBe('repaired');
      expect(r.missing).toEqual([[String(id)]]);
      expect(r.inserted).toEqual([[String(id)]]);
      expect(r.hold).toMatchObject({ stopped: true, resumed: true });
      expect(await deps.state.activeHolds()).toEqual([]);
      const log = await deps.state.repairs(config.tasks[0]!.arn);
      expect(log.map((e) => [e.key, e.evidence])).toEqual([
        [`rental_id=${id}`, expect.stringMatching(/^awsdms_apply_exceptions of task pagila since /) as unknown],
      ]);
      await drain(sim, clock);
      expect(await rentalOn('targetAdmin', id)).toEqual(await rentalOn('sourceAdmin', id));
      for (const d of await sim.compare())
        expect({ t: d.table, missing: d.missing, extra: d.extra }).toEqual({ t: d.table, missing: 0, extra: 0 });
      // A second run finds the exception's key on the target: no stop, nothing written.
      const again = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
      expect(again).toMatchObject({
        status: 'nothing-missing',
        inserted: [],
        alreadyPresent: [[String(id)]],
        hold: { stopped: false },
      });
    }, 120_000);
  }

  const ZERO_ROWS = 'RetCode: SQL_SUCCESS_WITH_INFO  SqlState: 01000 NativeError: 0 Message: 0 rows affected';
  const logException = (task: string, table: string, statement: string, at: Date, error = ZERO_ROWS) =>
    env().targetAdmin.query(`INSERT INTO dms.awsdms_apply_exceptions VALUES ($1, 'public', $2, $3, $4, $5)`, [
      task,
      table,
      at.toISOString().replace('T', ' ').replace('Z', ''),
      statement,
      error,
    ]);

  it('refuses malformed and foreign apply exception rows, with the reason, and uses none of their keys', async () => {
    const { clock, id, config, deps } = await reloaded('2026-06-06T08:00:00Z', 'failed-batch');
    const other = id - 1;
    const rows: [string, string, string?][] = [
      ['rental', `UPDATE "public"."rental" SET "staff_id" = 1 WHERE "rental_id" = ${other} OR "rental_id" = 1`],
      ['rental', `UPDATE "public"."rental" SET "staff_id" = 1 WHERE "rental_id" IN (${other})`],
      ['rental', `UPDATE "public"."rental" SET "staff_id" = 1 WHERE "rental_id" = ${other} AND "staff_id" = 1`],
      ['rental', `UPDATE "public"."rental" SET "staff_id" = 'x WHERE "rental_id" = ${other}`],
      ['rental', `DELETE FROM "public"."rental" WHERE "rental_id" = ${other}`],
      ['rental', `UPDATE "public"."payment" SET "amount" = 1 WHERE "payment_id" = ${other}`],
      ['rental', `UPDATE "public"."payment" SET "amount" = 1 WHERE "rental_id" = ${other}`],
      ['staff', `UPDATE "public"."staff" SET "active" = 1 WHERE "staff_id" = ${other}`],
      ['rental', `UPDATE "public"."rental" SET "staff_id" = 1 WHERE "rental_id" = ${other}`, 'ERROR: value too long'],
    ];
    for (const [table, statement, error] of rows) await logException('PAGILA', table, statement, clock.now(), error);
    const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
    expect(r.status).toBe('repaired');
    expect(r.missing).toEqual([[String(id)]]);
    expect(r.inserted).toEqual([[String(id)]]);
    const refused = r.evidence?.kind === 'apply-exceptions' ? r.evidence.refused : [];
    const reasons = [
      /anything but AND between WHERE conditions/,
      /not "column" = literal/,
      /names "rental_id", "staff_id", not exactly the primary key/,
      /does not tokenize/,
      /a DELETE that touched nothing/,
      /WHERE names "payment_id", not exactly the primary key "rental_id"/,
      /STATEMENT names public\.payment, not public\.rental of TABLE_OWNER\/TABLE_NAME/,
      /table public\.staff is not a target table of task pagila/,
      /ERROR \(ERROR: value too long\) does not say the statement touched 0 rows/,
    ];
    expect(refused).toHaveLength(reasons.length);
    for (const why of reasons)
      expect(
        refused.filter((x) => why.test(x)),
        String(why),
      ).toHaveLength(1);
    expect(r.warnings.filter((w) => w.startsWith('apply exception not used: '))).toHaveLength(reasons.length);
  }, 120_000);

  it("reads only this task's apply exceptions, from the rolled-back UPDATE on", async () => {
    const { clock, id, config, deps } = await reloaded('2026-06-07T08:00:00Z', 'failed-batch');
    const other = String(id - 1);
    const update = `UPDATE "public"."rental" SET "staff_id" = 1 WHERE "rental_id" = ${other}`;
    const own = await env().targetAdmin.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM dms.awsdms_apply_exceptions WHERE "TASK_NAME" = 'PAGILA'`,
    );
    await logException('OTHERTASK', 'rental', update, clock.now()); // another task's row
    await logException('PAGILA', 'rental', update, new Date(clock.now().getTime() - 86_400_000)); // before the rollback
    const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
    expect(r.evidence).toMatchObject({ kind: 'apply-exceptions', rows: Number(own.rows[0]!.n), refused: [] });
    expect(r.missing).toEqual([[String(id)]]);
    expect(r.inserted).toEqual([[String(id)]]);
    expect(await rentalOn('targetAdmin', id)).toEqual(await rentalOn('sourceAdmin', id));
  }, 120_000);

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
