import pg from 'pg';

/**
 * How the source is read so that nothing loses precision: every column comes back as PostgreSQL's
 * own text output (numeric, int8, timestamps with microseconds, json as written, arrays as array
 * text…), except bytea, which comes back as a Buffer. The typemap turns that text into Redshift
 * literals. Session settings pin the text forms the typemap reads: ISO dates, UTC, postgres
 * interval style.
 */
const byteaParser = pg.types.getTypeParser(17, 'text') as (v: string) => Buffer;
const identity = (v: string) => v;

/** Type parsers for a source pool: text for everything, Buffer for bytea. */
export const sourceTypeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 17 && format !== 'binary' ? byteaParser : identity) as pg.CustomTypesConfig['getTypeParser'],
};

/** Connection `options` for a source pool: DateStyle ISO, time zone UTC, IntervalStyle postgres. */
export const SOURCE_SESSION_OPTIONS = '-c DateStyle=ISO,YMD -c TimeZone=UTC -c IntervalStyle=postgres';
