/**
 * Type models for the PostgreSQL → Redshift translation, and the DMS default mapping
 * (docs/aws-facts.md §7; DMS user guide "Source data types for PostgreSQL" and "Target data types for
 * Amazon Redshift") used when generating target DDL.
 */

/** How a source value is read and translated, after domains are resolved to their base type. */
export type SourceKind =
  | 'int2'
  | 'int4'
  | 'int8'
  | 'numeric'
  | 'float4'
  | 'float8'
  | 'money'
  | 'bool'
  | 'text'
  | 'bpchar'
  | 'uuid'
  | 'json'
  | 'jsonb'
  | 'date'
  | 'time'
  | 'timetz'
  | 'timestamp'
  | 'timestamptz'
  | 'interval'
  | 'bytea'
  | 'tsvector'
  | 'inet'
  | 'cidr'
  | 'macaddr'
  | 'macaddr8'
  | 'enum'
  | 'array'
  /** Anything else: written as its PostgreSQL text output. */
  | 'other';

export interface SourceType {
  kind: SourceKind;
  /** `format_type()` of the declared type, e.g. `public.year`, `character varying(50)`. */
  declared: string;
  /** For varchar/bpchar: length in characters; undefined when unbounded. */
  length?: number | undefined;
  /** For numeric: precision and scale; undefined when unconstrained. */
  precision?: number | undefined;
  scale?: number | undefined;
  /** For arrays: the element type (domains resolved). */
  element?: SourceType | undefined;
  /** For a domain: its name (the kind is the base type's). */
  domain?: string | undefined;
  /** For enums: the longest label in bytes. */
  enumMaxBytes?: number | undefined;
}

export type TargetKind =
  | 'smallint'
  | 'integer'
  | 'bigint'
  | 'numeric'
  | 'real'
  | 'double'
  | 'boolean'
  | 'char'
  | 'varchar'
  | 'date'
  | 'time'
  | 'timetz'
  | 'timestamp'
  | 'timestamptz'
  | 'super'
  | 'varbyte';

export interface TargetType {
  kind: TargetKind;
  /** char/varchar: length in **bytes** (Redshift counts bytes, docs/aws-facts.md §7); varbyte: max bytes. */
  length?: number | undefined;
  /** numeric: precision and scale. */
  precision?: number | undefined;
  scale?: number | undefined;
}

/** Redshift's largest VARCHAR, in bytes. */
export const REDSHIFT_MAX_VARCHAR = 65535;
/** Redshift's largest VARBYTE, in bytes (docs/aws-facts.md §7). */
export const REDSHIFT_MAX_VARBYTE = 1_024_000;
/** Redshift's largest NUMERIC precision. */
export const REDSHIFT_MAX_NUMERIC_PRECISION = 38;

/**
 * Reads a Redshift column type as `format_type()` prints it (`character varying(256)`,
 * `numeric(10,2)`, `timestamp with time zone`, `super`, …).
 * @returns undefined for a type the toolkit cannot write to (the caller refuses the column).
 */
export function parseTargetType(formatted: string): TargetType | undefined {
  const t = formatted
    .trim()
    .toLowerCase()
    .replace(/^"?redshift_system"?\./, '')
    .replace(/^pg_catalog\./, '');
  const m = /^([a-z ]+?)\s*(?:\((\d+)(?:\s*,\s*(\d+))?\))?\s*(with(?:out)? time zone)?$/.exec(t);
  if (!m) return undefined;
  const base = m[1]!.trim();
  const a = m[2] === undefined ? undefined : Number(m[2]);
  const b = m[3] === undefined ? undefined : Number(m[3]);
  const tz = m[4] === 'with time zone';
  switch (base) {
    case 'smallint':
    case 'int2':
      return { kind: 'smallint' };
    case 'integer':
    case 'int':
    case 'int4':
      return { kind: 'integer' };
    case 'bigint':
    case 'int8':
      return { kind: 'bigint' };
    case 'numeric':
    case 'decimal':
      return { kind: 'numeric', precision: a ?? 18, scale: b ?? 0 };
    case 'real':
    case 'float4':
      return { kind: 'real' };
    case 'double precision':
    case 'float8':
    case 'float':
      return { kind: 'double' };
    case 'boolean':
    case 'bool':
      return { kind: 'boolean' };
    case 'character':
    case 'char':
    case 'bpchar':
    case 'nchar':
      return { kind: 'char', length: a ?? 1 };
    case 'character varying':
    case 'varchar':
    case 'nvarchar':
      return { kind: 'varchar', length: a ?? 256 };
    case 'text':
      // Redshift turns TEXT into VARCHAR(256); the emulation's text columns are unbounded.
      return { kind: 'varchar', length: a ?? Number.POSITIVE_INFINITY };
    case 'date':
      return { kind: 'date' };
    case 'time':
      return { kind: tz ? 'timetz' : 'time' };
    case 'timetz':
      return { kind: 'timetz' };
    case 'timestamp':
      return { kind: tz ? 'timestamptz' : 'timestamp' };
    case 'timestamptz':
      return { kind: 'timestamptz' };
    case 'super':
    case 'jsonb':
      return { kind: 'super' };
    case 'varbyte':
    case 'varbinary':
    case 'binary varying':
    case 'bytea':
      return { kind: 'varbyte', length: a ?? REDSHIFT_MAX_VARBYTE };
    default:
      return undefined;
  }
}

/** Redshift SQL for a target type (for DDL). */
export function targetTypeSql(t: TargetType): string {
  switch (t.kind) {
    case 'smallint':
      return 'SMALLINT';
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'numeric':
      return `NUMERIC(${t.precision ?? 18},${t.scale ?? 0})`;
    case 'real':
      return 'REAL';
    case 'double':
      return 'DOUBLE PRECISION';
    case 'boolean':
      return 'BOOLEAN';
    case 'char':
      return `CHAR(${t.length ?? 1})`;
    case 'varchar':
      return `VARCHAR(${Number.isFinite(t.length) ? t.length : REDSHIFT_MAX_VARCHAR})`;
    case 'date':
      return 'DATE';
    case 'time':
      return 'TIME';
    case 'timetz':
      return 'TIMETZ';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'timestamptz':
      return 'TIMESTAMPTZ';
    case 'super':
      return 'SUPER';
    case 'varbyte':
      return 'VARBYTE';
  }
}

export interface DefaultMappingOptions {
  /** DMS's MapBooleanAsBoolean: boolean → BOOLEAN instead of VARCHAR. */
  mapBooleanAsBoolean: boolean;
}

const varchar = (bytes: number): TargetType => ({
  kind: 'varchar',
  length: Math.min(REDSHIFT_MAX_VARCHAR, Math.max(1, bytes)),
});

/**
 * The DMS default mapping of a source type to a Redshift column type (docs/aws-facts.md §7), used for
 * generated DDL. Where DMS's choice could lose data, the lossless variant is taken and said so:
 * - varchar(n)/char(n) → VARCHAR(4n) bytes (Redshift counts bytes; a character takes up to 4),
 *   capped at 65535; bpchar keeps its padding as text;
 * - NUMERIC(p≤38,s) → NUMERIC(p,s); NUMERIC(p≥39) and unconstrained NUMERIC → VARCHAR (lossless;
 *   DMS's own default for unconstrained numeric is not documented in docs/aws-facts.md);
 * - BOOLEAN → VARCHAR(5) ('true'/'false'), or BOOLEAN with `mapBooleanAsBoolean`;
 * - JSON/JSONB/ARRAY/TEXT/TSVECTOR/BYTEA (hex) → VARCHAR(65535); UUID → VARCHAR(36);
 *   MONEY → NUMERIC(38,4); TIME → VARCHAR(20); INTERVAL → VARCHAR(128);
 *   TIMESTAMP(TZ) → TIMESTAMP(TZ); enums and other types → VARCHAR of their text.
 */
export function dmsDefaultTarget(s: SourceType, options: DefaultMappingOptions): TargetType {
  switch (s.kind) {
    case 'int2':
      return { kind: 'smallint' };
    case 'int4':
      return { kind: 'integer' };
    case 'int8':
      return { kind: 'bigint' };
    case 'numeric':
      if (s.precision !== undefined && s.precision <= REDSHIFT_MAX_NUMERIC_PRECISION)
        return { kind: 'numeric', precision: s.precision, scale: s.scale ?? 0 };
      return varchar(s.precision !== undefined ? s.precision + 3 : REDSHIFT_MAX_VARCHAR);
    case 'float4':
      return { kind: 'real' };
    case 'float8':
      return { kind: 'double' };
    case 'money':
      return { kind: 'numeric', precision: 38, scale: 4 };
    case 'bool':
      return options.mapBooleanAsBoolean ? { kind: 'boolean' } : varchar(5);
    case 'text':
    case 'bpchar':
      return s.length !== undefined ? varchar(4 * s.length) : varchar(REDSHIFT_MAX_VARCHAR);
    case 'uuid':
      return varchar(36);
    case 'date':
      return { kind: 'date' };
    case 'time':
    case 'timetz':
      return varchar(20);
    case 'timestamp':
      return { kind: 'timestamp' };
    case 'timestamptz':
      return { kind: 'timestamptz' };
    case 'interval':
      return varchar(128);
    case 'enum':
      return varchar(s.enumMaxBytes ?? 64);
    case 'inet':
    case 'cidr':
      return varchar(43);
    case 'macaddr':
      return varchar(17);
    case 'macaddr8':
      return varchar(23);
    case 'json':
    case 'jsonb':
    case 'array':
    case 'tsvector':
    case 'bytea':
    case 'other':
      return varchar(REDSHIFT_MAX_VARCHAR);
  }
}

/** Decodes a varchar/bpchar typmod into its length in characters. */
export function charLength(typmod: number): number | undefined {
  return typmod >= 4 ? typmod - 4 : undefined;
}

/** Decodes a numeric typmod into precision and scale. */
export function numericPrecision(typmod: number): { precision?: number; scale?: number } {
  if (typmod < 4) return {};
  const t = typmod - 4;
  const scale = t & 0x7ff;
  return { precision: (t >> 16) & 0xffff, scale: scale > 0x3ff ? scale - 0x800 : scale };
}

const BASE_KINDS: Record<string, SourceKind> = {
  int2: 'int2',
  int4: 'int4',
  int8: 'int8',
  oid: 'int8',
  numeric: 'numeric',
  float4: 'float4',
  float8: 'float8',
  money: 'money',
  bool: 'bool',
  text: 'text',
  varchar: 'text',
  name: 'text',
  char: 'text',
  citext: 'text',
  bpchar: 'bpchar',
  uuid: 'uuid',
  json: 'json',
  jsonb: 'jsonb',
  date: 'date',
  time: 'time',
  timetz: 'timetz',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  interval: 'interval',
  bytea: 'bytea',
  tsvector: 'tsvector',
  inet: 'inet',
  cidr: 'cidr',
  macaddr: 'macaddr',
  macaddr8: 'macaddr8',
};

/** The kind of a base type by its `pg_type.typname` (pg_catalog types; `citext` wherever it lives). */
export function baseKind(typname: string): SourceKind {
  return BASE_KINDS[typname] ?? 'other';
}
