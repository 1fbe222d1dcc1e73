/**
 * Parsing the output of PostgreSQL's built-in `test_decoding` logical decoding plugin, the
 * simulator's change capture. One change line looks like:
 *
 *   table public.rental: INSERT: rental_id[integer]:16050 rental_date[timestamp with time zone]:'2026-…' …
 *   table public.actor: UPDATE: old-key: actor_id[integer]:2 new-tuple: actor_id[integer]:999 …
 *   table public.rental: DELETE: rental_id[integer]:16050
 *
 * Values are the types' text output (quoted with '' doubling when the type needs quotes, `null`
 * for NULL, `unchanged-toast-datum` for an unchanged TOASTed value in an UPDATE). Names are
 * quoted the way `quote_identifier` does.
 */

export type DecodedOp = 'INSERT' | 'UPDATE' | 'DELETE';

/** A column value: text output, `null`, or the marker for an unchanged TOASTed value. */
export type DecodedValue = string | null | typeof UNCHANGED_TOAST;

export const UNCHANGED_TOAST = Symbol('unchanged-toast-datum');

export interface DecodedChange {
  schema: string;
  table: string;
  op: DecodedOp;
  /** INSERT/UPDATE: the new row; DELETE: the replica identity (key) columns. */
  columns: Record<string, DecodedValue>;
  /** Column types as test_decoding prints them (no typmod). */
  types: Record<string, string>;
  /** UPDATE that changed the key: the old key values. */
  oldKey?: Record<string, DecodedValue> | undefined;
}

/** Parses one `data` value of pg_logical_slot_get_changes; `undefined` for BEGIN/COMMIT/other lines. */
export function parseDecodedLine(data: string): DecodedChange | undefined {
  if (!data.startsWith('table ')) return undefined;
  let i = 'table '.length;
  const [schema, afterSchema] = readName(data, i);
  if (data[afterSchema] !== '.')
    throw new Error(`test_decoding: no table name in ${JSON.stringify(data.slice(0, 80))}`);
  const [table, afterTable] = readName(data, afterSchema + 1);
  i = afterTable;
  const opMatch = /^: (INSERT|UPDATE|DELETE|TRUNCATE): ?/.exec(data.slice(i, i + 12));
  if (!opMatch) throw new Error(`test_decoding: no operation in ${JSON.stringify(data.slice(0, 80))}`);
  if (opMatch[1] === 'TRUNCATE') throw new Error(`test_decoding: TRUNCATE of ${schema}.${table} is not simulated`);
  const op = opMatch[1] as DecodedOp;
  i += opMatch[0].length;
  const change: DecodedChange = { schema, table, op, columns: {}, types: {} };
  let target = change.columns;
  while (i < data.length) {
    if (data.startsWith('old-key: ', i)) {
      change.oldKey = {};
      target = change.oldKey;
      i += 'old-key: '.length;
      continue;
    }
    if (data.startsWith('new-tuple: ', i)) {
      target = change.columns;
      i += 'new-tuple: '.length;
      continue;
    }
    if (data.startsWith('(no-tuple-data)', i)) break;
    const [name, afterName] = readName(data, i);
    if (data[afterName] !== '[') throw new Error(`test_decoding: expected [type] after ${name} at ${afterName}`);
    const typeEnd = data.indexOf(']:', afterName);
    if (typeEnd === -1) throw new Error(`test_decoding: unterminated type for ${name}`);
    const type = data.slice(afterName + 1, typeEnd);
    i = typeEnd + 2;
    let value: DecodedValue;
    if (data[i] === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= data.length) throw new Error(`test_decoding: unterminated value for ${name}`);
        if (data[j] === "'") {
          if (data[j + 1] === "'") {
            v += "'";
            j += 2;
            continue;
          }
          break;
        }
        v += data[j];
        j++;
      }
      value = v;
      i = j + 1;
    } else {
      let j = data.indexOf(' ', i);
      if (j === -1) j = data.length;
      const raw = data.slice(i, j);
      value = raw === 'null' ? null : raw === 'unchanged-toast-datum' ? UNCHANGED_TOAST : raw;
      i = j;
    }
    target[name] = value;
    if (target === change.columns) change.types[name] = type;
    while (data[i] === ' ') i++;
  }
  return change;
}

/** Reads an identifier as quote_identifier wrote it: bare, or double-quoted with "" doubling. */
function readName(s: string, start: number): [string, number] {
  if (s[start] === '"') {
    let v = '';
    let j = start + 1;
    for (;;) {
      if (j >= s.length) throw new Error('test_decoding: unterminated quoted name');
      if (s[j] === '"') {
        if (s[j + 1] === '"') {
          v += '"';
          j += 2;
          continue;
        }
        return [v, j + 1];
      }
      v += s[j];
      j++;
    }
  }
  const m = /^[^.:[\s"]+/.exec(s.slice(start));
  if (!m)
    throw new Error(`test_decoding: expected a name at ${start} in ${JSON.stringify(s.slice(start, start + 40))}`);
  return [m[0], start + m[0].length];
}
