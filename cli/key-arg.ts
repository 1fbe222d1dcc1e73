import { UsageError } from '../lib/errors.js';

/**
 * `--key` of `typemap row`: a row's primary key as ordered `[column, value]` pairs. Two forms:
 * - `column=value[,column=value]`: a column or a value may be double-quoted (`""` is a quote
 *   inside), so names with spaces or capitals and values holding `,` or `=` can be given:
 *   `'"Key Part"="a,b=c",id=7'`. An unquoted value runs to the next comma and may hold `=`.
 * - a JSON object: `'{"Key Part":"a,b","id":7}'` (numbers and booleans become their text).
 * @throws UsageError naming what is wrong (empty column, unclosed quote, column given twice, …).
 */
export function parseKeyArg(text: string): [string, string][] {
  const pairs = text.trimStart().startsWith('{') ? jsonPairs(text) : listPairs(text);
  if (pairs.length === 0) throw new UsageError('--key: no column given');
  const seen = new Set<string>();
  for (const [c] of pairs) {
    if (seen.has(c)) throw new UsageError(`--key: column ${JSON.stringify(c)} is given twice`);
    seen.add(c);
  }
  return pairs;
}

const FORMS =
  'expected "column=value[,column=value]" (double-quote a name or value holding , = or spaces) or a JSON object';

function jsonPairs(text: string): [string, string][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--key: not valid JSON (${(err as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`--key: ${FORMS}`);
  return Object.entries(parsed).map(([c, v]) => {
    if (typeof v === 'string') return [c, v];
    if (typeof v === 'number' || typeof v === 'boolean') return [c, String(v)];
    throw new UsageError(`--key: the value of ${JSON.stringify(c)} must be a string, number or boolean`);
  });
}

/** Reads a token at `i`: a double-quoted string, or bare text up to one of `stops`. */
function token(text: string, i: number, stops: string): { value: string; end: number; quoted: boolean } {
  if (text[i] === '"') {
    let value = '';
    let j = i + 1;
    for (;;) {
      if (j >= text.length) throw new UsageError(`--key: unclosed double quote at character ${i + 1}`);
      if (text[j] === '"') {
        if (text[j + 1] === '"') {
          value += '"';
          j += 2;
          continue;
        }
        return { value, end: j + 1, quoted: true };
      }
      value += text[j++];
    }
  }
  let j = i;
  while (j < text.length && !stops.includes(text[j]!)) j++;
  return { value: text.slice(i, j), end: j, quoted: false };
}

function listPairs(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  let i = 0;
  for (;;) {
    const col = token(text, i, '=,');
    const name = col.quoted ? col.value : col.value.trim();
    if (name === '' || text[col.end] !== '=') throw new UsageError(`--key: ${FORMS}, got ${JSON.stringify(text)}`);
    const val = token(text, col.end + 1, ',');
    pairs.push([name, val.value]);
    i = val.end;
    if (i >= text.length) return pairs;
    if (text[i] !== ',')
      throw new UsageError(
        `--key: expected "," after the quoted value of ${JSON.stringify(name)}, got ${JSON.stringify(text)}`,
      );
    i++;
  }
}
