import { RefusedError } from '../errors.js';

/**
 * Quoting for SQL text sent to PostgreSQL and Redshift. Every identifier the toolkit puts into a
 * statement goes through {@link quoteIdent}; every value goes through the typemap or a bound
 * parameter, except the few literals built here.
 */

/** A schema-qualified relation name, exact (not folded, not quoted). */
export interface QualifiedName {
  schema: string;
  name: string;
}

/**
 * Double-quotes an identifier, doubling embedded quotes: `a"b` → `"a""b"`.
 * @throws RefusedError for an empty name, a NUL character, or more than 127 bytes (the Redshift
 *   identifier limit; PostgreSQL's is 63).
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new RefusedError('empty identifier');
  if (name.includes('\0')) throw new RefusedError(`identifier ${JSON.stringify(name)} contains a NUL character`);
  if (Buffer.byteLength(name, 'utf8') > 127)
    throw new RefusedError(`identifier ${JSON.stringify(name)} is longer than 127 bytes`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`. */
export function quoteQualified(q: QualifiedName): string {
  return `${quoteIdent(q.schema)}.${quoteIdent(q.name)}`;
}

/** `schema.name` for messages (unquoted, not for SQL). */
export function displayName(q: QualifiedName): string {
  return `${q.schema}.${q.name}`;
}

/**
 * A string literal as Redshift reads it: backslash is an escape character and `'` is doubled
 * (docs/aws-facts.md §7: Redshift has no `E''` syntax; jOOQ #10628, sqlparser-rs #1801). PostgreSQL
 * reads it the same way with `standard_conforming_strings = off`.
 * @throws RefusedError for a NUL character, which Redshift cannot store.
 */
export function redshiftStringLiteral(text: string): string {
  if (text.includes('\0')) throw new RefusedError('text contains a NUL character, which Redshift cannot store');
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * A string literal for PostgreSQL with `standard_conforming_strings = on` (the default):
 * only `'` is doubled; backslashes are literal.
 */
export function pgStringLiteral(text: string): string {
  if (text.includes('\0')) throw new RefusedError('text contains a NUL character');
  return `'${text.replace(/'/g, "''")}'`;
}
