import { afterAll, beforeAll, expect } from 'vitest';
import type { ManualClock } from '../../lib/clock.js';
import { quoteIdent } from '../../lib/sql/quote.js';
import { COMPANION_USER, DMS_USER, type Environment } from '../../sim/embedded.js';
import { nextXid, recordStatement, recordTransactionEnd } from '../../sim/redshift/record.js';
import { openSimTarget, type SimTarget, type TargetKind } from '../../sim/target-kinds.js';
import type { SqlClient } from '../../lib/sql/client.js';
import type { Simulation } from '../../sim/simulation.js';
import type { Workload } from '../../sim/workload.js';
import { dropStateStore } from './task-control.js';

/**
 * Runs a simulation for `seconds` of simulated time in 1-second steps: the workload's changes for
 * each second, then the clock (and with it the world) moves on.
 */
export async function runFor(clock: ManualClock, seconds: number, workload?: Workload): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    if (workload) await workload.run(1);
    await clock.advance(1000);
  }
}

/** Steps without new source changes until every task has applied its backlog (at most `maxSeconds`). */
export async function drain(sim: Simulation, clock: ManualClock, maxSeconds = 120): Promise<void> {
  for (let i = 0; i < maxSeconds; i++) {
    await clock.advance(1000);
    if (sim.tasks.every((t) => t.backlog === 0)) return;
  }
  throw new Error(`backlog not drained after ${maxSeconds} s: ${sim.tasks.map((t) => t.describe()).join('; ')}`);
}

/**
 * Resets the emulated target between simulations: the replicated tables, the DMS control schema,
 * the companion's state schema and the system tables.
 */
export async function resetTarget(admin: SqlClient): Promise<void> {
  await admin.query('DROP SCHEMA IF EXISTS dms CASCADE');
  await dropStateStore(admin);
  await clearSystemTables(admin);
  for (const t of ['rental', 'payment', 'customer', 'film']) await admin.query(`DROP TABLE IF EXISTS public.${t}`);
}

/** Empties the emulated Redshift system tables. */
export async function clearSystemTables(admin: SqlClient): Promise<void> {
  await admin.query(
    'TRUNCATE redshift_system.stl_query, redshift_system.stl_querytext, redshift_system.stl_utilitytext, redshift_system.stl_undone, ' +
      'redshift_system.sys_query_history, redshift_system.sys_query_text, redshift_system.sys_transaction_history',
  );
}

/** How many rows of `public.rental` with this `rental_id` the target holds (a repair must leave exactly one). */
export async function rentalCopies(target: SqlClient, id: number | string): Promise<number> {
  const r = await target.query<{ n: string }>('SELECT count(*)::text AS n FROM public.rental WHERE rental_id = $1', [
    id,
  ]);
  return Number(r.rows[0]!.n);
}

/** Records a statement by the DMS user at `at` (UTC) whose transaction is rolled back, as Redshift logs it. */
export async function recordRolledBack(admin: SqlClient, text: string, at: Date): Promise<void> {
  const xid = await nextXid(admin);
  await recordStatement(admin, { text, userName: DMS_USER, xid, pid: 77, startTime: at, endTime: at });
  await recordTransactionEnd(admin, {
    xid,
    userName: DMS_USER,
    pid: 77,
    status: 'rolledback',
    startTime: at,
    endTime: at,
  });
}

/**
 * Makes the simulated task go one-by-one the way production does: a rental INSERT is lost (a
 * `lose-insert` fault armed for exactly that row), then that row is updated; the next bulk UPDATE
 * touches fewer rows than changes and is rolled back.
 * @returns the lost rental's id.
 */
export async function loseInsertThenUpdate(sim: Simulation, clock: ManualClock, source: SqlClient): Promise<number> {
  const r = await source.query<{ id: number }>(
    `INSERT INTO public.rental (rental_date, inventory_id, customer_id, staff_id) VALUES ($1, 7, 7, 1) RETURNING rental_id AS id`,
    [clock.now()],
  );
  const id = Number(r.rows[0]!.id);
  sim.world.arm({ kind: 'lose-insert', table: 'public.rental', key: [String(id)] });
  await runFor(clock, 3);
  await source.query(`UPDATE public.rental SET return_date = $1 WHERE rental_id = $2`, [
    new Date(clock.now().getTime() + 3600_000),
    id,
  ]);
  await runFor(clock, 3);
  // Whatever the variant (sim/dms/variants.ts), the bulk UPDATE was rolled back and the batch replayed one by one.
  if (sim.tasks[0]!.counters.rolledBack === 0)
    throw new Error(`the task did not go one-by-one: ${sim.tasks[0]!.describe()}`);
  return id;
}

export { TARGET_KINDS, type SimTarget, type TargetKind } from '../../sim/target-kinds.js';

/**
 * Opens the target of `kind` for the enclosing describe block (beforeAll) and closes it after
 * (afterAll): `direct` is the environment's own client; `data-api` and `serverless` start a local
 * Data API endpoint. Returns a getter, valid inside tests.
 */
export function useTarget(env: () => Environment, kind: TargetKind): () => SimTarget {
  let target: SimTarget | undefined;
  beforeAll(async () => {
    target = await openSimTarget(env(), kind);
  });
  afterAll(async () => {
    await target?.close();
    target = undefined;
  });
  return () => {
    if (!target) throw new Error(`${kind} target not open (use inside a test)`);
    return target;
  };
}

/** Runs `fn` with a target of `kind` opened for it alone, closed after (for a single test of a family). */
export async function withTarget<T>(env: Environment, kind: TargetKind, fn: (t: SimTarget) => Promise<T>): Promise<T> {
  const t = await openSimTarget(env, kind);
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

/** `n` distinct 64-bit keys from `base` (default 2^62) upwards in steps of `step`: sums of a few pass 2^63 − 1. */
export function keysNear2e62(n: number, base = 2n ** 62n, step = 1_000_003n): bigint[] {
  return Array.from({ length: n }, (_, i) => base + BigInt(i) * step);
}

/**
 * Creates `schema.name (k bigint, v varchar(16))` holding `keys` (v = the key as text) through `admin`,
 * readable and writable by the companion: a table whose integer sums overflow Redshift's BIGINT SUM.
 */
export async function createBigKeyTable(
  admin: SqlClient,
  schema: string,
  name: string,
  keys: readonly bigint[],
): Promise<void> {
  const table = `${quoteIdent(schema)}.${quoteIdent(name)}`;
  await admin.query(`CREATE TABLE ${table} (k bigint, v varchar(16))`);
  await admin.query(`GRANT ALL ON ${table} TO ${quoteIdent(COMPANION_USER)}`);
  for (const k of keys)
    await admin.query(`INSERT INTO ${table} (k, v) VALUES ($1, $2)`, [k.toString(), k.toString().slice(-16)]);
}

/** Asserts that every replicated table has no row missing and none extra on the target. */
export async function expectTargetEqualsSource(sim: Simulation): Promise<void> {
  for (const d of await sim.compare())
    expect({ table: d.table, missing: d.missing, extra: d.extra }).toEqual({ table: d.table, missing: 0, extra: 0 });
}
