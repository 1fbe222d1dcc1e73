/**
 * Result values as GetStatementResult returns them: each value a `Field` union (model shape
 * `com.amazonaws.redshiftdata#Field`: isNull, booleanValue, longValue, doubleValue, stringValue,
 * blobValue) and each column a `ColumnMetadata` whose `typeName` is Redshift's name of the type.
 *
 * Mapping ("Mapping JDBC data types when calling the Amazon Redshift Data API",
 * https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html#data-api-calling-considerations-jdbc):
 * INTEGER, SMALLINT, BIGINT → long; FLOAT, REAL, DOUBLE → double; DECIMAL → string; BOOLEAN → boolean;
 * other types, date and time types included → string. NULL → `isNull: true`.
 *
 * Values arrive from PostgreSQL in their text form, so a BIGINT keeps every digit: its `longValue`
 * is written into the JSON answer digit for digit (see json.ts), as the service does.
 *
 * Type names: the emulation keeps SUPER as a domain over jsonb and VARBYTE over bytea
 * (sim/redshift/emulation.sql); Redshift has no TEXT type (TEXT is VARCHAR(256)), so text is
 * reported as varchar. VARBYTE is returned as hexadecimal text, as Redshift prints it.
 */

/** A Field as sent on the wire; `longValue` holds the exact digits (see {@link LongDigits}). */
export type WireField =
  | { isNull: true }
  | { booleanValue: boolean }
  | { longValue: LongDigits }
  | { doubleValue: number }
  | { stringValue: string };

/** Integer digits written into the JSON answer unquoted. */
export class LongDigits {
  constructor(readonly digits: string) {}
}

export interface WireColumn {
  name: string;
  label: string;
  typeName: string;
  nullable: number;
  isSigned: boolean;
  isCaseSensitive: boolean;
  isCurrency: boolean;
  precision: number;
  scale: number;
  length: number;
  schemaName: string;
  tableName: string;
}

/** PostgreSQL type names the emulation produces, as Redshift names them. */
const REDSHIFT_NAMES: Record<string, string> = {
  text: 'varchar',
  jsonb: 'super',
  json: 'super',
  bytea: 'varbyte',
};

export function redshiftTypeName(pgName: string): string {
  return REDSHIFT_NAMES[pgName] ?? pgName;
}

const LONG_TYPES = new Set(['int2', 'int4', 'int8']);
const DOUBLE_TYPES = new Set(['float4', 'float8']);
const CASE_SENSITIVE = new Set(['varchar', 'bpchar', 'char', 'super', 'name']);
const SIGNED = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric']);

/**
 * One value in its PostgreSQL text form (or null) as the Field the Data API returns for a column
 * of Redshift type `typeName`.
 */
export function toField(typeName: string, text: string | null): WireField {
  if (text === null) return { isNull: true };
  if (LONG_TYPES.has(typeName)) return { longValue: new LongDigits(text) };
  if (DOUBLE_TYPES.has(typeName)) {
    const n = Number(text);
    // NaN and ±Infinity have no JSON number form.
    return Number.isFinite(n) ? { doubleValue: n } : { stringValue: text };
  }
  if (typeName === 'bool') return { booleanValue: text === 't' || text === 'true' };
  if (typeName === 'varbyte') return { stringValue: text.startsWith('\\x') ? text.slice(2) : text };
  return { stringValue: text };
}

/**
 * A column's metadata from the PostgreSQL field description.
 * @param typmod the type modifier (`-1` when none): length for varchar/bpchar, precision and scale for numeric.
 */
export function toColumn(name: string, typeName: string, typmod: number): WireColumn {
  let precision = 0;
  let scale = 0;
  let length = 0;
  if (typeName === 'numeric' && typmod >= 4) {
    precision = ((typmod - 4) >> 16) & 0xffff;
    scale = (typmod - 4) & 0xffff;
  } else if ((typeName === 'varchar' || typeName === 'bpchar') && typmod >= 4) {
    length = typmod - 4;
    precision = length;
  }
  return {
    name,
    label: name,
    typeName,
    nullable: 1,
    isSigned: SIGNED.has(typeName),
    isCaseSensitive: CASE_SENSITIVE.has(typeName),
    isCurrency: false,
    precision,
    scale,
    length,
    schemaName: '',
    tableName: '',
  };
}

/** Bytes a row takes as the database sends it: the UTF-8 length of each value's text form. */
export function rowBytes(row: readonly (string | null)[]): number {
  let n = 0;
  for (const v of row) if (v !== null) n += Buffer.byteLength(v, 'utf8');
  return n;
}
