import type { SqlExecutor } from '../sql/client.js';
import { displayName, type QualifiedName } from '../sql/quote.js';
import { RefusedError } from '../errors.js';
import { asBool, asInt, asNumber } from '../sql/coerce.js';
import { baseKind, charLength, numericPrecision, parseTargetType, type SourceType, type TargetType } from './types.js';

/**
 * Reading column types from the catalogs: the source's pg_catalog (type, typmod, array-ness,
 * domain base type, enum) and the target's (what Redshift actually holds — it wins over the
 * default mapping).
 */

export interface SourceColumn {
  name: string;
  type: SourceType;
  notNull: boolean;
  /** 1-based position. */
  position: number;
}

export interface TargetColumn {
  name: string;
  /** `format_type()` text as the target reports it. */
  declared: string;
  /** undefined when the toolkit cannot write to this type. */
  type: TargetType | undefined;
  notNull: boolean;
}

interface PgTypeRow {
  oid: number;
  typname: string;
  nspname: string;
  typtype: string;
  typcategory: string;
  typelem: number;
  typbasetype: number;
  typtypmod: number;
  formatted: string;
  enum_max_bytes: number | null;
}

/**
 * Columns of a source table (or partitioned table), in order, with types resolved.
 * @throws RefusedError when the table does not exist on the source.
 */
export async function describeSourceTable(source: SqlExecutor, table: QualifiedName): Promise<SourceColumn[]> {
  const cols = await source.query<{
    attname: string;
    atttypid: number;
    atttypmod: number;
    attnotnull: boolean;
    attnum: number;
    declared: string;
  }>(
    `SELECT a.attname, a.atttypid::int AS atttypid, a.atttypmod, a.attnotnull, a.attnum,
            pg_catalog.format_type(a.atttypid, a.atttypmod) AS declared
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [table.schema, table.name],
  );
  if (cols.rows.length === 0)
    throw new RefusedError(`source table ${displayName(table)} does not exist (or has no columns)`);
  const columns = cols.rows.map((c) => ({
    ...c,
    atttypid: asInt(c.atttypid),
    atttypmod: asInt(c.atttypmod),
    attnum: asInt(c.attnum),
    attnotnull: asBool(c.attnotnull),
  }));
  const types = new Map<number, PgTypeRow>();
  const load = async (oids: number[]) => {
    const missing = [...new Set(oids)].filter((o) => o !== 0 && !types.has(o));
    if (missing.length === 0) return;
    const r = await source.query<PgTypeRow>(
      `SELECT t.oid::int AS oid, t.typname, n.nspname, t.typtype::text AS typtype, t.typcategory::text AS typcategory,
              t.typelem::int AS typelem, t.typbasetype::int AS typbasetype, t.typtypmod,
              pg_catalog.format_type(t.oid, NULL) AS formatted,
              (SELECT max(octet_length(e.enumlabel)) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)::int AS enum_max_bytes
         FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        WHERE t.oid = ANY($1::oid[])`,
      [missing],
    );
    const rows = r.rows.map((t) => ({
      ...t,
      oid: asInt(t.oid),
      typelem: asInt(t.typelem),
      typbasetype: asInt(t.typbasetype),
      typtypmod: asInt(t.typtypmod),
      enum_max_bytes: asNumber(t.enum_max_bytes) ?? null,
    }));
    for (const row of rows) types.set(row.oid, row);
    // Follow domains to their base and arrays to their element.
    await load(rows.flatMap((t) => [t.typtype === 'd' ? t.typbasetype : 0, t.typcategory === 'A' ? t.typelem : 0]));
  };
  await load(columns.map((c) => c.atttypid));

  const resolve = (oid: number, typmod: number, declared: string, domain?: string): SourceType => {
    const t = types.get(oid);
    if (!t) return { kind: 'other', declared };
    if (t.typtype === 'd') return resolve(t.typbasetype, t.typtypmod, declared, domain ?? `${t.nspname}.${t.typname}`);
    const base: SourceType = { kind: 'other', declared, ...(domain ? { domain } : {}) };
    if (t.typcategory === 'A' && t.typelem !== 0)
      return { ...base, kind: 'array', element: resolve(t.typelem, typmod, declared) };
    if (t.typtype === 'e') return { ...base, kind: 'enum', enumMaxBytes: t.enum_max_bytes ?? 0 };
    const kind =
      t.typtype === 'b' && (t.nspname === 'pg_catalog' || t.typname === 'citext') ? baseKind(t.typname) : 'other';
    if (kind === 'text' || kind === 'bpchar')
      return { ...base, kind, length: t.typname === 'text' ? undefined : charLength(typmod) };
    if (kind === 'numeric') return { ...base, kind, ...numericPrecision(typmod) };
    return { ...base, kind };
  };

  return columns.map((c) => ({
    name: c.attname,
    position: c.attnum,
    notNull: c.attnotnull,
    type: resolve(c.atttypid, c.atttypmod, c.declared),
  }));
}

/**
 * Columns of a target table as the target reports them, or `undefined` when the table does not
 * exist. Uses pg_catalog (pg_attribute, format_type), which Redshift provides.
 *
 * A name with upper-case ASCII letters that the catalog does not hold is looked up folded to lower
 * case as well: Redshift folds identifiers, quoted ones too, unless `enable_case_sensitive_identifier`
 * is on (docs/aws-facts.md §11.3, §85), so DMS's copy of a source table `"Orders"` is `orders`, and the
 * companion's statements naming `"Orders"` reach it.
 */
export async function describeTargetTable(
  target: SqlExecutor,
  table: QualifiedName,
): Promise<TargetColumn[] | undefined> {
  const exact = await targetColumns(target, table);
  const folded = { schema: foldIdentifier(table.schema), name: foldIdentifier(table.name) };
  if (exact || (folded.schema === table.schema && folded.name === table.name)) return exact;
  return targetColumns(target, folded);
}

/** An identifier as Redshift folds it by default: ASCII letters to lower case, other characters kept. */
export function foldIdentifier(name: string): string {
  return name.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * A target table's columns by name, where a name the catalog does not hold is also looked up folded
 * ({@link foldIdentifier}): `get('OrderId')` finds the column `orderid` that Redshift made of it.
 */
export function columnsByName(columns: readonly TargetColumn[]): Map<string, TargetColumn> {
  return new FoldingMap(columns.map((c) => [c.name, c]));
}

class FoldingMap<V> extends Map<string, V> {
  override get(name: string): V | undefined {
    return super.get(name) ?? super.get(foldIdentifier(name));
  }
  override has(name: string): boolean {
    return super.has(name) || super.has(foldIdentifier(name));
  }
}

async function targetColumns(target: SqlExecutor, table: QualifiedName): Promise<TargetColumn[] | undefined> {
  const r = await target.query<{ attname: string; f: string; attnotnull: boolean }>(
    `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS f, a.attnotnull
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v')
        AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [table.schema, table.name],
  );
  if (r.rows.length === 0) return undefined;
  return r.rows.map((row) => ({
    name: row.attname,
    declared: row.f,
    type: parseTargetType(row.f),
    notNull: asBool(row.attnotnull),
  }));
}

/**
 * The primary-key columns of a source table, in key order (empty when it has none).
 */
export async function sourcePrimaryKey(source: SqlExecutor, table: QualifiedName): Promise<string[]> {
  const r = await source.query<{ attname: string }>(
    `SELECT a.attname
       FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum
      WHERE n.nspname = $1 AND c.relname = $2 AND k.contype = 'p'
      ORDER BY u.ord`,
    [table.schema, table.name],
  );
  return r.rows.map((x) => x.attname);
}
