import type { SqlParam } from '../sql/client.js';
import { asText } from '../sql/coerce.js';

/** UTC text for a TIMESTAMP column (`YYYY-MM-DD HH:MM:SS.mmm`, no zone). */
export function utcText(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** A TIMESTAMP read back (text without a zone is UTC); undefined for NULL. */
export function parseTs(v: unknown): Date | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return v;
  const s = asText(v);
  return new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
}

/**
 * `$n` for a value, or the keyword NULL — a Data API parameter cannot carry NULL
 * (docs/aws-facts.md §8), so NULL is always written into the text.
 */
export class Params {
  readonly values: SqlParam[] = [];
  add(v: string | number | boolean | Date | undefined | null): string {
    if (v === undefined || v === null) return 'NULL';
    this.values.push(v instanceof Date ? utcText(v) : v);
    return `$${this.values.length}`;
  }
}
