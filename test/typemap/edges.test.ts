import { describe, expect, it } from 'vitest';
import { DEFAULT_WRITE_OPTIONS, insertStatements, planTable, readSourceRows } from '../../lib/typemap/index.js';
import { useEnvironment } from '../helpers/env.js';

const env = useEnvironment('typemap_edges');
const table = { schema: 'public', name: 'edge_values' };

/** Source table with one column per hard type, and two rows of edge values. */
const SOURCE_DDL = `
CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy ☺');
CREATE DOMAIN public.positive AS numeric(10,2) CHECK (VALUE > 0);
CREATE TABLE public.edge_values (
  id bigint PRIMARY KEY,
  n numeric, n2 numeric(12,4), f8 double precision, f4 real, m money,
  b boolean, bb boolean, t text, c character(4), vc varchar(3),
  u uuid, j json, jb jsonb, arr text[], nested int[], tsv tsvector, mood public.mood, pos public.positive,
  d date, ts timestamp(6), tstz timestamptz, tm time, tmtz timetz, iv interval,
  by bytea, byv bytea, ip inet, net cidr, mac macaddr
);
INSERT INTO public.edge_values VALUES
 (9007199254740993, 123456789012345678901234567890.123456789, -0.0001, 'NaN', '-0', -12.34,
  true, false, E'line1\\nline2 \\\\ it''s "q"', 'ab', 'ééé',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"k": [1, 2.50, "x\\\\y"]}', '{"big": 123456789012345678901234567890}',
  '{a,NULL,"b c","{}"}', '{{1,NULL},{3,4}}', 'a fat cat', 'happy ☺', 0.01,
  '0044-03-15 BC', '2022-02-15 09:57:20.000001', '2022-02-15 09:57:20.654321+05:45', '23:59:59.999999', '01:30:00+02',
  '1 year 2 mons -3 days 04:05:06.789', '\\x00ff27', '\\xdeadbeef', '2001:db8::1/64', '10.0.0.0/8', '08:00:2b:01:02:03'),
 (-9223372036854775808, NULL, NULL, 'Infinity', '3.4028235e+38', NULL,
  NULL, NULL, '', NULL, NULL,
  NULL, 'null', '[]', '{}', '{}', '', 'sad', NULL,
  '2022-12-31', NULL, '1900-01-01 00:00:00+00', NULL, NULL,
  NULL, '\\x', NULL, NULL, NULL, NULL);
`;

/** A user-created target: the real types win (boolean, super, varbyte, timestamptz, …). */
const TARGET_DDL = `
CREATE TABLE public.edge_values (
  id bigint NOT NULL, n varchar(100), n2 numeric(12,4), f8 double precision, f4 real, m numeric(38,4),
  b boolean, bb varchar(5), t varchar(100), c char(4), vc varchar(6),
  u varchar(36), j super, jb varchar(200), arr super, nested varchar(100), tsv varchar(100), mood varchar(20), pos numeric(10,2),
  d date, ts timestamp, tstz timestamptz, tm varchar(20), tmtz timetz, iv varchar(128),
  by varbyte, byv varchar(100), ip varchar(43), net varchar(43), mac varchar(17),
  PRIMARY KEY (id)
)`;

describe('typemap edge values through the emulated target', () => {
  it('writes each hard type into the target type that exists and reads back what Redshift would hold', async () => {
    const { sourceAdmin, source, target, targetAdmin } = env();
    await sourceAdmin.query(SOURCE_DDL);
    await sourceAdmin.query('GRANT SELECT ON public.edge_values TO dms_companion');
    await target.query(TARGET_DDL);
    const plan = await planTable(source, target, table, table, { mapBooleanAsBoolean: false });
    const rows = await readSourceRows(source, plan, ['id'], [['9007199254740993'], ['-9223372036854775808'], ['404']]);
    expect(rows).toHaveLength(2); // key 404 does not exist: absent, not invented
    expect(rows.map((r) => r.id).sort()).toEqual(['-9223372036854775808', '9007199254740993']);
    for (const s of insertStatements(plan, rows, ['id'], DEFAULT_WRITE_OPTIONS, 100_000)) await target.query(s);

    const r = await targetAdmin.query<Record<string, unknown>>(
      `SELECT id::text, n, n2::text, f8::text, f4::text AS f4, m::text, b, bb, t, c, vc, u, j, jb, arr, nested, tsv, mood, pos::text,
              d::text, ts::text, tstz::text, tm, tmtz::text, iv, by, byv, ip, net, mac
         FROM public.edge_values ORDER BY id DESC`,
    );
    const [a, z] = r.rows as [Record<string, unknown>, Record<string, unknown>];
    expect(a).toMatchObject({
      id: '9007199254740993',
      n: '123456789012345678901234567890.123456789',
      n2: '-0.0001',
      f8: 'NaN',
      f4: '-0',
      m: '-12.3400',
      b: true,
      bb: 'false',
      t: 'line1\nline2 \\ it\'s "q"',
      c: 'ab  ',
      vc: 'ééé',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      j: { k: [1, 2.5, 'x\\y'] },
      jb: '{"big": 123456789012345678901234567890}',
      arr: ['a', null, 'b c', '{}'],
      nested: '[[1,null],[3,4]]',
      tsv: "'a' 'cat' 'fat'",
      mood: 'happy ☺',
      pos: '0.01',
      d: '0044-03-15 BC',
      ts: '2022-02-15 09:57:20.000001',
      tstz: '2022-02-15 04:12:20.654321+00',
      tm: '23:59:59.999999',
      tmtz: '23:30:00+00',
      iv: '1 year 2 mons -3 days +04:05:06.789',
      by: Buffer.from([0x00, 0xff, 0x27]),
      byv: 'deadbeef',
      ip: '2001:db8::1/64',
      net: '10.0.0.0/8',
      mac: '08:00:2b:01:02:03',
    });
    expect(z).toMatchObject({
      id: '-9223372036854775808',
      n: null,
      f8: 'Infinity',
      f4: '3.4028235e+38',
      b: null,
      t: '',
      j: null, // JSON null inside SUPER
      jb: '[]',
      arr: [],
      nested: '[]',
      tsv: '',
      mood: 'sad',
      tstz: '1900-01-01 00:00:00+00',
      by: Buffer.alloc(0),
    });
  });

  it('refuses a row whose value does not fit, naming table, key and column, and writes nothing', async () => {
    const { sourceAdmin, source, target } = env();
    await sourceAdmin.query(`INSERT INTO public.edge_values (id, vc) VALUES (77, 'é☃☃')`);
    const plan = await planTable(source, target, table, table, { mapBooleanAsBoolean: false });
    const rows = await readSourceRows(source, plan, ['id'], [['77']]);
    expect(() => insertStatements(plan, rows, ['id'], DEFAULT_WRITE_OPTIONS, 100_000)).toThrow(
      'public.edge_values id=77 column vc: text is 8 bytes; VARCHAR(6) holds 6 bytes (set typemap.truncateText to cut it)',
    );
  });
});
