import { describe, expect, it, beforeAll } from 'vitest';
import type { SqlClient } from '../../lib/sql/client.js';
import { compareBuckets } from '../../jobs/gapfill/compare-buckets.js';
import { DEFAULT_COMPARE } from '../../jobs/gapfill/compare.js';
import {
  chooseRowHash,
  decideRowHash,
  PROBE_TEXTS,
  sourceBytesFor,
  type RowHash,
} from '../../jobs/gapfill/row-hash.js';
import { describeGapTable, rowHashOf } from '../../jobs/gapfill/table.js';
import { parsedEnvConfig } from '../helpers/config.js';
import { PgClient } from '../../lib/sql/pg-client.js';
import { COMPANION_USER, poolFor } from '../../sim/embedded.js';
import { useEnvironment } from '../helpers/env.js';
import { useTarget } from '../helpers/sim.js';

/**
 * The row hash of hash buckets: Redshift's CRC32 as the emulation computes it against the source's crc32c, the
 * probe that chooses CRC-32C or MD5 (and refuses a CRC32 that is not the documented one), and both hashes finding
 * the same differences on a UUID-keyed day — including a key replaced by another, which keeps the day's count.
 */
const env = useEnvironment('row_hash');
const DAY = { kind: 'day' as const, from: new Date('2026-06-01T00:00:00Z'), until: new Date('2026-06-02T00:00:00Z') };
const ROWS = `SELECT md5(g::text)::uuid AS id, '2026-06-01'::timestamptz + (g * 7919 % 86400) * interval '1 s' AS d,
                     '2026-06-03'::timestamptz AS v FROM generate_series(1, 3000) g`;

beforeAll(async () => {
  const { sourceAdmin: s, targetAdmin: t } = env();
  await s.query(`CREATE TABLE public.rh_uuid (id uuid PRIMARY KEY, d timestamptz NOT NULL, v timestamptz)`);
  await t.query(`CREATE TABLE public.rh_uuid (id varchar(36), d timestamptz NOT NULL, v timestamptz)`);
  await s.query(`INSERT INTO public.rh_uuid ${ROWS}`);
  await t.query(`INSERT INTO public.rh_uuid SELECT CAST(x.id AS text), x.d, x.v FROM (${ROWS}) x`);
  await s.query(`CREATE INDEX ON public.rh_uuid (d); GRANT SELECT ON public.rh_uuid TO ${COMPANION_USER}`);
  await t.query(`GRANT SELECT ON public.rh_uuid TO ${COMPANION_USER}`);
  // Missing on the target; an extra key; a stale version; a key replaced by another (the day's count unchanged).
  await t.query(`DELETE FROM public.rh_uuid WHERE id = CAST(md5('11') AS uuid)::text`);
  await t.query(
    `INSERT INTO public.rh_uuid VALUES ('00000000-0000-0000-0000-0000000000aa', '2026-06-01 03:00+00', NULL)`,
  );
  await s.query(`UPDATE public.rh_uuid SET v = '2026-06-04' WHERE id = CAST(md5('222') AS uuid)`);
  await t.query(
    `UPDATE public.rh_uuid SET id = '00000000-0000-0000-0000-0000000000bb' WHERE id = CAST(md5('333') AS uuid)::text`,
  );
});

const RH_TABLE = { source: 'public.rh_uuid', primaryKey: ['id'], dayColumn: 'd', versionColumn: 'v' };

const uuidOf = async (n: number) =>
  (await env().sourceAdmin.query<{ u: string }>(`SELECT md5($1)::uuid::text AS u`, [String(n)])).rows[0]!.u;

async function differences(
  target: SqlClient,
  hash?: RowHash,
  source: SqlClient = env().source,
  table: { source: string; primaryKey: string[]; dayColumn: string; versionColumn?: string } = RH_TABLE,
) {
  const config = parsedEnvConfig(env(), {
    tasks: [
      {
        name: 'rh',
        arn: 'arn:aws:dms:us-east-1:123456789012:task:RH',
        replicationInstance: 'ri',
        tables: [table],
      },
    ],
  });
  const task = config.tasks[0]!;
  const described = await describeGapTable(source, target, task, task.tables[0]!);
  const t = hash ? { ...described, hash } : described;
  const r = await compareBuckets({ source, target }, t, DAY, DEFAULT_COMPARE);
  const keys = (rows: string[][]) => rows.map((x) => x[0]).sort();
  return {
    hash: rowHashOf(t).kind,
    rows: r.rowsCompared,
    missing: keys(r.diff.missing),
    extra: keys(r.diff.extra),
    stale: keys(r.diff.stale),
    keysRead: r.meter.bytesRead,
  };
}

describe('row hash', () => {
  it("computes Redshift's CRC32 as the documented CRC-32C: the doc example, and the source's crc32c for any text", async () => {
    const { target, sourceAdmin } = env();
    const ex = await target.query<{ c: string }>(`SELECT CRC32('Amazon Redshift') AS c`);
    expect(ex.rows[0]!.c).toBe('f2726906');
    // Texts of 0 to 40 characters of one to four UTF-8 bytes each, leading zeros in the checksum included.
    const texts = Array.from({ length: 300 }, (_x, i) =>
      Array.from({ length: i % 41 }, (_y, j) =>
        String.fromCodePoint([0x41, 0xe9, 0x20ac, 0x1f600][(i + j) % 4]! + j),
      ).join(''),
    );
    const src = await sourceAdmin.query<{ h: string }>(
      `SELECT lpad(to_hex(crc32c(convert_to(t, 'UTF8'))), 8, '0') AS h FROM unnest($1::text[]) WITH ORDINALITY x(t, i) ORDER BY i`,
      [texts],
    );
    const tgt = await Promise.all(texts.map((t) => target.query<{ h: string }>('SELECT CRC32($1) AS h', [t])));
    expect(tgt.map((r) => r.rows[0]!.h)).toEqual(src.rows.map((r) => r.h));
    expect(src.rows.some((r) => r.h.startsWith('0'))).toBe(true);
  });

  it('chooses CRC-32C where both sides agree, and MD5 when the target’s CRC32 is not the documented one', async () => {
    expect(await chooseRowHash(env().source, env().target)).toMatchObject({ kind: 'crc32c', sourceBytes: 'textsend' });
    const utf8 = sourceBytesFor({ version: 180004, serverUtf8: true, clientUtf8: true });
    expect(utf8).toEqual({ crc32c: 'textsend', md5: 'text' });
    expect(decideRowHash([1, 2, 3, 4, 5], [0xf2726906, 2, 3, 4, 5], utf8)).toMatchObject({
      kind: 'md5',
      sourceBytes: 'text',
    });
    const agree = [0xf2726906, 0, 1, 2, 3];
    const latin1 = sourceBytesFor({ version: 180004, serverUtf8: false, clientUtf8: true });
    expect(latin1).toEqual({ crc32c: 'convert_to', md5: 'convert_to' });
    expect(decideRowHash(agree, agree, latin1)).toMatchObject({ kind: 'crc32c', sourceBytes: 'convert_to' });
    expect(decideRowHash([...agree.slice(0, 4), null], agree, utf8).why).toMatch(/differ for probe text/);
    expect(sourceBytesFor({ version: 170002, serverUtf8: true, clientUtf8: false })).toEqual({
      crc32c: 'convert_to',
      md5: 'text',
    });
    expect(PROBE_TEXTS[0]).toBe('Amazon Redshift');
  });

  it('falls back to MD5, and says why, on a target whose CRC32 is plain CRC-32', async () => {
    const { targetAdmin, sourceAdmin, targetDms } = env();
    await targetAdmin.query(`ALTER FUNCTION redshift_system.crc32(text) RENAME TO crc32_documented`);
    await targetAdmin.query(
      `CREATE FUNCTION redshift_system.crc32(text) RETURNS text LANGUAGE sql STABLE AS
         $f$ SELECT lpad(to_hex(pg_catalog.crc32(textsend($1))), 8, '0') $f$`,
    );
    try {
      // Other client objects than the companion's: the choice is made once per source and target pair.
      const h = await chooseRowHash(sourceAdmin, targetDms);
      expect(h).toMatchObject({ kind: 'md5' });
      expect(h.why).toMatch(/not the documented f2726906/);
    } finally {
      await targetAdmin.query(`DROP FUNCTION redshift_system.crc32(text)`);
      await targetAdmin.query(`ALTER FUNCTION redshift_system.crc32_documented(text) RENAME TO crc32`);
    }
  });
});

describe.each(['direct', 'data-api'] as const)('row hash on a %s target', (kind) => {
  const target = useTarget(env, kind);
  it('finds the same missing, extra, replaced and stale rows with CRC-32C and with MD5', async () => {
    const [m, s, r] = await Promise.all([uuidOf(11), uuidOf(222), uuidOf(333)]);
    const want = {
      rows: 3000,
      missing: [m, r].sort(),
      extra: ['00000000-0000-0000-0000-0000000000aa', '00000000-0000-0000-0000-0000000000bb'],
      stale: [s],
    };
    expect(await differences(target().client)).toMatchObject({ hash: 'crc32c', ...want });
    // Every way the source may take a text's bytes, for both hashes.
    for (const hash of [
      { kind: 'crc32c', sourceBytes: 'convert_to', why: 'test' },
      { kind: 'md5', sourceBytes: 'text', why: 'test' },
      { kind: 'md5', sourceBytes: 'convert_to', why: 'test' },
    ] as const)
      expect(await differences(target().client, hash)).toMatchObject({ hash: hash.kind, ...want });
  });
});

describe('a source database in LATIN1', () => {
  it('hashes the UTF-8 bytes Redshift holds, so that buckets of non-ASCII keys agree, with CRC-32C and with MD5', async () => {
    const { server, sourceAdmin, targetAdmin, target } = env();
    const db = `${env().databases.source}_latin1`;
    await sourceAdmin.query(
      `CREATE DATABASE ${db} ENCODING 'LATIN1' LOCALE_PROVIDER libc LOCALE 'C' TEMPLATE template0`,
    );
    const latin1 = new PgClient({ role: 'source', dialect: 'postgres', connection: poolFor(server, db) });
    try {
      const rows = `SELECT code, '2026-06-01 06:00+00'::timestamptz AS d FROM (VALUES ('café'), ('naïve'), ('Ærø'),
                      ('plain'), ('façade'), ('über')) v(code) UNION ALL
                    SELECT 'k' || g || 'é', '2026-06-01 07:00+00' FROM generate_series(1, 20000) g`;
      await latin1.query(`CREATE TABLE public.rh_latin (code varchar(20) PRIMARY KEY, d timestamptz NOT NULL)`);
      await latin1.query(`INSERT INTO public.rh_latin ${rows}`);
      await targetAdmin.query(`CREATE TABLE public.rh_latin (code varchar(20), d timestamptz)`);
      await targetAdmin.query(`INSERT INTO public.rh_latin SELECT * FROM (${rows}) x WHERE code <> 'naïve'`);
      await targetAdmin.query(`GRANT SELECT ON public.rh_latin TO ${COMPANION_USER}`);
      const table = { source: 'public.rh_latin', primaryKey: ['code'], dayColumn: 'd' };

      expect(await chooseRowHash(latin1, target)).toMatchObject({ kind: 'crc32c', sourceBytes: 'convert_to' });
      const want = { rows: 20006, missing: ['naïve'], extra: [], stale: [] };
      expect(await differences(target, undefined, latin1, table)).toMatchObject({ hash: 'crc32c', ...want });
      const md5 = { kind: 'md5', sourceBytes: 'convert_to', why: 'test' } as const;
      expect(await differences(target, md5, latin1, table)).toMatchObject({ hash: 'md5', ...want });
      // Hashing the LATIN1 text itself, as gap-filling did before, finds the same keys in the end, but every bucket
      // holding a non-ASCII key differs and is fetched whole: many times the bytes.
      const utf8 = await differences(target, md5, latin1, table);
      const asStored = await differences(target, { ...md5, sourceBytes: 'text' }, latin1, table);
      expect(asStored).toMatchObject(want);
      expect(asStored.keysRead).toBeGreaterThan(5 * utf8.keysRead);
    } finally {
      await latin1.close();
      await sourceAdmin.query(`DROP DATABASE ${db} WITH (FORCE)`);
    }
  });
});
