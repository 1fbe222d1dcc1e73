import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WRITE_OPTIONS,
  describeSourceTable,
  generateDdl,
  insertStatements,
  planTable,
  sourcePrimaryKey,
  type SourceRow,
  type TablePlan,
} from '../../lib/typemap/index.js';
import { quoteIdent, quoteQualified } from '../../lib/sql/quote.js';
import { DATA_API_MAX_SQL_BYTES } from '../../lib/sql/data-api-client.js';
import { useEnvironment } from '../helpers/env.js';

const env = useEnvironment('typemap_roundtrip');

/**
 * Is the target value what the documented conversion of the source value gives? Written here
 * independently of lib/typemap: the source side is read with pg's default parsers (JS numbers,
 * Dates, arrays, Buffers), the target side likewise.
 */
function equivalent(sourceKind: string, targetDeclared: string, src: unknown, tgt: unknown): boolean {
  if (src === null) return tgt === null;
  if (targetDeclared.startsWith('character varying')) {
    if (typeof tgt !== 'string') return false;
    switch (sourceKind) {
      case 'bool':
        return tgt === (src ? 'true' : 'false');
      case 'array':
        return JSON.stringify(JSON.parse(tgt)) === JSON.stringify(src);
      case 'bytea':
        return Buffer.from(tgt, 'hex').equals(src as Buffer);
      default:
        return tgt === scalarText(src);
    }
  }
  if (src instanceof Date) return tgt instanceof Date && tgt.getTime() === src.getTime();
  return scalarText(tgt) === scalarText(src);
}

function scalarText(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')
    return String(v);
  return JSON.stringify(v);
}

describe('typemap round trip on Pagila', () => {
  it('writes every row of every table through the generated DDL and INSERTs and reads it back equal', async () => {
    const { source, sourceAdmin, target, targetAdmin } = env();
    const tables = await sourceAdmin.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
    );
    expect(tables.rows.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'actor',
        'film',
        'payment',
        'rental',
        'staff',
        'customer',
        'inventory',
        'film_actor',
        'language',
      ]),
    );
    const mapping = { mapBooleanAsBoolean: false };
    let totalRows = 0;
    let totalValues = 0;
    const kindsSeen = new Set<string>();

    for (const { name } of tables.rows) {
      const table = { schema: 'public', name };
      const columns = await describeSourceTable(source, table);
      const pk = await sourcePrimaryKey(source, table);
      expect(pk.length, `${name} has a primary key`).toBeGreaterThan(0);
      await target.query(generateDdl(table, columns, pk, mapping));
      const plan: TablePlan = await planTable(source, target, table, table, mapping);
      expect(plan.targetExists).toBe(true);
      expect(plan.skipped).toEqual([]);

      const rows = await source.query<SourceRow>(
        `SELECT ${plan.columns.map((c) => c.sourceExpr).join(', ')} FROM ${quoteQualified(table)}`,
      );
      const statements = insertStatements(plan, rows.rows, pk, DEFAULT_WRITE_OPTIONS, DATA_API_MAX_SQL_BYTES);
      for (const s of statements) {
        expect(Buffer.byteLength(s)).toBeLessThanOrEqual(DATA_API_MAX_SQL_BYTES);
        await target.query(s);
      }

      const order = pk.map(quoteIdent).join(', ');
      const cols = plan.columns.map((c) => quoteIdent(c.name)).join(', ');
      const src = await sourceAdmin.query<Record<string, unknown>>(
        `SELECT ${cols} FROM ${quoteQualified(table)} ORDER BY ${order}`,
      );
      const tgt = await targetAdmin.query<Record<string, unknown>>(
        `SELECT ${cols} FROM ${quoteQualified(table)} ORDER BY ${order}`,
      );
      expect(tgt.rows.length, `${name} row count`).toBe(src.rows.length);
      const targetDeclared = new Map(
        (
          await targetAdmin.query<{ attname: string; f: string }>(
            `SELECT attname, format_type(atttypid, atttypmod) AS f FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0`,
            [`public.${name}`],
          )
        ).rows.map((r) => [r.attname, r.f]),
      );
      for (let i = 0; i < src.rows.length; i++) {
        for (const c of plan.columns) {
          const s = src.rows[i]![c.name];
          const t = tgt.rows[i]![c.name];
          kindsSeen.add(c.source.kind);
          if (!equivalent(c.source.kind, targetDeclared.get(c.name)!, s, t)) {
            expect.fail(
              `${name} row ${i} column ${c.name} (${c.source.declared} → ${targetDeclared.get(c.name)}): source ${String(s)} target ${String(t)}`,
            );
          }
          totalValues++;
        }
      }
      totalRows += src.rows.length;
    }
    expect(totalRows).toBeGreaterThan(49_000);
    expect(totalValues).toBeGreaterThan(200_000);
    for (const k of [
      'array',
      'tsvector',
      'enum',
      'bytea',
      'numeric',
      'bool',
      'bpchar',
      'timestamptz',
      'date',
      'int2',
      'int4',
      'text',
    ])
      expect(kindsSeen).toContain(k);
  });

  it('maps the hard Pagila types as DMS would, losslessly', async () => {
    const { source } = env();
    const film = await describeSourceTable(source, { schema: 'public', name: 'film' });
    const ddl = generateDdl({ schema: 'public', name: 'film' }, film, ['film_id'], { mapBooleanAsBoolean: false });
    expect(ddl).toContain('"release_year" INTEGER'); // the `year` domain, by its base type
    expect(ddl).toContain('"rating" VARCHAR(5)'); // the mpaa_rating enum: longest label NC-17
    expect(ddl).toContain('"special_features" VARCHAR(65535)'); // text[]
    expect(ddl).toContain('"fulltext" VARCHAR(65535) NOT NULL'); // tsvector
    expect(ddl).toContain('"rental_rate" NUMERIC(4,2) NOT NULL');
    expect(ddl).toContain('"last_update" TIMESTAMPTZ NOT NULL');
    expect(ddl).toContain('PRIMARY KEY ("film_id")');
    const customer = await describeSourceTable(source, { schema: 'public', name: 'customer' });
    expect(
      generateDdl({ schema: 'public', name: 'customer' }, customer, ['customer_id'], { mapBooleanAsBoolean: false }),
    ).toContain('"activebool" VARCHAR(5) NOT NULL');
    expect(
      generateDdl({ schema: 'public', name: 'customer' }, customer, ['customer_id'], { mapBooleanAsBoolean: true }),
    ).toContain('"activebool" BOOLEAN NOT NULL');
    const language = await describeSourceTable(source, { schema: 'public', name: 'language' });
    expect(
      generateDdl({ schema: 'public', name: 'language' }, language, ['language_id'], { mapBooleanAsBoolean: false }),
    ).toContain('"name" VARCHAR(80) NOT NULL'); // character(20): 4 bytes a character
  });

  it('keeps primary keys informational on the emulated target, as Redshift does', async () => {
    const { target } = env();
    await target.query('CREATE TABLE public.pk_probe (id integer NOT NULL, PRIMARY KEY (id))');
    await target.query('INSERT INTO public.pk_probe VALUES (1), (1)');
    const r = await target.query<{ n: string }>('SELECT count(*) AS n FROM public.pk_probe');
    expect(Number(r.rows[0]!.n)).toBe(2);
    // Read as text: the emulation keeps the key columns in an array, which the dialect gate (rightly) refuses on the target.
    const k = await target.query<{ columns: string }>(
      `SELECT CAST(columns AS VARCHAR) AS columns FROM redshift_system.informational_constraints WHERE table_name = 'pk_probe'`,
    );
    expect(k.rows[0]!.columns).toBe('{id}');
  });
});
