import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runGapfill, type GapfillResult } from '../../jobs/gapfill/index.js';
import { ManualClock } from '../../lib/clock.js';
import { PgClient } from '../../lib/sql/pg-client.js';
import { COMPANION_USER, poolFor } from '../../sim/embedded.js';
import { parsedEnvConfig } from '../helpers/config.js';
import { envDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';

/**
 * Gap-filling cases on hand-made tables (no simulator): the same DDL on both sides, then the
 * target is made to differ in known ways.
 */
const env = useEnvironment('gapfill_cases');
const cw = mockClient(CloudWatchClient);
const clock = new ManualClock('2026-05-10T12:00:00Z');
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:GAPS';

const TABLES = [
  { source: 'public.gf_int', primaryKey: ['id'], dayColumn: 'd', versionColumn: 'v' },
  { source: 'public.gf_comp', primaryKey: ['a', 'b'], dayColumn: 'd', versionColumn: 'v' },
  { source: 'public.gf_text', primaryKey: ['code'], dayColumn: 'd' },
];

function config(extra: Record<string, unknown> = {}) {
  return parsedEnvConfig(env(), {
    tasks: [{ name: 'gaps', arn: ARN, replicationInstance: 'ri', tables: TABLES }],
    ...extra,
  });
}

/** Runs SQL on both sides (the same tables everywhere), then per side. */
async function both(sql: string) {
  await env().sourceAdmin.query(sql);
  await env().targetAdmin.query(sql);
}

beforeAll(async () => {
  await both(
    `CREATE TABLE public.gf_int (id bigint PRIMARY KEY, d timestamptz NOT NULL, v timestamptz, payload varchar(100))`,
  );
  await both(
    `CREATE TABLE public.gf_comp (a integer, b integer, d timestamptz NOT NULL, v timestamptz, PRIMARY KEY (a, b))`,
  );
  await both(`CREATE TABLE public.gf_text (code varchar(20) PRIMARY KEY, d timestamptz NOT NULL, note varchar(20))`);
  await env().sourceAdmin.query(
    `CREATE INDEX ON public.gf_int (d); CREATE INDEX ON public.gf_comp (d); CREATE INDEX ON public.gf_text (d)`,
  );
  // gf_int: 2026-05-01 ids 1..1000 except multiples of 7 (gaps), one row on 05-02, none on 05-03, one on 05-04.
  await both(
    `INSERT INTO public.gf_int SELECT g, '2026-05-01 00:00:00+00'::timestamptz + g * interval '60 s', '2026-05-01 12:00:00+00', 'p' || g FROM ` +
      `generate_series(1, 1000) g WHERE g % 7 <> 0`,
  );
  await both(`UPDATE public.gf_int SET v = NULL WHERE id IN (800, 801)`);
  await both(
    `INSERT INTO public.gf_int VALUES (2000, '2026-05-02 10:00:00+00', '2026-05-02 10:00:00+00', 'one'), (3000, '2026-05-04 10:00:00+00', NULL, 'later')`,
  );
  await both(
    `INSERT INTO public.gf_comp SELECT a, b, '2026-05-01 00:00:00+00'::timestamptz + (a * 3 + b) * interval '60 s', '2026-05-01 12:00:00+00' FROM ` +
      `generate_series(1, 100) a, generate_series(1, 3) b`,
  );
  await both(
    `INSERT INTO public.gf_text SELECT code, '2026-05-01 00:00:00+00'::timestamptz + n * interval '60 s', 'n' || n FROM (VALUES ('A-0001', 1), ` +
      `('Ä-0002', 2), ('B "quoted"', 3), ('C,comma', 4), ('日本-5', 5)) x(code, n)`,
  );
  for (const t of ['gf_int', 'gf_comp', 'gf_text']) {
    await env().sourceAdmin.query(`GRANT SELECT ON public.${t} TO ${COMPANION_USER}`);
    await env().targetAdmin.query(`GRANT SELECT, INSERT, DELETE ON public.${t} TO ${COMPANION_USER}`);
  }
  // The differences.
  const t = env().targetAdmin;
  await t.query(`DELETE FROM public.gf_int WHERE id = 500`); // missing
  await env().sourceAdmin.query(`DELETE FROM public.gf_int WHERE id = 600`); // extra on the target
  await env().sourceAdmin.query(
    `UPDATE public.gf_int SET v = '2026-05-01 13:00:00+00', payload = 'new' WHERE id = 701`,
  ); // stale
  await env().sourceAdmin.query(`UPDATE public.gf_int SET v = '2026-05-01 14:00:00+00' WHERE id = 801`); // stale: NULL on the target
  await t.query(`DELETE FROM public.gf_comp WHERE a = 50 AND b = 2`);
  await t.query(`INSERT INTO public.gf_comp SELECT * FROM public.gf_comp WHERE a = 60 AND b = 1`); // duplicated
  await t.query(`DELETE FROM public.gf_text WHERE code = 'Ä-0002'`);
  await t.query(`INSERT INTO public.gf_text VALUES ('Z-9999', '2026-05-01 00:05:30+00', 'extra')`);
});

beforeEach(() => {
  cw.reset();
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'm0', Timestamps: [clock.now()], Values: [42], StatusCode: 'Complete' }],
  });
});

const keys = (r: GapfillResult | undefined, cls: 'missing' | 'extra' | 'duplicated' | 'stale') =>
  r?.[cls].map((k) => k.join('|')) ?? [];

describe('gapfill cases', () => {
  it('compares an integer key with gaps, a composite key and a text key; NULL versions; empty and one-row days', async () => {
    const deps = envDeps(env(), config(), clock);
    const r = await runGapfill(deps, { days: ['2026-05-01', '2026-05-02', '2026-05-03'], dryRun: true });
    const get = (table: string, day: string) => r.results.find((x) => x.table === table && x.day === day)!;
    const int1 = get('public.gf_int', '2026-05-01');
    expect(int1.status).toBe('planned');
    expect(int1.rowsCompared).toBe(1000 - 142 - 1); // minus the multiples of 7 (gaps) and id 600, deleted on the source
    expect([keys(int1, 'missing'), keys(int1, 'extra'), keys(int1, 'duplicated'), keys(int1, 'stale')]).toEqual([
      ['500'],
      ['600'],
      [],
      ['701', '801'],
    ]);
    expect(get('public.gf_int', '2026-05-02')).toMatchObject({ status: 'ok', rowsCompared: 1 });
    expect(get('public.gf_int', '2026-05-03')).toMatchObject({ status: 'ok', rowsCompared: 0 });
    const comp = get('public.gf_comp', '2026-05-01');
    expect([keys(comp, 'missing'), keys(comp, 'duplicated'), keys(comp, 'extra'), keys(comp, 'stale')]).toEqual([
      ['50|2'],
      ['60|1'],
      [],
      [],
    ]);
    const text = get('public.gf_text', '2026-05-01');
    expect([keys(text, 'missing'), keys(text, 'extra')]).toEqual([['Ä-0002'], ['Z-9999']]);
    expect(r.results.every((x) => x.queries > 0 && x.durationMs >= 0)).toBe(true);
  });

  it('repairs: backfills, replaces stale rows, deletes extras and dedupes when asked; a second run finds nothing', async () => {
    const deps = envDeps(env(), config(), clock);
    const r = await runGapfill(deps, { days: ['2026-05-01'], dryRun: false, deleteExtra: true, dedupe: true });
    expect(r.problems).toBe(0);
    const int1 = r.results.find((x) => x.table === 'public.gf_int')!;
    expect(int1.repaired).toEqual({ inserted: 1, replaced: 2, deleted: 1, deduped: 0 });
    const row = await env().targetAdmin.query<{ payload: string; n: string }>(
      `SELECT payload, (SELECT count(*)::text FROM public.gf_int WHERE id = 600) AS n FROM public.gf_int WHERE id = 701`,
    );
    expect(row.rows[0]).toEqual({ payload: 'new', n: '0' });
    const again = await runGapfill(deps, { days: ['2026-05-01'], dryRun: false });
    expect(again.results.map((x) => x.status)).toEqual(['ok', 'ok', 'ok']);
    const log = await deps.state.repairs(ARN);
    expect(log.filter((e) => e.job === 'gapfill').length).toBe(1 + 2 + 1 + 1 + 1 + 1 + 1); // gf_int 4, gf_comp 2, gf_text 2
  });

  it('keeps off rows DMS may still be applying (settle lag plus CDCLatencyTarget)', async () => {
    const early = await runGapfill(envDeps(env(), config(), new ManualClock('2026-05-04T00:30:00Z')), {
      table: 'public.gf_int',
      days: ['2026-05-04'],
      dryRun: true,
    });
    expect(early.results[0]).toMatchObject({ status: 'skipped' });
    expect(early.results[0]!.warnings.join(' ')).toMatch(/not settled yet/);
    // At 10:30 with a 1 h lag and 42 s of CDCLatencyTarget, the row of 10:00 is left for later.
    await env().targetAdmin.query(`DELETE FROM public.gf_int WHERE id = 3000`);
    const partial = await runGapfill(envDeps(env(), config(), new ManualClock('2026-05-04T10:30:00Z')), {
      table: 'public.gf_int',
      days: ['2026-05-04'],
      dryRun: true,
    });
    expect(partial.results[0]).toMatchObject({
      status: 'ok',
      rowsCompared: 0,
      comparedUntil: '2026-05-04T09:29:18.000Z',
    });
    const later = await runGapfill(envDeps(env(), config(), new ManualClock('2026-05-04T11:30:00Z')), {
      table: 'public.gf_int',
      days: ['2026-05-04'],
      dryRun: true,
    });
    expect(later.results[0]!.missing).toEqual([['3000']]);

    // Catch-up (the schedule) waits until yesterday has settled entirely: a day is never done with its end unchecked.
    const catchUp = (at: string) =>
      runGapfill(envDeps(env(), config(), new ManualClock(at)), { table: 'public.gf_int', dryRun: true });
    const tooEarly = await catchUp('2026-05-05T00:30:00Z');
    // (05-01 was repaired by an earlier test: catch-up starts after it.)
    expect(tooEarly.results.map((r) => [r.day, r.status])).toEqual([
      ['2026-05-02', 'ok'],
      ['2026-05-03', 'ok'],
      ['2026-05-04', 'skipped'],
    ]);
    expect(tooEarly.results[2]!.warnings.join(' ')).toMatch(/not settled yet: rows after 2026-05-04T23:29:18.000Z/);
    const settled = await catchUp('2026-05-05T01:10:00Z');
    expect(settled.results.map((r) => [r.day, r.comparedUntil])).toEqual([
      ['2026-05-02', '2026-05-03T00:00:00.000Z'],
      ['2026-05-03', '2026-05-04T00:00:00.000Z'],
      ['2026-05-04', '2026-05-05T00:00:00.000Z'],
    ]);
    expect(settled.results[2]!.missing).toEqual([['3000']]);
  });

  it('survives a source that changes while it runs, writing nothing twice', async () => {
    const deps = envDeps(env(), config(), clock);
    await env().targetAdmin.query(`DELETE FROM public.gf_int WHERE id IN (10, 20)`);
    let changed = false;
    const r = await runGapfill(deps, {
      table: 'public.gf_int',
      days: ['2026-05-01'],
      dryRun: false,
      onProgress: () => {
        if (changed) return;
        changed = true;
        // During the comparison: a row appears in the day's range, another is updated.
        void env().sourceAdmin.query(
          `INSERT INTO public.gf_int VALUES (14, '2026-05-01 00:14:00+00', '2026-05-01 12:00:00+00', 'late')`,
        );
        void env().sourceAdmin.query(`UPDATE public.gf_int SET payload = 'moved' WHERE id = 10`);
      },
    });
    expect(r.results[0]!.status).not.toBe('failed');
    const dup = await env().targetAdmin.query(`SELECT id FROM public.gf_int GROUP BY id HAVING count(*) > 1`);
    expect(dup.rowCount).toBe(0);
    const second = await runGapfill(deps, { table: 'public.gf_int', days: ['2026-05-01'], dryRun: false });
    const third = await runGapfill(deps, { table: 'public.gf_int', days: ['2026-05-01'], dryRun: true });
    expect(second.results[0]!.status).not.toBe('failed');
    expect(third.results[0]).toMatchObject({ status: 'ok', missing: [], extra: [], stale: [], duplicated: [] });
  });

  it('records the run as failed and writes nothing half when the target becomes unreachable mid-run', async () => {
    const { targetAdmin, server, databases } = env();
    await targetAdmin.query(`DELETE FROM public.gf_int WHERE id IN (30, 40)`);
    const before = await targetAdmin.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.gf_int`);
    // The state store lives in its own PostgreSQL database, which stays up.
    const admin = new PgClient({ role: 'state', dialect: 'postgres', connection: poolFor(server, 'postgres') });
    await admin.query(`DROP DATABASE IF EXISTS ${databases.target}_state`);
    await admin.query(`CREATE DATABASE ${databases.target}_state OWNER ${COMPANION_USER}`);
    const stateClient = new PgClient({
      role: 'state',
      dialect: 'postgres',
      connection: poolFor(server, `${databases.target}_state`, COMPANION_USER),
    });
    const target = new PgClient({
      role: 'target',
      dialect: 'redshift',
      connection: poolFor(server, databases.target, COMPANION_USER),
    });
    try {
      const deps = envDeps(env(), config(), clock, { target, state: stateClient });
      let cut = false;
      const r = await runGapfill(deps, {
        table: 'public.gf_int',
        days: ['2026-05-01'],
        dryRun: false,
        onProgress: (_t, _d, p) => {
          if (cut || p.phase !== 'keys') return;
          cut = true;
          // The target goes away between finding the differences and repairing them.
          return admin
            .query(`REVOKE CONNECT ON DATABASE ${databases.target} FROM PUBLIC`)
            .then(() =>
              admin
                .query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = $2`, [
                  databases.target,
                  COMPANION_USER,
                ])
                .then(() => undefined),
            );
        },
      });
      expect(cut).toBe(true);
      expect(r.results[0]!.status).toBe('failed');
      expect(r.results[0]!.error).toMatch(/^target: /);
      const runs = await deps.state.recentRuns('gapfill', ARN, 10);
      expect(runs[0]).toMatchObject({ status: 'failed' });
      const after = await targetAdmin.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.gf_int`);
      expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    } finally {
      await admin.query(`GRANT CONNECT ON DATABASE ${databases.target} TO PUBLIC`);
      await target.close();
      await stateClient.close();
      await admin.query(`DROP DATABASE IF EXISTS ${databases.target}_state WITH (FORCE)`);
      await admin.close();
    }
  });
});
