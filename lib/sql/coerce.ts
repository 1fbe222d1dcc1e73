/**
 * Reading catalog answers whatever parsers the connection uses: the source pool returns every
 * value as text (lib/typemap/pg-types.ts), the Data API returns JSON scalars, the default pg
 * parsers return numbers and booleans. These helpers accept all three forms.
 */

/** A boolean from `true`/`false`, `t`/`f`, `1`/`0`. */
export function asBool(v: unknown): boolean {
  return v === true || v === 't' || v === 'true' || v === 1 || v === '1';
}

/** A finite number from a number or numeric text; `undefined` for NULL. */
export function asNumber(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got ${JSON.stringify(v)}`);
  return n;
}

/** Like {@link asNumber}, but NULL is an error. */
export function asInt(v: unknown): number {
  const n = asNumber(v);
  if (n === undefined) throw new Error('expected a number, got NULL');
  return n;
}

/** Text from a scalar answer (NULL → ''). */
export function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}
