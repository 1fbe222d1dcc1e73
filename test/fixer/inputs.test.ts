import {
  DatabaseMigrationServiceClient,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repairMissingRows } from '../../lib/repair/insert-missing.js';
import { runFixer } from '../../jobs/fixer/index.js';
import type { Config } from '../../config/schema.js';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import type { JobDeps } from '../../jobs/runtime.js';
import { PgClient } from '../../lib/sql/pg-client.js';
import { StateStore } from '../../lib/state/store.js';
import { TaskControl } from '../../lib/task-control/index.js';
import { DEFAULT_WRITE_OPTIONS, planTable } from '../../lib/typemap/index.js';
import { COMPANION_USER, poolFor } from '../../sim/embedded.js';
import { parsedEnvConfig } from '../helpers/config.js';
import { fakeDmsTask, fastTasksApi } from '../helpers/dms-mock.js';
import { useEnvironment } from '../helpers/env.js';
import { clearSystemTables, recordRolledBack } from '../helpers/sim.js';

/**
 * Bad and awkward inputs for the fixer, on hand-made evidence (no simulator): the DMS API is
 * faked at the SDK boundary with aws-sdk-client-mock.
 */
const env = useEnvironment('fixer_inputs');
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:ODD';
const dms = mockClient(DatabaseMigrationServiceClient);
const clock = new ManualClock('2026-05-01T12:00:00Z');

const SCHEMA = 'we.ird';
const TABLE = 'tä"ble';
const CHANGES = { schema: 'dms.ctl', name: 'awsdms_changesÄ' };
const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
const T = `${q(SCHEMA)}.${q(TABLE)}`;
const C = `${q(CHANGES.schema)}.${q(CHANGES.name)}`;

function config(tables: { source: string; target: string; primaryKey: string[] }[]): Config {
  return parsedEnvConfig(env(), {
    cluster: undefined,
    tasks: [{ name: 'odd', arn: ARN, replicationInstance: 'ri', tables }],
  });
}

const ODD_TABLE = { source: `"${SCHEMA}"."tä""ble"`, target: `"${SCHEMA}"."tä""ble"`, primaryKey: ['ïd'] };

function deps(c: Config): JobDeps {
  const tasks = fastTasksApi();
  const state = new StateStore(env().target, 'dms_companion');
  const log = silentLogger();
  return {
    config: c,
    source: env().source,
    target: env().target,
    tasks,
    metrics: { getDmsMetrics: () => Promise.reject(new Error('not used')) },
    clusters: { describeCluster: () => Promise.reject(new Error('not used')) },
    clock,
    log,
    statementBudget: 100_000,
    state,
    control: new TaskControl(tasks, state, clock, log, 5),
  };
}

/** Records a rolled-back UPDATE by the DMS user, as Redshift logs it. */
async function rolledBack(text: string): Promise<void> {
  await recordRolledBack(env().targetAdmin, text, clock.now());
  await clock.advance(1000);
}

const UPDATE = `UPDATE ${T} SET "naïve col" = ${C}."col2" WHERE ${T}."ïd" = CAST(${C}."seg1" AS INTEGER) AND ${C}."seq" >= 1 AND ${C}."seq" <= 3`;

beforeAll(async () => {
  const { sourceAdmin, targetAdmin } = env();
  for (const [admin, grantee] of [
    [sourceAdmin, COMPANION_USER],
    [targetAdmin, COMPANION_USER],
  ] as const) {
    await admin.query(`CREATE SCHEMA ${q(SCHEMA)}`);
    await admin.query(`CREATE TABLE ${T} ("ïd" integer PRIMARY KEY, "naïve col" varchar(100))`);
    await admin.query(`GRANT USAGE ON SCHEMA ${q(SCHEMA)} TO ${grantee}`);
    await admin.query(`GRANT SELECT, INSERT ON ${T} TO ${grantee}`);
  }
  await sourceAdmin.query(`INSERT INTO ${T} VALUES (1, 'one'), (2, 'twö ''quoted'' \\ slash'), (3, 'three')`);
  await targetAdmin.query(`INSERT INTO ${T} VALUES (1, 'one'), (3, 'three')`);
  await targetAdmin.query(`CREATE SCHEMA ${q(CHANGES.schema)}`);
  await targetAdmin.query(`CREATE TABLE ${C} ("seq" bigint, "seg1" varchar(100), "col2" varchar(100))`);
  await targetAdmin.query(
    `INSERT INTO ${C} VALUES (1, '1', 'one'), (2, '2', 'two'), (3, '3', 'three'), (4, '4', 'other batch')`,
  );
  await targetAdmin.query(`GRANT USAGE ON SCHEMA ${q(CHANGES.schema)} TO ${COMPANION_USER}`);
  await targetAdmin.query(`GRANT SELECT ON ${C} TO ${COMPANION_USER}`);
});

beforeEach(async () => {
  await clearSystemTables(env().targetAdmin);
  fakeDmsTask(dms, ARN);
});

describe('fixer inputs', () => {
  it('repairs through identifiers with quotes, dots and non-ASCII letters, stopping and resuming the task through the DMS API', async () => {
    await rolledBack(UPDATE);
    const r = await runFixer(deps(config([ODD_TABLE])), { task: config([ODD_TABLE]).tasks[0]!, dryRun: false });
    expect(r.reason).toBeUndefined();
    expect(r.status).toBe('repaired');
    expect(r.missing).toEqual([['2']]);
    expect(r.inserted).toEqual([['2']]);
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(1);
    expect(dms.commandCalls(StartReplicationTaskCommand)[0]!.args[0].input).toEqual({
      ReplicationTaskArn: ARN,
      StartReplicationTaskType: 'resume-processing',
    });
    const back = await env().targetAdmin.query<{ v: string }>(`SELECT "naïve col" AS v FROM ${T} WHERE "ïd" = 2`);
    expect(back.rows).toEqual([{ v: "twö 'quoted' \\ slash" }]);
  });

  it('refuses a statement it cannot parse, and writes nothing', async () => {
    await rolledBack(
      `UPDATE ${T} SET "naïve col" = ${C}."col2" WHERE ${T}."ïd" = CAST(${C}."seg1" AS INTEGER) OR ${C}."seq" >= 1`,
    );
    const r = await runFixer(deps(config([ODD_TABLE])), { task: config([ODD_TABLE]).tasks[0]!, dryRun: false });
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(
      /none could be used: query \d+: not a complete DMS apply UPDATE: the WHERE clause has an OR at its top level/,
    );
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(0);
  });

  it('refuses a configured table that is not in the target catalog', async () => {
    const ghost = { source: `"${SCHEMA}"."tä""ble"`, target: 'public.ghost', primaryKey: ['ïd'] };
    await rolledBack(
      `UPDATE "public"."ghost" SET "c" = ${C}."col2" WHERE "public"."ghost"."ïd" = CAST(${C}."seg1" AS INTEGER) AND ${C}."seq" >= 1 AND ${C}."seq" <= 3`,
    );
    const c = config([ghost]);
    const r = await runFixer(deps(c), { task: c.tasks[0]!, dryRun: false });
    expect(r.status).toBe('failed');
    expect(r.reason).toBe('target table public.ghost (from the statement) is not in the target catalog');
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(0);
  });

  it('ignores a rolled-back UPDATE of a table the task does not replicate', async () => {
    await rolledBack(UPDATE);
    const other = { source: 'public.film', target: 'public.film', primaryKey: ['film_id'] };
    const c = config([other]);
    const r = await runFixer(deps(c), { task: c.tasks[0]!, dryRun: false });
    expect(r.status).toBe('no-rollback-found');
    expect(r.reason).toMatch(/no rolled-back DMS UPDATE of public.film/);
  });

  it('refuses a column that is not in the changes table', async () => {
    await rolledBack(
      `UPDATE ${T} SET "naïve col" = ${C}."col2" WHERE ${T}."ïd" = CAST(${C}."seg9" AS INTEGER) AND ${C}."seq" >= 1 AND ${C}."seq" <= 3`,
    );
    const r = await runFixer(deps(config([ODD_TABLE])), { task: config([ODD_TABLE]).tasks[0]!, dryRun: true });
    expect(r.status).toBe('failed');
    expect(r.reason).toBe(
      `column "seg9" (from the statement) is not a column of changes table dms.ctl.awsdms_changesÄ in the target catalog`,
    );
  });

  it('reports and skips the rows the typemap refuses (infinite date, 65,536-byte text) and writes the others', async () => {
    const { sourceAdmin, targetAdmin } = env();
    await sourceAdmin.query('CREATE TABLE public.fx_refused (id integer PRIMARY KEY, at timestamptz, note text)');
    await targetAdmin.query(
      'CREATE TABLE public.fx_refused (id integer PRIMARY KEY, at timestamptz, note varchar(65535))',
    );
    await sourceAdmin.query(`GRANT SELECT ON public.fx_refused TO ${COMPANION_USER}`);
    await targetAdmin.query(`GRANT SELECT, INSERT ON public.fx_refused TO ${COMPANION_USER}`);
    await sourceAdmin.query(
      `INSERT INTO public.fx_refused VALUES (1, 'infinity', 'a'), (2, '2026-05-01 10:00:00+00', 'b'), (3, '2026-05-01 11:00:00+00', repeat('x', 65536)), ` +
        `(4, '2026-05-01 12:00:00+00', 'd')`,
    );
    await targetAdmin.query(`INSERT INTO ${C} VALUES (10, '1', 'a'), (11, '2', 'b'), (12, '3', 'c'), (13, '4', 'd')`);
    await rolledBack(
      `UPDATE "public"."fx_refused" SET "note" = ${C}."col2" WHERE "public"."fx_refused"."id" = CAST(${C}."seg1" AS INTEGER) AND ${C}."seq" >= 10 ` +
        `AND ${C}."seq" <= 13`,
    );
    const c = config([{ source: 'public.fx_refused', target: 'public.fx_refused', primaryKey: ['id'] }]);
    const r = await runFixer(deps(c), { task: c.tasks[0]!, dryRun: false });
    expect(r.status).toBe('repaired');
    expect(r.missing).toEqual([['1'], ['2'], ['3'], ['4']]);
    expect(r.inserted).toEqual([['2'], ['4']]);
    expect(r.refused.map((x) => [x.table, x.key, x.column])).toEqual([
      ['public.fx_refused', 'id=1', 'at'],
      ['public.fx_refused', 'id=3', 'note'],
    ]);
    expect(r.refused[0]!.reason).toMatch(/infinit/i);
    expect(r.refused[1]!.reason).toMatch(/65536 bytes|65535/);
    const ids = await targetAdmin.query<{ id: number }>('SELECT id FROM public.fx_refused ORDER BY id');
    expect(ids.rows.map((x) => x.id)).toEqual([2, 4]);
  });

  it("tells a VARCHAR key 'a' from 'a ' in the changes table and on the target (Redshift's = ignores trailing blanks)", async () => {
    await clock.advance(3_600_000); // a new hour: the task's stop budget (3 an hour) is not this test's subject
    const { sourceAdmin, targetAdmin } = env();
    for (const admin of [sourceAdmin, targetAdmin]) {
      await admin.query('CREATE TABLE public.fx_blank (code varchar(10) PRIMARY KEY, note varchar(20))');
      await admin.query(`GRANT SELECT, INSERT ON public.fx_blank TO ${COMPANION_USER}`);
    }
    await sourceAdmin.query(`INSERT INTO public.fx_blank VALUES ('a', 'no blank'), ('a ', 'one blank'), ('b', 'b')`);
    // The target lost 'a'; 'a ' is there, and is equal to 'a' under the emulated Redshift's =.
    await targetAdmin.query(`INSERT INTO public.fx_blank VALUES ('a ', 'one blank'), ('b', 'b')`);
    const equal = await targetAdmin.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM public.fx_blank WHERE code = 'a'`,
    );
    expect(equal.rows[0]!.n).toBe('1');
    await targetAdmin.query(`INSERT INTO ${C} VALUES (30, 'a ', 'x'), (31, 'a', 'y'), (32, 'b', 'z')`);
    await rolledBack(
      `UPDATE "public"."fx_blank" SET "note" = ${C}."col2" WHERE "public"."fx_blank"."code" = ${C}."seg1" AND ${C}."seq" >= 30 ` +
        `AND ${C}."seq" <= 32`,
    );
    const c = config([{ source: 'public.fx_blank', target: 'public.fx_blank', primaryKey: ['code'] }]);
    const r = await runFixer(deps(c), { task: c.tasks[0]!, dryRun: false });
    expect(r.reason).toBeUndefined();
    expect([r.status, r.missing, r.inserted]).toEqual(['repaired', [['a']], [['a']]]);
    const rows = await targetAdmin.query<{ code: string; note: string }>(
      'SELECT code, note FROM public.fx_blank ORDER BY note',
    );
    expect(rows.rows).toEqual([
      { code: 'b', note: 'b' },
      { code: 'a', note: 'no blank' },
      { code: 'a ', note: 'one blank' },
    ]);
  });

  it('repairs a mixed-case source table through the lower-case copy Redshift holds of it ("FxCase"."Id" is fxcase.id)', async () => {
    await clock.advance(3_600_000); // a new hour: the task's stop budget (3 an hour) is not this test's subject
    const { sourceAdmin, targetAdmin } = env();
    await sourceAdmin.query('CREATE TABLE public."FxCase" ("Id" integer PRIMARY KEY, "Note" varchar(20))');
    await sourceAdmin.query(`GRANT SELECT ON public."FxCase" TO ${COMPANION_USER}`);
    await sourceAdmin.query(`INSERT INTO public."FxCase" VALUES (1, 'one'), (2, 'two'), (3, 'three')`);
    await targetAdmin.query('CREATE TABLE public.fxcase (id integer, note varchar(80))');
    await targetAdmin.query(`GRANT SELECT, INSERT ON public.fxcase TO ${COMPANION_USER}`);
    await targetAdmin.query(`INSERT INTO public.fxcase VALUES (1, 'one'), (3, 'three')`);
    await targetAdmin.query(`INSERT INTO ${C} VALUES (40, '1', 'x'), (41, '2', 'y'), (42, '3', 'z')`);
    await rolledBack(
      `UPDATE "public"."FxCase" SET "Note" = ${C}."col2" WHERE "public"."FxCase"."Id" = CAST(${C}."seg1" AS INTEGER) AND ${C}."seq" >= 40 ` +
        `AND ${C}."seq" <= 42`,
    );
    const c = config([{ source: '"public"."FxCase"', target: '"public"."FxCase"', primaryKey: ['Id'] }]);
    const r = await runFixer(deps(c), { task: c.tasks[0]!, dryRun: false });
    expect(r.reason).toBeUndefined();
    expect([r.status, r.missing, r.inserted]).toEqual(['repaired', [['2']], [['2']]]);
    const back = await targetAdmin.query<{ id: number; note: string }>(
      'SELECT id, note FROM public.fxcase ORDER BY id',
    );
    expect(back.rows).toEqual([
      { id: 1, note: 'one' },
      { id: 2, note: 'two' },
      { id: 3, note: 'three' },
    ]);
  });

  it('re-checks inside the inserting transaction: two repairs racing write each row once', async () => {
    const { sourceAdmin, targetAdmin } = env();
    await sourceAdmin.query(`INSERT INTO ${T} VALUES (10, 'ten'), (11, 'eleven')`);
    const second = new PgClient({
      role: 'target',
      dialect: 'redshift',
      connection: poolFor(env().server, env().databases.target, COMPANION_USER),
    });
    try {
      const table = { schema: SCHEMA, name: TABLE };
      const plan = await planTable(env().source, env().target, table, table, { mapBooleanAsBoolean: false });
      const input = {
        plan,
        primaryKey: ['ïd'],
        keys: [['10'], ['11']],
        options: DEFAULT_WRITE_OPTIONS,
        budgetBytes: 100_000,
        log: { runId: 'r', job: 'fixer', taskArn: ARN, reason: 'race', evidence: 'test', at: clock.now() },
      };
      const [a, b] = await Promise.all([
        repairMissingRows(env().target, env().source, new StateStore(env().target, 'dms_companion'), input),
        repairMissingRows(second, env().source, new StateStore(second, 'dms_companion'), input),
      ]);
      expect(a.inserted.length + b.inserted.length).toBe(2);
      expect(a.alreadyPresent.length + b.alreadyPresent.length).toBe(2);
      const n = await targetAdmin.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${T} WHERE "ïd" IN (10, 11)`);
      expect(n.rows[0]!.n).toBe('2');
    } finally {
      await second.close();
    }
  });
});
