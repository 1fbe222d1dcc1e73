import { afterEach, describe, expect, it } from 'vitest';
import { checkAndFix } from '../../jobs/registry.js';
import { runFixer, type ChangesTableEvidence } from '../../jobs/fixer/index.js';
import { ManualClock } from '../../lib/clock.js';
import { PgClient } from '../../lib/sql/pg-client.js';
import { SOURCE_SESSION_OPTIONS, sourceTypeParsers } from '../../lib/typemap/pg-types.js';
import { COMPANION_USER, poolFor } from '../../sim/embedded.js';
import { createSimulation, type Simulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import { simConfig, simDeps, targetDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';
import {
  drain,
  loseInsertThenUpdate,
  rentalCopies,
  resetTarget,
  runFor,
  useTarget,
  type TargetKind,
  expectTargetEqualsSource,
} from '../helpers/sim.js';

const env = useEnvironment('checker_fixer');
let sim: Simulation | undefined;
const extraClients: PgClient[] = [];

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const c of extraClients.splice(0)) await c.close();
  await resetTarget(env().targetAdmin);
});

/** The workload without rental inserts/deletes, so the lost INSERT is the test's own. */
const NO_RENTAL_INSERTS = { 'rental-insert': 0, 'rental-delete': 0 } as const;

async function oneByOneSimulation(start: string, shape: 'no-from' | 'from', settings: Record<string, unknown> = {}) {
  const clock = new ManualClock(start);
  sim = await createSimulation({
    env: env(),
    clock,
    settings: { shape: { shape, versionComment: shape === 'from' ? 'DMS 3.5.3' : undefined }, ...settings },
  });
  const workload = new Workload(env().sourceAdmin, clock, { seed: 21, ratePerSecond: 10, mix: NO_RENTAL_INSERTS });
  await runFor(clock, 3, workload);
  const id = await loseInsertThenUpdate(sim, clock, env().sourceAdmin);
  return { clock, workload, id, sim };
}

/** Where the evidence comes from on each target kind (Serverless has no STL views: docs/aws-facts.md §13.1). */
const EVIDENCE: Record<TargetKind, { statements: string; rolledBack: string; attempts: [string, string][] }> = {
  direct: {
    statements: 'stl_query',
    rolledBack: 'stl_undone', // the companion is not a superuser
    attempts: [
      ['sys_transaction_history', 'permission denied'],
      ['stl_undone', 'used'],
    ],
  },
  'data-api': {
    statements: 'stl_query',
    rolledBack: 'stl_undone',
    attempts: [
      ['sys_transaction_history', 'permission denied'],
      ['stl_undone', 'used'],
    ],
  },
  serverless: {
    statements: 'sys_query_history',
    rolledBack: 'sys_query_history',
    attempts: [
      ['sys_transaction_history', 'permission denied'],
      ['stl_undone', 'permission denied'],
      ['stl_utilitytext', 'permission denied'],
      ['sys_query_history', 'used'],
    ],
  },
};

/** Both statement shapes on the direct target; one on each Data API kind (the shape is the simulator's, not the transport's). */
const E2E_CASES: [TargetKind, 'no-from' | 'from', string][] = [
  ['direct', 'no-from', '2026-04-02T08:00:00Z'],
  ['direct', 'from', '2026-04-01T08:00:00Z'],
  ['data-api', 'from', '2026-04-08T08:00:00Z'],
  ['serverless', 'no-from', '2026-04-09T08:00:00Z'],
];

describe.each(E2E_CASES)('checker + fixer end to end on the simulator, %s target (%s)', (kind, shape, start) => {
  const target = useTarget(env, kind);
  const expected = EVIDENCE[kind];
  it(`detects one-by-one within one interval, inserts exactly the missing row, resumes the task, and target equals source`, async () => {
    const { clock, workload, id, sim } = await oneByOneSimulation(start, shape);
    const { config, deps } = targetDeps(env(), sim, clock, target());
    const task = sim.tasks[0]!;
    // The next checker run comes within one interval (3 minutes) of the rollback.
    await runFor(clock, 150, workload);
    expect(task.mode).toBe('one-by-one');

    const report = await checkAndFix(deps, { tasks: config.tasks, dryRun: false });
    const check = report.tasks[0]!;
    expect(check.status).toBe('one-by-one');
    expect(check.evidence.rolledBackUpdates).toBe(1);
    expect(check.evidence.statementSource).toBe(expected.statements);
    expect(check.evidence.rolledBackSource).toBe(expected.rolledBack);
    expect(check.evidence.singleRowUpdates).toBeGreaterThan(check.evidence.threshold);
    expect(check.evidence.cdcLatencyTarget).toBeGreaterThan(30);
    expect(check.action).toBe('fixer');
    const fix = check.fix!;
    expect(fix.status).toBe('repaired');
    expect(fix.evidence?.kind).toBe('changes-table');
    expect((fix.evidence as ChangesTableEvidence).attempts.map((a) => [a.source, a.outcome])).toEqual(
      expected.attempts,
    );
    expect(fix.missing).toEqual([[String(id)]]);
    expect(fix.inserted).toEqual([[String(id)]]);
    expect(fix.hold).toMatchObject({ stopped: true, resumed: true });
    expect(report.problems).toBe(0);

    // The row carries the source's current values (the UPDATE included).
    const src = await env().sourceAdmin.query<{ r: Date }>(
      'SELECT return_date AS r FROM public.rental WHERE rental_id = $1',
      [id],
    );
    const tgt = await env().targetAdmin.query<{ r: Date }>(
      'SELECT return_date AS r FROM public.rental WHERE rental_id = $1',
      [id],
    );
    expect(tgt.rows).toHaveLength(1);
    expect(tgt.rows[0]!.r.getTime()).toBe(src.rows[0]!.r.getTime());

    // Back in batch mode; the backlog drains; target equals source.
    await runFor(clock, 30, workload);
    expect(task.mode).toBe('batch');
    expect(task.status).toBe('running');
    await drain(sim, clock);
    await expectTargetEqualsSource(sim);

    // Every row written is in the repair log, and holds are gone.
    const log = await deps.state.repairs(config.tasks[0]!.arn);
    expect(log.map((e) => [e.table, e.key, e.action])).toEqual([['public.rental', `rental_id=${id}`, 'insert']]);
    expect(log[0]!.evidence).toContain(`query ${(fix.evidence as ChangesTableEvidence).queryId}`);
    expect(await deps.state.activeHolds()).toEqual([]);

    // A later check: ok (and the cool-down keeps the fixer away meanwhile).
    await runFor(clock, 180, workload);
    const again = await checkAndFix(deps, { tasks: config.tasks, dryRun: false });
    expect(again.tasks[0]!.evidence.singleRowUpdates).toBe(0);
    expect(again.tasks[0]!.status).toBe('ok');
  }, 180_000);
});

describe("checker + fixer on the simulator: the fixer's guard rails", () => {
  it('uses sys_transaction_history when the companion is a superuser, and --dry-run plans without touching the task', async () => {
    const { clock, id, sim } = await oneByOneSimulation('2026-04-03T08:00:00Z', 'no-from');
    const config = simConfig(env());
    const deps = simDeps(env(), sim, clock, config, { target: env().targetAdmin });
    const plan = await runFixer(deps, { task: config.tasks[0]!, dryRun: true });
    expect(plan.status).toBe('planned');
    expect(plan.evidence).toMatchObject({ kind: 'changes-table', source: 'sys_transaction_history' });
    expect(plan.missing).toEqual([[String(id)]]);
    expect(plan.plannedStatements).toHaveLength(1);
    expect(plan.plannedStatements![0]).toMatch(
      new RegExp(`^INSERT INTO "public"."rental" \\("rental_id", .*\\) VALUES \\(${id}, `),
    );
    expect(sim.tasks[0]!.status).toBe('running');
    expect((await env().targetAdmin.query('SELECT 1 FROM public.rental WHERE rental_id = $1', [id])).rowCount).toBe(0);
    expect(await deps.state.activeHolds()).toEqual([]);
  }, 120_000);

  it('never inserts a row twice: the fixer run twice, and two companions at once', async () => {
    const { clock, id, sim } = await oneByOneSimulation('2026-04-04T08:00:00Z', 'from');
    const config = simConfig(env());
    // Two companions: separate connections, separate state-store objects.
    const second = new PgClient({
      role: 'target',
      dialect: 'redshift',
      connection: poolFor(env().server, env().databases.target, COMPANION_USER),
    });
    extraClients.push(second);
    const a = simDeps(env(), sim, clock, config);
    const b = simDeps(env(), sim, clock, config, { target: second });
    const [ra, rb] = await Promise.all([
      runFixer(a, { task: config.tasks[0]!, dryRun: false }),
      runFixer(b, { task: config.tasks[0]!, dryRun: false }),
    ]);
    const statuses = [ra.status, rb.status].sort();
    expect(statuses).toContain('repaired');
    expect(ra.inserted.length + rb.inserted.length).toBe(1);
    const third = await runFixer(a, { task: config.tasks[0]!, dryRun: false });
    expect(third.status).toBe('nothing-missing');
    expect(third.inserted).toEqual([]);
    expect(await rentalCopies(env().targetAdmin, id)).toBe(1);
    expect((await a.state.repairs()).length).toBe(1);
    expect(await a.state.activeHolds()).toEqual([]);
  }, 120_000);

  it('refuses a changes table already truncated (and no apply exception to go by): a clear error, no hold, no write', async () => {
    const { clock, id, sim } = await oneByOneSimulation('2026-04-05T08:00:00Z', 'no-from');
    await env().targetAdmin.query(`DELETE FROM ${'dms'}.${sim.tasks[0]!.changesTable.name}`);
    // Without this the task's apply exceptions name the key (races.sim.test.ts repairs from them).
    await env().targetAdmin.query(`DELETE FROM dms.awsdms_apply_exceptions`);
    const config = simConfig(env());
    const deps = simDeps(env(), sim, clock, config);
    const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/has no rows in seq \d+–\d+: it was truncated or reloaded since the UPDATE/);
    expect(sim.tasks[0]!.status).toBe('running');
    expect(await deps.state.activeHolds()).toEqual([]);
    expect((await env().targetAdmin.query('SELECT 1 FROM public.rental WHERE rental_id = $1', [id])).rowCount).toBe(0);
  }, 120_000);

  it('fails cleanly when the source is unreachable mid-repair: no hold left, nothing written', async () => {
    const { clock, id, sim } = await oneByOneSimulation('2026-04-06T08:00:00Z', 'no-from');
    const config = simConfig(env());
    const deadSource = new PgClient({
      role: 'source',
      dialect: 'postgres',
      connection: {
        ...poolFor(env().server, env().databases.source, COMPANION_USER),
        port: 1,
        options: SOURCE_SESSION_OPTIONS,
        connectionTimeoutMillis: 2000,
      },
      types: sourceTypeParsers,
    });
    extraClients.push(deadSource);
    const deps = simDeps(env(), sim, clock, config, { source: deadSource });
    const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/^source: .*ECONNREFUSED/);
    expect(r.missing).toEqual([[String(id)]]);
    expect(sim.tasks[0]!.status).toBe('running');
    expect(await deps.state.activeHolds()).toEqual([]);
    expect((await env().targetAdmin.query('SELECT 1 FROM public.rental WHERE rental_id = $1', [id])).rowCount).toBe(0);
  }, 120_000);

  it('keeps the hold (stopping), cools the fixer down and writes nothing when the task does not stop within its deadline', async () => {
    const { clock, id, sim } = await oneByOneSimulation('2026-04-07T08:00:00Z', 'no-from', {
      stopDelayMs: 30 * 60_000,
    });
    const config = simConfig(env(), { fixer: { stopTimeout: '1m' } });
    const deps = simDeps(env(), sim, clock, config);
    const r = await runFixer(deps, { task: config.tasks[0]!, dryRun: false });
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/did not stop within 60 s \(last status stopping\); the fixer hold stays/);
    // The task is still stopping: the hold says why, so the task is never taken for one a person stopped.
    expect((await deps.state.activeHolds()).map((h) => [h.owner, h.state])).toEqual([['fixer', 'stopping']]);
    expect(await deps.state.cooldownUntil(config.tasks[0]!.arn, 'fixer', clock.now())).toBeDefined();
    expect((await env().targetAdmin.query('SELECT 1 FROM public.rental WHERE rental_id = $1', [id])).rowCount).toBe(0);
    expect((await deps.state.repairs()).length).toBe(0);
  }, 120_000);
});
