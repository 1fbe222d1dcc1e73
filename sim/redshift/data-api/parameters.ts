import { tokenize } from '../../../lib/sql/tokenize.js';
import { constraint, validation } from './errors.js';

/**
 * Named parameters (`:name`) of a Data API statement, bound as PostgreSQL `$n` parameters.
 *
 * The Data API passes every value as text and lets the database convert it ("Amazon Redshift
 * implicitly converts to the proper data type": `SqlParameter.value` in the API model); `$n` with no
 * declared type is read the same way by PostgreSQL. A value `NULL` stays the string `NULL` ("You
 * can't set a value to NULL. The Data API interprets it as the literal string NULL", and "You can't
 * set a zero length value": https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html#data-api-calling-considerations-parameters).
 *
 * Model constraints checked here: `ParameterName` matches `^[0-9a-zA-Z_]+$`; `ParameterValue` has
 * `@length(min: 1)`; `SqlParametersList` has `@length(min: 1)`.
 */

export interface SqlParameterInput {
  name?: unknown;
  value?: unknown;
}

export interface NamedParameter {
  name: string;
  value: string;
}

const NAME_PATTERN = /^[0-9a-zA-Z_]+$/;

/**
 * Checks the `Parameters` member against the model.
 * @throws DataApiError (ValidationException) naming the member that breaks a constraint.
 */
export function checkParameters(input: unknown): NamedParameter[] | undefined {
  if (input === undefined || input === null) return undefined;
  if (!Array.isArray(input)) throw validation('Parameters must be a list of {name, value}');
  if (input.length === 0) return failLength();
  const seen = new Set<string>();
  return input.map((p: SqlParameterInput, i) => {
    const at = `parameters.${i + 1}.member`;
    if (typeof p?.name !== 'string') throw constraint(`${at}.name`, 'Member must not be null');
    if (typeof p.value !== 'string') throw constraint(`${at}.value`, 'Member must not be null');
    if (!NAME_PATTERN.test(p.name))
      throw constraint(`${at}.name`, `Member must satisfy regular expression pattern: ${NAME_PATTERN.source}`, p.name);
    if (p.value.length === 0) throw constraint(`${at}.value`, 'Member must have length greater than or equal to 1', '');
    if (seen.has(p.name)) throw validation(`Parameter ${p.name} is given more than once`);
    seen.add(p.name);
    return { name: p.name, value: p.value };
  });
}

function failLength(): never {
  throw constraint('parameters', 'Member must have length greater than or equal to 1', '[]');
}

/** Names of the `:name` placeholders in statement text, outside strings, quoted identifiers, comments and `::` casts. */
export function placeholderNames(sql: string): Set<string> {
  return new Set(placeholders(sql).map((p) => p.name));
}

/**
 * Rewrites `:name` placeholders to `$1`, `$2`, … and lists the bound values in that order.
 * @throws DataApiError (ValidationException) for a placeholder with no parameter given.
 */
export function bindParameters(
  sql: string,
  parameters: readonly NamedParameter[] | undefined,
): { text: string; values: string[] } {
  const found = placeholders(sql);
  if (found.length === 0) return { text: sql, values: [] };
  const given = new Map((parameters ?? []).map((p) => [p.name, p.value]));
  const order: string[] = [];
  let text = '';
  let last = 0;
  for (const p of found) {
    const value = given.get(p.name);
    if (value === undefined) throw validation(`No value given for parameter :${p.name} of the SQL statement`);
    let n = order.indexOf(p.name) + 1;
    if (n === 0) n = order.push(p.name);
    text += `${sql.slice(last, p.start)}$${n}`;
    last = p.end;
  }
  text += sql.slice(last);
  return { text, values: order.map((name) => given.get(name)!) };
}

interface Placeholder {
  name: string;
  start: number;
  end: number;
}

/** `:` immediately followed by a word or number (`:id`, `:1`); text that cannot be tokenized has none (the database reports it). */
function placeholders(sql: string): Placeholder[] {
  let tokens;
  try {
    tokens = tokenize(sql, { backslashEscapes: true });
  } catch {
    return [];
  }
  const out: Placeholder[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const colon = tokens[i]!;
    const next = tokens[i + 1]!;
    if (colon.type !== 'op' || colon.value !== ':' || next.start !== colon.end) continue;
    if (next.type !== 'word' && next.type !== 'number') continue;
    const name = next.raw;
    if (!NAME_PATTERN.test(name)) continue;
    out.push({ name, start: colon.start, end: next.end });
    i++;
  }
  return out;
}
