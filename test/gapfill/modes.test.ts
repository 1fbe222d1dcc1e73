import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runGapfill, type GapfillResult } from '../../jobs/gapfill/index.js';
import { ManualClock } from '../../lib/clock.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import { installRedshiftIntegerSum } from '../../sim/redshift/integer-sum.js';
import { parsedEnvConfig } from '../helpers/config.js';
import { envDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';

/**
 * The comparison modes on hand-made tables: UUID keys and integer keys that do not grow with the
 * day (day-hash), text keys that differ only in trailing blanks, and BIGINT keys near ±2^62 on a
 * target that sums BIGINTs as Redshift does (a BIGINT that fails on overflow).
 */
const env = useEnvironment('gapfill_modes');
const cw = mockClient(CloudWatchClient);
const clock = new ManualClock('2026-05-10T12:00:00Z');
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:MODES';
const TABLES = [
  { source: 'public.gm_uuid', primaryKey: ['id'], dayColumn: 'd', versionColumn: 'v' },
  { source: 'public.gm_rand', primaryKey: ['id'], dayColumn: 'd' },
  { source: 'public.gm_blank', primaryKey: ['code'], dayColumn: 'd' },
  { source: 'public.gm_big', primaryKey: ['id'], dayColumn: 'd' },
];
const TWO_62 = 4611686018427387904n;

const deps = () =>
  envDeps(
    env(),
    parsedEnvConfig(env(), { tasks: [{ name: 'modes', arn: ARN, replicationInstance: 'ri', tables: TABLES }] }),
    clock,
  );

beforeAll(async () => {
  const { sourceAdmin: s, targetAdmin: t } = env();
  await installRedshiftIntegerSum(t, env().databases.target);
  // UUIDs (varchar(36) on the target, as DMS maps them), 2,000 rows over two days in an order unrelated to the key.
  await s.query(`CREATE TABLE public.gm_uuid (id uuid PRIMARY KEY, d timestamptz NOT NULL, v timestamptz)`);
  await t.query(`CREATE TABLE public.gm_uuid (id varchar(36), d timestamptz NOT NULL, v timestamptz)`);
  const uuidRows =
    `SELECT md5(g::text)::uuid, '2026-05-01'::timestamptz + (g * 7919 % 172800) * interval '1 s', '2026-05-03'::timestamptz ` +
    `FROM generate_series(1, 2000) g`;
  await s.query(`INSERT INTO public.gm_uuid ${uuidRows}`);
  await t.query(`INSERT INTO public.gm_uuid SELECT CAST(x.id AS text), x.d, x.v FROM (${uuidRows}) x(id, d, v)`);
  // Integer keys whose days are shuffled (Pagila's rental and payment look like this).
  for (const c of [s, t]) {
    await c.query(`CREATE TABLE public.gm_rand (id integer PRIMARY KEY, d timestamptz NOT NULL)`);
    await c.query(
      `INSERT INTO public.gm_rand SELECT g, '2026-05-01'::timestamptz + (g * 7919 % 172800) * interval '1 s' FROM generate_series(1, 3000) g`,
    );
    await c.query(`CREATE TABLE public.gm_blank (code varchar(10) PRIMARY KEY, d timestamptz NOT NULL)`);
    await c.query(`CREATE TABLE public.gm_big (id bigint PRIMARY KEY, d timestamptz NOT NULL)`);
    await c.query(
      `INSERT INTO public.gm_big SELECT ${TWO_62} + g::bigint * 1000003, '2026-05-01'::timestamptz + g * interval '20 s' FROM generate_series(1, 3000) g`,
    );
    await c.query(
      `INSERT INTO public.gm_big SELECT -${TWO_62} - g::bigint * 7, '2026-04-30'::timestamptz + g * interval '20 s' FROM generate_series(1, 50) g`,
    );
  }
  await s.query(
    `INSERT INTO public.gm_blank VALUES ('a', '2026-05-01 01:00+00'), ('a ', '2026-05-01 02:00+00'), ('b', '2026-05-01 03:00+00'), ` +
      `('c', '2026-05-01 04:00+00')`,
  );
  await t.query(
    `INSERT INTO public.gm_blank VALUES ('a', '2026-05-01 01:00+00'), ('b', '2026-05-01 03:00+00'), ('c ', '2026-05-01 04:00+00')`,
  );
  for (const x of ['gm_uuid', 'gm_rand', 'gm_blank', 'gm_big']) {
    await s.query(`CREATE INDEX ON public.${x} (d); GRANT SELECT ON public.${x} TO ${COMPANION_USER}`);
    await t.query(`GRANT SELECT, INSERT, DELETE ON public.${x} TO ${COMPANION_USER}`);
  }
  // The differences.
  await t.query(`DELETE FROM public.gm_uuid WHERE id = CAST(md5('77') AS uuid)::text`); // missing
  await t.query(
    `INSERT INTO public.gm_uuid VALUES ('00000000-0000-0000-0000-000000000001', '2026-05-01 05:00+00', NULL)`,
  ); // extra
  await s.query(`UPDATE public.gm_uuid SET v = '2026-05-04' WHERE id = CAST(md5('1234') AS uuid)`); // stale
  await t.query(`DELETE FROM public.gm_rand WHERE id IN (5, 2999)`);
  await t.query(`DELETE FROM public.gm_big WHERE id = ${TWO_62 + 1500n * 1000003n}`);
  await t.query(`INSERT INTO public.gm_big VALUES (${TWO_62 + 1500n * 1000003n + 1n}, '2026-05-01 08:20+00')`);
});

beforeEach(() => {
  cw.reset();
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'm0', Timestamps: [clock.now()], Values: [0], StatusCode: 'Complete' }],
  });
});

const keys = (r: GapfillResult | undefined, cls: 'missing' | 'extra' | 'duplicated' | 'stale') =>
  (r?.[cls].map((k) => k.join('|')) ?? []).sort();
const md5uuid = (n: number) => env().sourceAdmin.query<{ u: string }>(`SELECT md5($1)::uuid::text AS u`, [String(n)]);

describe('gapfill comparison modes', () => {
  it('compares a day by its day column and a hash of the key when keys do not grow with it, and says why', async () => {
    const r = await runGapfill(deps(), { days: ['2026-05-01', '2026-05-02'], dryRun: true });
    const get = (table: string, day: string) => r.results.find((x) => x.table === table && x.day === day)!;
    const uuid1 = get('public.gm_uuid', '2026-05-01');
    const uuid2 = get('public.gm_uuid', '2026-05-02');
    const [missing, stale] = await Promise.all([md5uuid(77), md5uuid(1234)]);
    const all = [uuid1, uuid2];
    expect(all.map((x) => x.mode)).toEqual(['day-hash', 'day-hash']);
    expect(uuid1.modeReason).toMatch(/not an integer/);
    expect(uuid1.modeReason).toMatch(/rows hashed with CRC-32C/);
    expect(all.flatMap((x) => x.missing.map((k) => k[0]))).toEqual([missing.rows[0]!.u]);
    expect(keys(uuid1, 'extra')).toEqual(['00000000-0000-0000-0000-000000000001']);
    expect(all.flatMap((x) => x.stale.map((k) => k[0]))).toEqual([stale.rows[0]!.u]);
    expect(uuid1.rowsCompared + uuid2.rowsCompared).toBe(2000);

    const rand = [get('public.gm_rand', '2026-05-01'), get('public.gm_rand', '2026-05-02')];
    expect(rand.map((x) => x.mode)).toEqual(['day-hash', 'day-hash']);
    expect(rand[0]!.modeReason).toMatch(/keys are not monotonic with d/);
    expect(rand[0]!.rowsCompared + rand[1]!.rowsCompared).toBe(3000);
    expect(rand.flatMap((x) => x.missing.map((k) => k[0])).sort()).toEqual(['2999', '5']);
    expect(rand.flatMap((x) => [...x.extra, ...x.stale, ...x.duplicated])).toEqual([]);
    // Tables side by side (parallelTables), one summary line per table in config order.
    expect(r.tables.map((t) => [t.table, t.days, t.rowsCompared, t.missing, t.extra, t.stale, t.problems])).toEqual([
      ['public.gm_uuid', 2, 2000, 1, 1, 1, 2],
      ['public.gm_rand', 2, 3000, 2, 0, 0, 1],
      ['public.gm_blank', 2, 4, 2, 1, 0, 1],
      ['public.gm_big', 2, 3000, 1, 1, 0, 1],
    ]);
  });

  it("tells a key 'a ' from a key 'a' (Redshift's = ignores trailing blanks)", async () => {
    const r = await runGapfill(deps(), { table: 'public.gm_blank', days: ['2026-05-01'], dryRun: true });
    const x = r.results[0]!;
    expect([x.mode, keys(x, 'missing'), keys(x, 'extra'), x.rowsCompared]).toEqual([
      'day-hash',
      ['a ', 'c'],
      ['c '],
      4,
    ]);
  });

  it('reconciles BIGINT keys near ±2^62 exactly where Redshift sums BIGINTs into an overflowing BIGINT', async () => {
    // The emulated target sums BIGINTs as Redshift does: the plain sum of these keys fails.
    await expect(env().target.query(`SELECT sum(id) FROM public.gm_big WHERE id > 0`)).rejects.toThrow(
      /bigint out of range/,
    );
    const day = await runGapfill(deps(), { table: 'public.gm_big', days: ['2026-05-01'], dryRun: true });
    const whole = await runGapfill(deps(), { table: 'public.gm_big', all: true, dryRun: true });
    const gone = String(TWO_62 + 1500n * 1000003n);
    const extra = String(TWO_62 + 1500n * 1000003n + 1n);
    expect(day.results[0]).toMatchObject({
      mode: 'key-range',
      rowsCompared: 3000,
      missing: [[gone]],
      extra: [[extra]],
    });
    expect(whole.results[0]).toMatchObject({
      day: 'all',
      mode: 'table-range',
      rowsCompared: 3050,
      missing: [[gone]],
      extra: [[extra]],
      stale: [],
      duplicated: [],
    });
    // Whole-table mode on a text key uses hash buckets over every row.
    const blank = await runGapfill(deps(), { table: 'public.gm_blank', all: true, dryRun: true });
    expect([blank.results[0]!.mode, keys(blank.results[0], 'missing'), keys(blank.results[0], 'extra')]).toEqual([
      'table-hash',
      ['a ', 'c'],
      ['c '],
    ]);
  });
});
