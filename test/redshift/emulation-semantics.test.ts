import { describe, expect, it } from 'vitest';
import { asRedshiftSql } from '../../sim/redshift/dialect/gate.js';
import { useEnvironment } from '../helpers/env.js';
import { withTarget } from '../helpers/sim.js';

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

describe('VARCHAR(n) and CHAR(n) hold n bytes (Character types; docs/aws-facts.md §83)', () => {
  it("refuses a value over n bytes with Redshift's error, though its characters fit, and a multi-byte character in a CHAR", async () => {
    const { targetAdmin, target } = env();
    const cols = Array.from({ length: 10 }, (_v, i) => `p${i} varchar(2)`).join(', ');
    await targetAdmin.query(`CREATE TABLE public.em_bytes (${cols}, v varchar(4), c char(3), t text)`);
    await targetAdmin.query('GRANT SELECT, INSERT ON public.em_bytes TO dms_companion');
    const put = (v: string, c = 'ab') =>
      target.query(`INSERT INTO public.em_bytes (v, c, t) VALUES ($1, $2, $3)`, [v, c, v]);
    await put('abcd');
    await put('éé'); // 4 bytes
    await put('😀'); // 4 bytes, 1 character
    await expect(put('ééa')).rejects.toMatchObject({
      sqlState: '22001',
      message: expect.stringContaining('value too long for type character varying(4)') as unknown,
    });
    await expect(put('a', 'é')).rejects.toMatchObject({
      sqlState: '22021',
      message: expect.stringContaining('Multibyte character not supported for CHAR') as unknown,
    });
    await expect(target.query(`INSERT INTO public.em_bytes (p9) VALUES ('ab')`)).resolves.toBeDefined();
    await expect(target.query(`INSERT INTO public.em_bytes (p9) VALUES ('é')`)).resolves.toBeDefined();
    await expect(target.query(`INSERT INTO public.em_bytes (p9) VALUES ('éa')`)).rejects.toMatchObject({
      sqlState: '22001',
    });
    // Widening a column (ALTER COLUMN … TYPE) moves the limit with it; a new column gets one too.
    await targetAdmin.query('ALTER TABLE public.em_bytes ALTER COLUMN v TYPE varchar(6)');
    await targetAdmin.query('ALTER TABLE public.em_bytes ADD COLUMN w varchar(1)');
    await put('ééa');
    await expect(target.query(`INSERT INTO public.em_bytes (w) VALUES ('é')`)).rejects.toMatchObject({
      sqlState: '22001',
    });
    const checks = await targetAdmin.query<{ n: string }>(
      `SELECT conname AS n FROM pg_constraint WHERE conrelid = 'public.em_bytes'::regclass AND conname LIKE 'redshift!_bytes!_%' ESCAPE '!' ORDER BY 1`,
    );
    expect(checks.rows.map((r) => r.n)).toHaveLength(13);
    expect(checks.rows.map((r) => r.n)).toContain('redshift_bytes_11_6');
  });
});

describe('LISTAGG fails past 65,535 bytes (LISTAGG function; docs/aws-facts.md §84)', () => {
  it('returns a list of exactly 65,535 bytes, and fails one byte later', async () => {
    const { targetAdmin, target } = env();
    await targetAdmin.query('CREATE TABLE public.em_list (g integer, v varchar(100))');
    await targetAdmin.query('GRANT SELECT ON public.em_list TO dms_companion');
    // 655 values of 99 bytes (49 two-byte characters and one more), one of 35 or 36 bytes, 655 delimiters:
    // group 2 is 65,535 bytes exactly, group 1 one byte more; NULLs are skipped.
    await targetAdmin.query(
      `INSERT INTO public.em_list SELECT g.g, repeat('é', 49) || 'y' FROM generate_series(1, 655), (VALUES (1), (2)) g(g) ` +
        `UNION ALL SELECT 1, repeat('z', 36) UNION ALL SELECT 2, repeat('z', 35) UNION ALL SELECT 2, NULL`,
    );
    const ok = await target.query<{ n: number }>(
      `SELECT OCTET_LENGTH(LISTAGG(v, ',')) AS n FROM public.em_list WHERE g = 2`,
    );
    expect(Number(ok.rows[0]!.n)).toBe(65535);
    await expect(target.query(`SELECT LISTAGG(v, ',') AS l FROM public.em_list WHERE g = 1`)).rejects.toThrow(
      /Result size exceeds LISTAGG limit/,
    );
    const small = await target.query<{ l: string }>(`SELECT LISTAGG(v, ';') AS l FROM public.em_list WHERE g = 3`);
    expect(small.rows[0]!.l).toBeNull();
  });
});

describe('identifiers fold to lower case, quoted ones too (Names and identifiers; docs/aws-facts.md §85)', () => {
  it('folds the ASCII letters of quoted identifiers only: not string literals, comments or other characters', async () => {
    expect(
      await asRedshiftSql(`SELECT "AbC" AS "X", '"Q"' AS "Ä_B" /* "C" */ FROM "Pub"."T" WHERE e = 'It''s "D"'`),
    ).toBe(`SELECT "abc" AS "x", '"Q"' AS "Ä_b" /* "C" */ FROM "pub"."t" WHERE e = 'It''s "D"'`);
    expect(await asRedshiftSql(`SELECT COALESCE("K", '\u0001NULL\u0001') FROM "T"`)).toBe(
      `SELECT COALESCE("k", '\u0001NULL\u0001') FROM "t"`,
    );
  });

  it.each(['direct', 'data-api'] as const)(
    'reaches lower-case tables and columns through quoted mixed-case names (%s)',
    async (kind) => {
      const { targetAdmin } = env();
      await targetAdmin.query('CREATE TABLE IF NOT EXISTS public.em_case (id integer, "Ä" varchar(10))');
      await targetAdmin.query('GRANT SELECT ON public.em_case TO dms_companion');
      await targetAdmin.query(`INSERT INTO public.em_case VALUES (1, 'x')`);
      await withTarget(env(), kind, async (t) => {
        const r = await t.client.query<{ v: string }>(`SELECT "Ä" AS "V" FROM "Public"."EM_Case" WHERE "ID" = 1`);
        expect(r.rows.map((x) => x.v)).toEqual(['x']);
        // Non-ASCII letters keep their case: "ä" is another column.
        await expect(t.client.query(`SELECT "ä" FROM public.em_case`)).rejects.toThrow(/column "ä" does not exist/);
      });
      await targetAdmin.query('DELETE FROM public.em_case');
    },
  );
});
