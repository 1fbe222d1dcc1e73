import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WRITE_OPTIONS,
  TypemapError,
  buildInserts,
  parseTargetType,
  toRedshiftLiteral,
  truncateUtf8,
  type SourceKind,
  type SourceType,
  type TargetType,
  type WriteOptions,
} from '../../lib/typemap/index.js';

const where = { table: 'public.t', key: 'id=7', column: 'c' };
const src = (kind: SourceKind, extra: Partial<SourceType> = {}): SourceType => ({ kind, declared: kind, ...extra });
const tgt = (formatted: string): TargetType => parseTargetType(formatted)!;
const lit = (v: string | Buffer | null, s: SourceType, t: string, o: Partial<WriteOptions> = {}) =>
  toRedshiftLiteral(v, s, tgt(t), { ...DEFAULT_WRITE_OPTIONS, ...o }, where);
const fails = (v: string | Buffer | null, s: SourceType, t: string, o: Partial<WriteOptions> = {}) => {
  try {
    lit(v, s, t, o);
  } catch (err) {
    expect(err).toBeInstanceOf(TypemapError);
    expect((err as Error).message.startsWith('public.t id=7 column c: ')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a TypemapError');
};

describe('typemap values', () => {
  it('NULL is NULL whatever the types', () => {
    expect(lit(null, src('int4'), 'integer')).toBe('NULL');
    expect(lit(null, src('json'), 'super')).toBe('NULL');
  });

  it('integers: exact, range-checked', () => {
    expect(lit('-32768', src('int2'), 'smallint')).toBe('-32768');
    expect(lit('2147483647', src('int4'), 'integer')).toBe('2147483647');
    expect(lit('9223372036854775807', src('int8'), 'bigint')).toBe('9223372036854775807');
    expect(lit('-9223372036854775808', src('int8'), 'bigint')).toBe('-9223372036854775808');
    expect(fails('32768', src('int4'), 'smallint')).toMatch(/out of range for smallint/);
    expect(fails('9223372036854775808', src('numeric'), 'bigint')).toMatch(/out of range/);
    expect(lit('5.000', src('numeric'), 'integer')).toBe('5');
    expect(fails('5.5', src('numeric'), 'integer')).toMatch(/not an integer/);
    expect(lit('42', src('int8'), 'character varying(10)')).toBe("'42'");
  });

  it('numeric: arbitrary precision kept, never rounded, NaN only into text', () => {
    const big = '12345678901234567890123456.123456789012';
    expect(lit(big, src('numeric'), 'numeric(38,12)')).toBe(big);
    expect(lit('-0.10', src('numeric'), 'numeric(4,2)')).toBe('-0.10');
    expect(lit('99.99', src('numeric'), 'numeric(4,2)')).toBe('99.99');
    expect(fails('100.00', src('numeric'), 'numeric(4,2)')).toMatch(/does not fit NUMERIC\(4,2\)/);
    expect(fails('1.005', src('numeric'), 'numeric(4,2)')).toMatch(/3 decimal places; NUMERIC\(4,2\) would round it/);
    expect(lit('1.2300', src('numeric'), 'numeric(4,2)')).toBe('1.2300');
    expect(fails('NaN', src('numeric'), 'numeric(10,2)')).toMatch(/not a finite decimal/);
    expect(lit('NaN', src('numeric'), 'character varying(10)')).toBe("'NaN'");
    const huge = '9'.repeat(100) + '.' + '1'.repeat(50);
    expect(lit(huge, src('numeric'), 'character varying(200)')).toBe(`'${huge}'`);
  });

  it('real/double: NaN, ±Infinity and −0 survive', () => {
    expect(lit('NaN', src('float8'), 'double precision')).toBe("CAST('NaN' AS DOUBLE PRECISION)");
    expect(lit('Infinity', src('float8'), 'double precision')).toBe("CAST('Infinity' AS DOUBLE PRECISION)");
    expect(lit('-Infinity', src('float4'), 'real')).toBe("CAST('-Infinity' AS REAL)");
    expect(lit('-0', src('float8'), 'double precision')).toBe("CAST('-0' AS DOUBLE PRECISION)");
    expect(lit('1.7976931348623157e+308', src('float8'), 'double precision')).toBe(
      "CAST('1.7976931348623157e+308' AS DOUBLE PRECISION)",
    );
    expect(lit('5e-324', src('float8'), 'double precision')).toBe("CAST('5e-324' AS DOUBLE PRECISION)");
    expect(fails('1,5', src('float8'), 'double precision')).toMatch(/not a number/);
  });

  it('money is read as numeric and lands in NUMERIC(38,4)', () => {
    expect(lit('-1234.56', src('money'), 'numeric(38,4)')).toBe('-1234.56');
  });

  it('boolean: BOOLEAN, or the text DMS wrote', () => {
    expect(lit('t', src('bool'), 'boolean')).toBe('TRUE');
    expect(lit('f', src('bool'), 'boolean')).toBe('FALSE');
    expect(lit('t', src('bool'), 'character varying(5)')).toBe("'true'");
    expect(lit('f', src('bool'), 'character varying(5)')).toBe("'false'");
    expect(lit('f', src('bool'), 'character varying(1)', { booleanText: 't/f' })).toBe("'f'");
    expect(lit('t', src('bool'), 'character varying(1)', { booleanText: '1/0' })).toBe("'1'");
    expect(fails('t', src('bool'), 'character varying(1)')).toMatch(/4 bytes; VARCHAR\(1\) holds 1 bytes/);
  });

  it('text: Redshift escaping, byte limits, character-boundary truncation, NUL refused', () => {
    expect(lit("it's a \\ path", src('text'), 'character varying(100)')).toBe("'it''s a \\\\ path'");
    expect(lit('naïve ☃ 😀', src('text'), 'character varying(15)')).toBe("'naïve ☃ 😀'");
    expect(fails('naïve ☃ 😀', src('text'), 'character varying(14)')).toMatch(
      /text is 15 bytes; VARCHAR\(14\) holds 14 bytes/,
    );
    expect(lit('naïve ☃ 😀', src('text'), 'character varying(14)', { truncateText: true })).toBe("'naïve ☃ '");
    expect(lit('naïve ☃ 😀', src('text'), 'character varying(10)', { truncateText: true })).toBe("'naïve ☃'");
    expect(lit('naïve ☃ 😀', src('text'), 'character varying(9)', { truncateText: true })).toBe("'naïve '");
    expect(fails('a\0b', src('text'), 'character varying(10)')).toMatch(/NUL character/);
    expect(lit('ab   ', src('bpchar', { length: 5 }), 'character(5)')).toBe("'ab   '");
    expect(fails('é', src('bpchar', { length: 1 }), 'character(2)')).toMatch(/single-byte/);
    expect(lit('', src('text'), 'character varying(1)')).toBe("''");
  });

  it('uuid, enum, domain, tsvector, interval, inet/cidr/macaddr: their text', () => {
    expect(lit('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', src('uuid'), 'character varying(36)')).toBe(
      "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
    );
    expect(lit('NC-17', src('enum'), 'character varying(5)')).toBe("'NC-17'");
    expect(lit('2006', src('int4', { domain: 'public.year' }), 'integer')).toBe('2006');
    expect(lit("'chamber':1 'fate':4", src('tsvector'), 'character varying(100)')).toBe("'''chamber'':1 ''fate'':4'");
    expect(lit('1 year 2 mons 3 days 04:05:06.789', src('interval'), 'character varying(128)')).toBe(
      "'1 year 2 mons 3 days 04:05:06.789'",
    );
    expect(lit('-178000000 years', src('interval'), 'character varying(128)')).toBe("'-178000000 years'");
    expect(lit('192.168.0.1/24', src('inet'), 'character varying(43)')).toBe("'192.168.0.1/24'");
    expect(lit('2001:db8::/32', src('cidr'), 'character varying(43)')).toBe("'2001:db8::/32'");
    expect(lit('08:00:2b:01:02:03', src('macaddr'), 'character varying(17)')).toBe("'08:00:2b:01:02:03'");
  });

  it('json/jsonb: JSON_PARSE into SUPER, text into VARCHAR', () => {
    expect(lit('{"a": "it\'s", "n": 12345678901234567890}', src('jsonb'), 'super')).toBe(
      `JSON_PARSE('{"a": "it''s", "n": 12345678901234567890}')`,
    );
    expect(lit('{"path": "C:\\\\dir"}', src('json'), 'super')).toBe(`JSON_PARSE('{"path": "C:\\\\\\\\dir"}')`);
    expect(lit('[1, null]', src('json'), 'character varying(65535)')).toBe("'[1, null]'");
    expect(lit('hello', src('text'), 'super')).toBe(`JSON_PARSE('"hello"')`);
    expect(lit('3.25', src('numeric'), 'super')).toBe(`JSON_PARSE('3.25')`);
  });

  it('arrays: nested, with NULLs, elements by type, to JSON text or SUPER', () => {
    const textArr = src('array', { element: src('text') });
    expect(lit('{Trailers,"Deleted Scenes",NULL,"NULL","a\\"b"}', textArr, 'character varying(200)')).toBe(
      `'["Trailers","Deleted Scenes",null,"NULL","a\\\\"b"]'`,
    );
    const intArr = src('array', { element: src('int8') });
    expect(lit('{{1,2},{3,NULL}}', intArr, 'super')).toBe(`JSON_PARSE('[[1,2],[3,null]]')`);
    expect(lit('{9223372036854775807}', intArr, 'character varying(100)')).toBe("'[9223372036854775807]'");
    const numArr = src('array', { element: src('numeric') });
    expect(lit('{1.50,NaN}', numArr, 'character varying(100)')).toBe(`'[1.50,"NaN"]'`);
    const boolArr = src('array', { element: src('bool') });
    expect(lit('{t,f,NULL}', boolArr, 'character varying(100)')).toBe("'[true,false,null]'");
    const tsArr = src('array', { element: src('timestamptz') });
    expect(lit('{"2022-01-01 01:00:00+01"}', tsArr, 'character varying(100)')).toBe(`'["2022-01-01 00:00:00+00"]'`);
    expect(lit('{}', textArr, 'character varying(10)')).toBe("'[]'");
    expect(lit('{a,NULL}', textArr, 'character varying(10)', { arrayFormat: 'postgres' })).toBe("'{a,NULL}'");
  });

  it('dates and times: UTC, microseconds, BC, infinity handled explicitly', () => {
    expect(lit('2022-02-15 09:57:20.123456+00', src('timestamptz'), 'timestamp with time zone')).toBe(
      "'2022-02-15 09:57:20.123456+00'",
    );
    expect(lit('2022-02-15 01:30:00.5-08', src('timestamptz'), 'timestamp with time zone')).toBe(
      "'2022-02-15 09:30:00.5+00'",
    );
    expect(lit('2022-01-01 00:30:00+05:30', src('timestamptz'), 'timestamp without time zone')).toBe(
      "'2021-12-31 19:00:00'",
    );
    expect(lit('1900-01-01 00:00:00+00:09:21', src('timestamptz'), 'timestamp with time zone')).toBe(
      "'1899-12-31 23:50:39+00'",
    );
    expect(lit('2024-02-29 23:00:00-02', src('timestamptz'), 'timestamp with time zone')).toBe(
      "'2024-03-01 01:00:00+00'",
    );
    expect(lit('0044-03-15 12:00:00+01 BC', src('timestamptz'), 'timestamp with time zone')).toBe(
      "'0044-03-15 11:00:00+00 BC'",
    );
    expect(lit('0001-01-01 00:30:00+01', src('timestamptz'), 'timestamp with time zone')).toBe(
      "'0001-12-31 23:30:00+00 BC'",
    );
    expect(lit('12345-06-07 08:09:10', src('timestamp'), 'timestamp without time zone')).toBe("'12345-06-07 08:09:10'");
    expect(lit('2022-02-15 09:57:20.000001', src('timestamp'), 'timestamp without time zone')).toBe(
      "'2022-02-15 09:57:20.000001'",
    );
    expect(lit('2022-02-15', src('date'), 'date')).toBe("'2022-02-15'");
    expect(lit('4713-01-01 BC', src('date'), 'date')).toBe("'4713-01-01 BC'");
    expect(lit('2022-02-15', src('date'), 'timestamp without time zone')).toBe("'2022-02-15 00:00:00'");
    expect(fails('infinity', src('timestamptz'), 'timestamp with time zone')).toMatch(/set typemap.infinity/);
    expect(lit('infinity', src('date'), 'date', { infinity: 'null' })).toBe('NULL');
    expect(lit('-infinity', src('timestamp'), 'timestamp without time zone', { infinity: 'clamp' })).toBe(
      "'4713-01-01 00:00:00 BC'",
    );
    expect(lit('infinity', src('timestamptz'), 'timestamp with time zone', { infinity: 'clamp' })).toBe(
      "'294276-12-31 23:59:59.999999+00'",
    );
    expect(fails('15/02/2022', src('date'), 'date')).toMatch(/DateStyle ISO/);
    expect(lit('2022-02-15 09:57:20-03', src('timestamptz'), 'character varying(40)')).toBe("'2022-02-15 12:57:20+00'");
    expect(lit('13:45:00.25', src('time'), 'character varying(20)')).toBe("'13:45:00.25'");
    expect(lit('13:45:00.25', src('time'), 'time without time zone')).toBe("'13:45:00.25'");
    expect(lit('01:15:00+02', src('timetz'), 'time with time zone')).toBe("'23:15:00+00'");
    expect(lit('23:15:00-05:30', src('timetz'), 'character varying(20)')).toBe("'04:45:00+00'");
    expect(lit('24:00:00', src('time'), 'time without time zone')).toBe("'24:00:00'");
  });

  it('bytea: TO_VARBYTE into VARBYTE, hex into VARCHAR (two bytes a byte)', () => {
    const b = Buffer.from([0x00, 0xde, 0xad, 0xbe, 0xef, 0x27, 0x5c]);
    expect(lit(b, src('bytea'), 'varbyte')).toBe("TO_VARBYTE('00deadbeef275c', 'hex')");
    expect(lit(b, src('bytea'), 'character varying(14)')).toBe("'00deadbeef275c'");
    expect(fails(b, src('bytea'), 'character varying(13)')).toMatch(/14 bytes/);
    expect(lit(Buffer.alloc(0), src('bytea'), 'varbyte')).toBe("TO_VARBYTE('', 'hex')");
    expect(fails(b, src('text'), 'character varying(100)')).toMatch(/binary data/);
  });

  it('refuses values read with the wrong parsers and impossible type pairs', () => {
    expect(() =>
      toRedshiftLiteral(5 as unknown as string, src('int4'), tgt('integer'), DEFAULT_WRITE_OPTIONS, where),
    ).toThrow(/read the source with lib\/typemap's type parsers/);
    expect(fails('{}', src('json'), 'integer')).toMatch(/cannot write json into INTEGER/);
    expect(fails('2022-01-01', src('date'), 'boolean')).toMatch(/cannot write date into BOOLEAN/);
  });
});

describe('truncateUtf8', () => {
  it('cuts between characters only', () => {
    expect(truncateUtf8('😀😀', 7)).toBe('😀');
    expect(truncateUtf8('😀😀', 8)).toBe('😀😀');
    expect(truncateUtf8('é', 1)).toBe('');
    expect(truncateUtf8('abc', 0)).toBe('');
  });
});

describe('target types', () => {
  it('reads what format_type prints', () => {
    expect(parseTargetType('character varying(256)')).toEqual({ kind: 'varchar', length: 256 });
    expect(parseTargetType('numeric(10,2)')).toEqual({ kind: 'numeric', precision: 10, scale: 2 });
    expect(parseTargetType('timestamp with time zone')).toEqual({ kind: 'timestamptz' });
    expect(parseTargetType('timestamp(3) without time zone')).toEqual({ kind: 'timestamp' });
    expect(parseTargetType('time with time zone')).toEqual({ kind: 'timetz' });
    expect(parseTargetType('redshift_system.super')).toEqual({ kind: 'super' });
    expect(parseTargetType('double precision')).toEqual({ kind: 'double' });
    expect(parseTargetType('geometry')).toBeUndefined();
  });
});

describe('INSERT statements', () => {
  it('split by a byte budget, never exceeding it', () => {
    const prefix = 'INSERT INTO "s"."t" ("a") VALUES ';
    const rows = Array.from({ length: 100 }, (_v, i) => `('${'x'.repeat(i % 17)}é')`);
    const budget = 200;
    const statements = buildInserts(prefix, rows, budget);
    expect(statements.length).toBeGreaterThan(5);
    for (const s of statements) {
      expect(Buffer.byteLength(s)).toBeLessThanOrEqual(budget);
      expect(s.startsWith(prefix)).toBe(true);
    }
    expect(statements.map((s) => s.slice(prefix.length)).join(', ')).toBe(rows.join(', '));
    expect(() => buildInserts(prefix, [`('${'x'.repeat(300)}')`], budget)).toThrow(
      /more than the 200-byte statement budget/,
    );
    expect(buildInserts(prefix, [], budget)).toEqual([]);
  });
});
