import { RefusedError } from '../errors.js';
import { isKeyword, isOp, SqlSyntaxError, tokenize, type Token } from '../sql/tokenize.js';

/**
 * `awsdms_apply_exceptions` as evidence (docs/aws-facts.md §16.2): in one-by-one mode DMS logs a
 * single-row UPDATE or DELETE that touched nothing, with the statement it ran. The key in its WHERE
 * clause is a row the target lacks. Parsing fails closed: anything but exactly
 * `UPDATE "schema"."table" SET … WHERE "k1" = <literal> [AND "k2" = <literal> …]` (or
 * `DELETE FROM "schema"."table" WHERE …` of the same form), with the WHERE naming exactly the
 * table's primary-key columns, each once, with a number or string literal, is refused with the
 * reason. Statements are capped at 1 MB and parsed in one pass.
 */

export interface ExceptionKey {
  verb: 'UPDATE' | 'DELETE';
  table: { schema: string; name: string };
  /** Key values as text, in primary-key order. */
  key: string[];
}

/** Longest statement judged (bytes of text); longer ones are refused. */
export const MAX_EXCEPTION_STATEMENT = 1_000_000;

/**
 * @param primaryKey the table's primary-key columns (target names), in key order.
 * @throws RefusedError naming what was not understood.
 */
export function parseExceptionStatement(text: string, primaryKey: readonly string[]): ExceptionKey {
  if (text.length > MAX_EXCEPTION_STATEMENT)
    throw new RefusedError(
      `apply exception statement of ${text.length} characters: longer than the ${MAX_EXCEPTION_STATEMENT} judged`,
    );
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (err) {
    if (err instanceof SqlSyntaxError)
      throw new RefusedError(`apply exception statement does not tokenize: ${err.message}`);
    throw err;
  }
  let i = 0;
  const refuse = (why: string): never => {
    const at = tokens[i]?.start ?? text.length;
    throw new RefusedError(`apply exception statement not understood at offset ${at}: ${why}`);
  };
  const verb = isKeyword(tokens[0], 'update')
    ? 'UPDATE'
    : isKeyword(tokens[0], 'delete')
      ? 'DELETE'
      : refuse('not an UPDATE or DELETE');
  i = 1;
  if (verb === 'DELETE') {
    if (!isKeyword(tokens[i], 'from')) refuse('DELETE without FROM');
    i++;
  }
  const schema = tokens[i];
  if (schema?.type !== 'quoted' || !isOp(tokens[i + 1], '.') || tokens[i + 2]?.type !== 'quoted')
    refuse('the table is not a quoted "schema"."table"');
  const table = { schema: schema!.value, name: tokens[i + 2]!.value };
  i += 3;
  if (verb === 'UPDATE') {
    if (!isKeyword(tokens[i], 'set')) refuse('UPDATE without SET');
    // Skip the SET list to the WHERE at depth 0.
    let depth = 0;
    for (i++; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (isOp(t, '(')) depth++;
      else if (isOp(t, ')')) depth--;
      else if (depth === 0 && isKeyword(t, 'where')) break;
      if (depth < 0) refuse('unbalanced parentheses');
    }
  }
  if (!isKeyword(tokens[i], 'where')) refuse('no WHERE clause');
  i++;
  const values = new Map<string, string>();
  for (;;) {
    const col = tokens[i];
    if (col?.type !== 'quoted') refuse('a WHERE condition that is not "column" = literal');
    if (!isOp(tokens[i + 1], '=')) refuse('a WHERE condition that is not "column" = literal');
    const lit = tokens[i + 2];
    if (lit?.type !== 'number' && lit?.type !== 'string')
      refuse('a WHERE value that is not a number or string literal');
    if (lit!.type === 'number' && !/^-?\d+(\.\d+)?$/.test(lit!.raw))
      refuse(`a numeric literal ${lit!.raw} not understood`);
    if (values.has(col!.value)) refuse(`column "${col!.value}" compared twice`);
    values.set(col!.value, lit!.value);
    i += 3;
    if (i === tokens.length || (i === tokens.length - 1 && isOp(tokens[i], ';'))) break;
    if (!isKeyword(tokens[i], 'and')) refuse('anything but AND between WHERE conditions');
    i++;
  }
  const names = [...values.keys()];
  if (names.length !== primaryKey.length || !primaryKey.every((k) => values.has(k)))
    throw new RefusedError(
      `apply exception statement's WHERE names ${names.map((n) => `"${n}"`).join(', ')}, not exactly the primary key ` +
        `${primaryKey.map((n) => `"${n}"`).join(', ')}`,
    );
  return { verb, table, key: primaryKey.map((k) => values.get(k)!) };
}
