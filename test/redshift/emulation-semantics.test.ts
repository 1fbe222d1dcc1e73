import { describe, expect, it } from 'vitest';
import { useEnvironment } from '../helpers/env.js';

/**
 * The Redshift semantics sim/redshift/emulation.sql mirrors beyond the system tables, each against
 * the documented behaviour (docs/aws-facts.md §82–§85), through the companion's gated target client.
 */
const env = useEnvironment('emulation_semantics');

const one = async <T>(sql: string, params: unknown[] = []): Promise<T> =>
  (await env().target.query<{ v: T }>(sql, params as string[])).rows[0]!.v;

describe('trailing blanks (Character types, "Significance of trailing blanks"; docs/aws-facts.md §82)', () => {
  it("matches the documented example: VARCHAR '9516 Magnolia Boulevard' and the same with blanks are equal", async () => {
    const { targetAdmin } = env();
    await targetAdmin.query(
      'CREATE TABLE public.em_address (address_id integer, address1 varchar(100), city char(20))',
    );
    await targetAdmin.query('GRANT SELECT ON public.em_address TO dms_companion');
    await targetAdmin.query(
      `INSERT INTO public.em_address VALUES (1, '9516 Magnolia Boulevard', 'Augusta'), (2, '9516 Magnolia Boulevard  ', 'Augusta  ')`,
    );
    expect(
      Number(await one(`SELECT count(*) AS v FROM public.em_address WHERE address1 = '9516 Magnolia Boulevard'`)),
    ).toBe(2);
    // LENGTH and OCTET_LENGTH count a VARCHAR's trailing blanks (so byte-exact matches stay possible).
    const lengths = await env().target.query<{ l: number; o: number }>(
      'SELECT LENGTH(address1) AS l, OCTET_LENGTH(address1) AS o FROM public.em_address ORDER BY address_id',
    );
    expect(lengths.rows.map((r) => [Number(r.l), Number(r.o)])).toEqual([
      [23, 23],
      [25, 25],
    ]);
  });

  it('ignores them in every way a query compares VARCHARs: parameters, <>, IN lists, CHAR against VARCHAR, joins, GROUP BY', async () => {
    const { targetAdmin, target } = env();
    await targetAdmin.query('CREATE TABLE public.em_keys (k varchar(10), c char(4), n integer)');
    await targetAdmin.query('CREATE TABLE public.em_other (k varchar(20))');
    await targetAdmin.query('GRANT SELECT ON public.em_keys, public.em_other TO dms_companion');
    await targetAdmin.query(
      `INSERT INTO public.em_keys VALUES ('a', 'a', 1), ('a ', 'a', 2), ('a  ', 'a  ', 3), ('a' || chr(9), 'x', 4), (' a', 'b', 5)`,
    );
    await targetAdmin.query(`INSERT INTO public.em_other VALUES ('a   '), ('b')`);
    const ns = async (where: string, params: string[] = []) =>
      (await target.query<{ n: number }>(`SELECT n FROM public.em_keys WHERE ${where} ORDER BY n`, params)).rows.map(
        (r) => r.n,
      );
    expect(await ns(`k = 'a'`)).toEqual([1, 2, 3]);
    expect(await ns('k = $1', ['a    '])).toEqual([1, 2, 3]);
    expect(await ns(`k <> 'a '`)).toEqual([4, 5]); // a tab and a leading blank are significant
    expect(await ns(`k IN ('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j')`)).toEqual([1, 2, 3]);
    expect(await ns('k = c')).toEqual([1, 2, 3]);
    expect(await ns(`k = CAST('a' AS VARCHAR(5)) AND OCTET_LENGTH(k) = OCTET_LENGTH(CAST('a' AS VARCHAR(5)))`)).toEqual(
      [1],
    );
    expect(await ns('k IN (SELECT k FROM public.em_other)')).toEqual([1, 2, 3]);
    const joined = await target.query<{ n: unknown }>(
      'SELECT count(*) AS n FROM public.em_keys a JOIN public.em_other b ON a.k = b.k',
    );
    expect(Number(joined.rows[0]!.n)).toBe(3);
    const groups = await target.query<{ b: number; n: unknown }>(
      `SELECT OCTET_LENGTH(k) AS b, count(*) AS n FROM public.em_keys WHERE k = 'a' GROUP BY k, OCTET_LENGTH(k) ORDER BY 1`,
    );
    expect(groups.rows.map((r) => [Number(r.b), Number(r.n)])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(Number(await one(`SELECT count(DISTINCT k) AS v FROM public.em_keys WHERE k = 'a'`))).toBe(1);
  });

  it('joins and groups VARCHARs by hash, as pg_catalog would for text (the emulation keeps tests fast)', async () => {
    const plans = await env().targetAdmin.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_nestloop = off');
      await tx.query('SET LOCAL enable_mergejoin = off');
      await tx.query('SET LOCAL enable_sort = off');
      const explain = async (sql: string) =>
        (await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      return [
        await explain('SELECT a.n FROM public.em_keys a JOIN public.em_other b ON a.k = b.k'),
        await explain('SELECT k, count(*) FROM public.em_keys GROUP BY k'),
      ];
    });
    expect(plans[0]).toMatch(/Hash Join/);
    expect(plans[1]).toMatch(/HashAggregate/);
  });
});
