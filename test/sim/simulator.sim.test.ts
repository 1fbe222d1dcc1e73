import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { createSimulation, type Simulation } from '../../sim/simulation.js';
import { DEFAULT_MIX, Workload, type WorkloadOp } from '../../sim/workload.js';
import { DMS_USER } from '../../sim/embedded.js';
import { useEnvironment } from '../helpers/env.js';
import { drain, resetTarget, runFor } from '../helpers/sim.js';

const env = useEnvironment('simulator');
let sim: Simulation | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  // Each test gets a fresh target (full load again) and empty system tables; source changes accumulate harmlessly.
  await resetTarget(env().targetAdmin);
});

const ARN = 'arn:aws:dms:us-east-1:123456789012:task:PAGILA';

describe('simulated DMS task', () => {
  it('with no faults, 60 s at 200 changes/s ends with target equal to source for every replicated table', async () => {
    const clock = new ManualClock('2026-03-10T10:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    const workload = new Workload(env().sourceAdmin, clock, { seed: 7, ratePerSecond: 200 });
    await runFor(clock, 60, workload);
    await drain(sim, clock);
    const task = sim.tasks[0]!;
    // A few workload UPDATEs hit ids Pagila does not have and change nothing.
    expect(task.counters.captured).toBeGreaterThan(11_900);
    expect(task.counters.applied).toBe(task.counters.captured);
    expect(task.mode).toBe('batch');
    expect(sim.world.errors).toEqual([]);
    const diff = await sim.compare();
    expect(diff.map((d) => d.table)).toEqual(['public.rental', 'public.payment', 'public.customer', 'public.film']);
    for (const d of diff)
      expect({ table: d.table, missing: d.missing, extra: d.extra }).toEqual({ table: d.table, missing: 0, extra: 0 });
    // Every operation of the default mix ran (backdated rows and long transactions are off by default).
    const mixed = Object.entries(workload.counts).filter(([op]) => DEFAULT_MIX[op as WorkloadOp] > 0);
    expect(mixed.every(([, n]) => n > 0)).toBe(true);
  }, 180_000);

  for (const shape of ['no-from', 'from'] as const) {
    it(`goes one-by-one after a lost INSERT and an UPDATE of that row, leaving the evidence docs/aws-facts.md §3 describes (${shape} shape)`, async () => {
      const { sourceAdmin, targetAdmin } = env();
      const clock = new ManualClock(shape === 'from' ? '2026-03-11T10:00:00Z' : '2026-03-21T10:00:00Z');
      sim = await createSimulation({
        env: env(),
        clock,
        settings: { shape: { shape, versionComment: shape === 'from' ? 'DMS 3.5.3' : undefined } },
        faults: [{ kind: 'lose-insert', table: 'public.rental', nth: 1 }],
      });
      const task = sim.tasks[0]!;
      const workload = new Workload(sourceAdmin, clock, {
        seed: 3,
        ratePerSecond: 20,
        mix: { 'rental-insert': 0, 'rental-delete': 0 },
      });
      await runFor(clock, 5, workload);
      const inserted = await sourceAdmin.query<{ id: number }>(
        `INSERT INTO public.rental (rental_date, inventory_id, customer_id, staff_id) VALUES ($1, 1, 1, 1) RETURNING rental_id AS id`,
        [clock.now()],
      );
      const id = inserted.rows[0]!.id;
      await runFor(clock, 3, workload);
      expect(sim.world.injected).toMatchObject([{ kind: 'lose-insert', table: 'public.rental', key: [String(id)] }]);
      expect((await targetAdmin.query('SELECT 1 FROM public.rental WHERE rental_id = $1', [id])).rowCount).toBe(0);
      expect(task.mode).toBe('batch');
      const latencyBefore = task.latencySeconds();

      const updateAt = clock.now();
      await sourceAdmin.query(`UPDATE public.rental SET return_date = '2026-03-12 09:00:00+00' WHERE rental_id = $1`, [
        id,
      ]);
      await runFor(clock, 3);
      expect(task.mode).toBe('one-by-one');
      expect(task.counters.rolledBack).toBe(1);

      // The rolled-back UPDATE, exactly as docs/aws-facts.md §3 describes it.
      const rolledBack = await targetAdmin.query<{ query: number; xid: string; aborted: number; querytxt: string }>(
        `SELECT q.query, q.xid::text AS xid, q.aborted, q.querytxt
           FROM stl_query q JOIN pg_user u ON u.usesysid = q.userid
           JOIN sys_transaction_history h ON h.transaction_id = q.xid AND h.status = 'rolledback'
          WHERE u.usename = $1 AND q.querytxt ILIKE '%update%awsdms_changes%' AND q.starttime >= $2`,
        [DMS_USER, updateAt.toISOString().replace('T', ' ').replace('Z', '')],
      );
      expect(rolledBack.rows).toHaveLength(1);
      const rb = rolledBack.rows[0]!;
      expect(rb.aborted).toBe(0);
      expect(
        await targetAdmin.query('SELECT 1 FROM stl_undone WHERE xact_id_undone = $1', [rb.xid]).then((r) => r.rowCount),
      ).toBeGreaterThan(0);
      expect(
        await targetAdmin
          .query(`SELECT 1 FROM stl_utilitytext WHERE xid = $1 AND trim(text) = 'ROLLBACK'`, [rb.xid])
          .then((r) => r.rowCount),
      ).toBe(1);
      const pieces = await targetAdmin.query<{ text: string }>(
        'SELECT text FROM stl_querytext WHERE query = $1 ORDER BY sequence',
        [rb.query],
      );
      const full = (
        pieces.rows
          .slice(0, -1)
          .map((p) => p.text)
          .join('') + pieces.rows.at(-1)!.text.trimEnd()
      ).replace(/\\n/g, '\n');
      expect(full).toMatch(
        shape === 'from'
          ? /^\/\* DMS 3\.5\.3 \*\/ UPDATE "public"\."rental"\nSET .*\nFROM "dms"\."awsdms_changes[0-9a-f]{16}"\nWHERE /
          : new RegExp(
              String.raw`^UPDATE "public"\."rental" SET .* WHERE "public"\."rental"\."rental_id" = ` +
                String.raw`CAST\("dms"\."awsdms_changes[0-9a-f]{16}"\."seg1" AS INTEGER\) ` +
                String.raw`AND "dms"\."awsdms_changes[0-9a-f]{16}"\."seq" >= \d+ AND "dms"\."awsdms_changes[0-9a-f]{16}"\."seq" <= \d+$`,
              's',
            ),
      );
      if (shape === 'no-from') expect(full).not.toMatch(/\bFROM\b/);

      // One-by-one: one statement per change from here on, and the failing UPDATE in the exceptions table.
      // Redshift folds the quoted names (docs/aws-facts.md §85): the result's column is `statement`.
      const exceptions = await targetAdmin.query<{ statement: string }>(
        `SELECT "STATEMENT" FROM dms.awsdms_apply_exceptions WHERE "TABLE_NAME" = 'rental'`,
      );
      expect(exceptions.rows).toHaveLength(1);
      expect(exceptions.rows[0]!.statement).toContain(`WHERE "rental_id" = ${id}`);

      // Target latency climbs while changes keep coming faster than one statement at a time.
      const heavy = new Workload(sourceAdmin, clock, { seed: 4, ratePerSecond: 40 });
      await runFor(clock, 30, heavy);
      expect(task.latencySeconds()).toBeGreaterThan(latencyBefore + 15);
      const series = await sim.api.metrics.getDmsMetrics(
        [
          {
            metric: 'CDCLatencyTarget',
            dimensions: { ReplicationInstanceIdentifier: 'sim-instance', ReplicationTaskIdentifier: 'PAGILA' },
            stat: 'Maximum',
          },
        ],
        new Date(updateAt.getTime() - 60_000),
        clock.now(),
        60,
      );
      const values = series[0]!.map((d) => d.value);
      expect(values.at(-1)!).toBeGreaterThan(values[0]! + 15);
      expect(task.counters.oneByOneStatements).toBeGreaterThan(20);
      const updates = await targetAdmin.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM stl_query q JOIN pg_user u ON u.usesysid = q.userid WHERE u.usename = $1 AND q.querytxt ILIKE 'update%' AND ` +
          `q.querytxt NOT ILIKE '%awsdms_changes%'`,
        [DMS_USER],
      );
      expect(Number(updates.rows[0]!.n)).toBeGreaterThan(5);
    }, 120_000);
  }

  it('stop and resume-processing lose no change and apply none twice', async () => {
    const clock = new ManualClock('2026-03-12T10:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    const task = sim.tasks[0]!;
    const workload = new Workload(env().sourceAdmin, clock, { seed: 11, ratePerSecond: 100 });
    await runFor(clock, 10, workload);
    await sim.api.tasks.stopTask(ARN);
    expect((await sim.api.tasks.describeTask(ARN)).status).toBe('stopping');
    await runFor(clock, 2, workload); // changes keep coming while it stops
    expect((await sim.api.tasks.waitForStatus(ARN, 'stopped', 60)).status).toBe('stopped');
    const appliedAtStop = task.counters.applied;
    await runFor(clock, 10, workload);
    expect(task.counters.applied).toBe(appliedAtStop);
    expect(task.backlog).toBeGreaterThan(500);
    await expect(sim.api.tasks.stopTask(ARN)).rejects.toThrow(/not running/);
    await sim.api.tasks.resumeTask(ARN);
    expect((await sim.api.tasks.waitForStatus(ARN, 'running', 60)).status).toBe('running');
    await runFor(clock, 5, workload);
    await drain(sim, clock);
    expect(task.counters.applied).toBe(task.counters.captured);
    for (const d of await sim.compare())
      expect({ table: d.table, missing: d.missing, extra: d.extra }).toEqual({ table: d.table, missing: 0, extra: 0 });
  }, 120_000);

  it('injects the other faults: lost UPDATE and DELETE, a duplicated INSERT, a maintenance reboot, a memory leak', async () => {
    const { sourceAdmin } = env();
    const clock = new ManualClock('2026-03-13T10:00:00Z');
    sim = await createSimulation({
      env: env(),
      clock,
      faults: [
        { kind: 'lose-update', table: 'public.customer', nth: 1 },
        { kind: 'lose-delete', table: 'public.rental', nth: 1 },
        { kind: 'duplicate-insert', table: 'public.payment', nth: 2 },
        { kind: 'memory-leak', instance: 'sim-instance', atSeconds: 20, bytesPerSecond: 64 * 1024 * 1024 },
      ],
      cluster: { maintenance: [{ start: new Date('2026-03-13T10:00:40Z'), rebootSeconds: 60 }] },
    });
    const task = sim.tasks[0]!;
    const workload = new Workload(sourceAdmin, clock, { seed: 5, ratePerSecond: 30 });
    await runFor(clock, 35, workload);
    expect(sim.world.injected.map((f) => f.kind).sort()).toEqual([
      'duplicate-insert',
      'lose-delete',
      'lose-update',
      'memory-leak',
    ]);
    expect(sim.world.freeableMemory('sim-instance')).toBeLessThan(4 * 1024 ** 3 - 500 * 1024 * 1024);
    await drain(sim, clock);
    const diff = Object.fromEntries((await sim.compare()).map((d) => [d.table, d]));
    expect(diff['public.customer']!.extra).toBe(1); // the stale row the lost UPDATE left
    expect(diff['public.rental']!.extra).toBe(1); // the row the lost DELETE left
    expect(diff['public.payment']!.extra).toBe(1); // the second copy
    // The reboot at 10:00:40 leaves the running task "running" but stalled.
    await runFor(clock, 10, workload);
    expect(sim.world.injected.map((f) => f.kind)).toContain('maintenance-reboot');
    expect(task.status).toBe('running');
    expect(task.stalled).toBe(true);
    const cluster = await sim.api.clusters.describeCluster('sim-cluster');
    expect(cluster.availability).toBe('Maintenance');
    const before = task.counters.applied;
    await runFor(clock, 10, workload);
    expect(task.counters.applied).toBe(before);
    expect(task.latencySeconds()).toBeGreaterThan(9);
  }, 120_000);
});
