import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModule } from 'libpg-query';
import { SqlError, type SqlClient } from '../../lib/sql/client.js';
import { redshiftProblems } from '../../sim/redshift/dialect/gate.js';
import { openSimTarget, type SimTarget, type TargetKind } from '../../sim/target-kinds.js';
import { useEnvironment } from '../helpers/env.js';

/**
 * The Redshift dialect gate (sim/redshift/dialect/): statements Redshift does not accept fail before
 * they reach the emulated target, on the direct client and through the local Data API endpoint; the
 * project's own statements pass (every simulator test runs behind the gate).
 */

const env = useEnvironment('dialect_gate');

beforeAll(async () => {
  await loadModule();
  await env().targetAdmin.query('CREATE TABLE public.keys (k bigint, v varchar(10))');
  await env().targetAdmin.query('GRANT ALL ON public.keys TO dms_companion');
});

describe('redshiftProblems: the allow-list, statement by statement', () => {
  it.each([
    ['INSERT INTO public.keys (k) VALUES (1) ON CONFLICT DO NOTHING', /ON CONFLICT/],
    ['INSERT INTO public.keys (k) VALUES (1) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v', /ON CONFLICT/],
    [
      'INSERT INTO public.keys (k) SELECT n FROM generate_series(1, 10) n',
      /generate_series is not supported with a user table/,
    ],
    [
      'SELECT k FROM public.keys JOIN generate_series(1, 10) n ON n = k',
      /generate_series is not supported with a user table/,
    ],
    ['UPDATE public.keys SET v = $1 RETURNING k', /RETURNING/],
    ['DELETE FROM public.keys RETURNING *', /RETURNING/],
    ['SELECT count(*) FILTER (WHERE k > 0) FROM public.keys', /FILTER/],
    ['SELECT k FROM public.keys WHERE k = ANY($1::int8[])', /ANY/],
    ['SELECT ARRAY[1, 2]', /ARRAY constructor/],
    ['SELECT array_agg(k) FROM public.keys', /function array_agg is not on the allow-list/],
    ['SELECT now(), k FROM public.keys', /now runs on the leader node only/],
    ['SELECT CURRENT_TIMESTAMP, k FROM public.keys', /current_timestamp runs on the leader node only/],
    ["SELECT listagg(v, ',') WITHIN GROUP (ORDER BY v)", /listagg must be applied to at least one user table/],
    ['SELECT k FROM public.keys FOR UPDATE', /FOR UPDATE/],
    ['SELECT k::jsonb FROM public.keys', /type jsonb is not on the allow-list/],
    ['CREATE INDEX ON public.keys (k)', /statement IndexStmt is not on the allow-list/],
  ])('refuses %s', (sql, problem) => {
    expect(redshiftProblems(sql).join('; ')).toMatch(problem);
  });

  it.each([
    'SELECT n FROM generate_series(1, 35) n ORDER BY n',
    'SELECT sum(CAST(k AS DECIMAL(38, 0))) AS s, count(*) AS n FROM public.keys WHERE k BETWEEN $1 AND $2',
    "SELECT listagg(v, ',') WITHIN GROUP (ORDER BY v) FROM public.keys",
    'SELECT current_schema()',
    'SELECT count(*) FROM stl_query q JOIN pg_user u ON u.usesysid = q.userid WHERE u.usename = $1',
    'DELETE FROM public.keys USING public.keys k2 WHERE public.keys.k = k2.k',
    'BEGIN; LOCK TABLE public.keys; INSERT INTO public.keys (k, v) VALUES (1, $1); COMMIT',
    'WITH w AS (SELECT k FROM public.keys) SELECT k FROM w WHERE k IN (1, 2, 3)',
  ])('lets through %s', (sql) => {
    expect(redshiftProblems(sql)).toEqual([]);
  });
});

describe.each<TargetKind>(['direct', 'data-api'])('the gate on the %s target', (kind) => {
  let t: SimTarget;
  let target: SqlClient;
  beforeAll(async () => {
    t = await openSimTarget(env(), kind);
    target = t.client;
  });
  afterAll(() => t?.close());

  it('fails a statement with INSERT … ON CONFLICT and sends nothing', async () => {
    const err = await target
      .query('INSERT INTO public.keys (k, v) VALUES (1, $1) ON CONFLICT DO NOTHING', ['a'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as Error).message).toMatch(/not Redshift SQL .*ON CONFLICT/);
    const n = await env().targetAdmin.query<{ n: string }>('SELECT count(*)::text AS n FROM public.keys');
    expect(n.rows[0]!.n).toBe('0');
  });

  it('fails generate_series over a user table', async () => {
    const err = await target
      .query('INSERT INTO public.keys (k) SELECT n FROM generate_series(1, 3) n')
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/generate_series is not supported with a user table/);
  });

  it('aborts the transaction it is in, as a failing statement does', async () => {
    const err = await target
      .transaction(async (tx) => {
        await tx.query('INSERT INTO public.keys (k, v) VALUES (2, $1)', ['b']);
        await tx.query('UPDATE public.keys SET v = $1 RETURNING k', ['c']);
      })
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/RETURNING/);
    const n = await env().targetAdmin.query<{ n: string }>('SELECT count(*)::text AS n FROM public.keys WHERE k = 2');
    expect(n.rows[0]!.n).toBe('0');
  });

  it('passes Redshift SQL', async () => {
    await target.query('INSERT INTO public.keys (k, v) VALUES (3, $1)', ['d']);
    const r = await target.query<{ v: string }>('SELECT v FROM public.keys WHERE k = $1', [3]);
    expect(r.rows).toEqual([{ v: 'd' }]);
    await env().targetAdmin.query('DELETE FROM public.keys');
  });
});
