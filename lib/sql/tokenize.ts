/**
 * A SQL tokenizer for the Redshift and PostgreSQL dialects: enough to take apart DMS's apply
 * statements and to rewrite bound parameters, never to execute anything.
 *
 * Handles: `--` and nested `/* *\/` comments, single-quoted strings (`''` doubling; backslash
 * escapes when `backslashEscapes`, as Redshift reads literals — docs/aws-facts.md §7), `E'…'`,
 * dollar quoting, double-quoted identifiers (`""` doubling, any Unicode), unquoted identifiers
 * (folded to lower case, Unicode letters allowed), numbers, `$n` parameters, `::` casts and the
 * other operators. The redaction `'***'` that Redshift logs may glue to the next token
 * (`'***'AND`) is simply a string followed by a word.
 */

export type TokenType = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'op' | 'comment';

export interface Token {
  type: TokenType;
  /** The exact source text of the token. */
  raw: string;
  /**
   * Decoded value: an unquoted word folded to lower case, a quoted identifier without its quotes,
   * a string literal's content, a parameter's number, a comment's text.
   */
  value: string;
  /** Offsets into the source text (UTF-16 code units), end exclusive. */
  start: number;
  end: number;
}

export interface TokenizeOptions {
  /** Backslash escapes inside '…' (Redshift; PostgreSQL with standard_conforming_strings=off). Default true. */
  backslashEscapes?: boolean;
  /** Keep comment tokens in the output. Default false. */
  keepComments?: boolean;
  /**
   * Stop with a {@link SqlSyntaxError} as soon as parentheses open deeper than this, before the rest
   * of the text is read (a reader that refuses deep nesting need not build a token per byte). Default: no limit.
   */
  maxParenDepth?: number;
}

/** Text that cannot be tokenized: an unterminated string, identifier or comment, or a stray character. */
export class SqlSyntaxError extends Error {
  readonly position: number;
  /** True when the text ends inside a token: it was probably cut off. */
  readonly truncated: boolean;
  constructor(message: string, position: number, truncated: boolean) {
    super(message);
    this.name = 'SqlSyntaxError';
    this.position = position;
    this.truncated = truncated;
  }
}

const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_$]/u;
const OPERATORS = ['::', '<=', '>=', '<>', '!=', '||', '=>', '->>', '->'];
const SINGLE = '(),.;=<>+-*/%[]:^~!@#&|?{}';
const OPERATOR_STARTS = ':<>!|=-';
const isDigit = (code: number) => code >= 48 && code <= 57;
const isAsciiLetter = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);

/**
 * Splits SQL text into tokens.
 * @throws SqlSyntaxError (with `truncated` set when the text ends inside a token).
 */
export function tokenize(sql: string, options: TokenizeOptions = {}): Token[] {
  const backslash = options.backslashEscapes ?? true;
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  const maxDepth = options.maxParenDepth ?? Infinity;
  let depth = 0;
  const push = (type: TokenType, start: number, end: number, value: string) => {
    if (type === 'comment' && !options.keepComments) return;
    out.push({ type, raw: sql.slice(start, end), value, start, end });
  };

  while (i < n) {
    const c = sql[i]!;
    const code = c.charCodeAt(0);
    if (code === 32 || (code >= 9 && code <= 13) || (code > 127 && /\s/.test(c))) {
      i++;
      continue;
    }
    const start = i;
    // -- comment
    if (c === '-' && sql[i + 1] === '-') {
      let j = sql.indexOf('\n', i);
      if (j === -1) j = n;
      push('comment', start, j, sql.slice(i + 2, j).trim());
      i = j;
      continue;
    }
    // /* comment */ (nested, as PostgreSQL)
    if (c === '/' && sql[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      if (depth > 0) throw new SqlSyntaxError(`unterminated comment starting at offset ${start}`, start, true);
      push('comment', start, j, sql.slice(start + 2, j - 2).trim());
      i = j;
      continue;
    }
    // string literal, optionally E'…'
    if (c === "'" || ((c === 'E' || c === 'e') && sql[i + 1] === "'")) {
      const [value, j] = readQuoted(
        sql,
        c === "'" ? i + 1 : i + 2,
        "'",
        backslash || c !== "'",
        'string literal',
        start,
      );
      push('string', start, j, value);
      i = j;
      continue;
    }
    // quoted identifier
    if (c === '"') {
      const [value, j] = readQuoted(sql, i + 1, '"', false, 'quoted identifier', start);
      if (value === '') throw new SqlSyntaxError(`empty quoted identifier at offset ${start}`, start, false);
      push('quoted', start, j, value);
      i = j;
      continue;
    }
    // $n parameter or $tag$ dollar quote
    if (c === '$') {
      const param = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (param) {
        push('param', start, i + param[0].length, param[1]!);
        i += param[0].length;
        continue;
      }
      const tag = /^\$([\p{L}_][\p{L}\p{N}_]*)?\$/u.exec(sql.slice(i, i + 70));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        if (close === -1)
          throw new SqlSyntaxError(`unterminated dollar-quoted string starting at offset ${start}`, start, true);
        push('string', start, close + tag[0].length, sql.slice(i + tag[0].length, close));
        i = close + tag[0].length;
        continue;
      }
    }
    // number
    if (isDigit(code) || (code === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      const end = numberEnd(sql, i);
      const raw = sql.slice(i, end);
      push('number', start, end, raw);
      i = end;
      continue;
    }
    // word (keyword or unquoted identifier)
    if (isAsciiLetter(code) || code === 95 || (code > 127 && WORD_START.test(c))) {
      let j = i + 1;
      for (; j < n; j++) {
        const k = sql.charCodeAt(j);
        if (isAsciiLetter(k) || isDigit(k) || k === 95 || k === 36) continue;
        if (k > 127 && WORD_PART.test(sql[j]!)) continue;
        break;
      }
      const raw = sql.slice(i, j);
      push('word', start, j, raw.toLowerCase());
      i = j;
      continue;
    }
    const op = OPERATOR_STARTS.includes(c) ? OPERATORS.find((o) => sql.startsWith(o, i)) : undefined;
    if (op) {
      push('op', start, i + op.length, op);
      i += op.length;
      continue;
    }
    if (SINGLE.includes(c)) {
      if (code === 40 && ++depth > maxDepth)
        throw new SqlSyntaxError(`parentheses nested deeper than ${maxDepth} levels at offset ${i}`, i, false);
      if (code === 41) depth--;
      push('op', start, i + 1, c);
      i++;
      continue;
    }
    throw new SqlSyntaxError(`unexpected character ${JSON.stringify(c)} at offset ${i}`, i, false);
  }
  return out;
}

/**
 * The end of the number starting at `i`: `digits[.digits]` or `.digits`, then an optional exponent
 * `e[+-]digits` (only when digits follow). Scans characters in place: no copy of the rest of the text.
 */
function numberEnd(sql: string, i: number): number {
  let j = i;
  while (isDigit(sql.charCodeAt(j))) j++;
  if (sql.charCodeAt(j) === 46) {
    j++;
    while (isDigit(sql.charCodeAt(j))) j++;
  }
  const e = sql.charCodeAt(j);
  if (e === 69 || e === 101) {
    let k = j + 1;
    const sign = sql.charCodeAt(k);
    if (sign === 43 || sign === 45) k++;
    if (isDigit(sql.charCodeAt(k))) {
      while (isDigit(sql.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}

/**
 * Reads a quoted token's content from `from` (just after the opening quote) to its closing quote:
 * a doubled quote stands for one; with `escapes`, a backslash escapes the next character.
 * @returns the decoded content and the offset after the closing quote.
 */
function readQuoted(
  sql: string,
  from: number,
  quote: string,
  escapes: boolean,
  what: string,
  start: number,
): [string, number] {
  let value = '';
  let j = from;
  for (;;) {
    if (j >= sql.length) throw new SqlSyntaxError(`unterminated ${what} starting at offset ${start}`, start, true);
    const ch = sql[j]!;
    if (ch === '\\' && escapes) {
      if (j + 1 >= sql.length)
        throw new SqlSyntaxError(`unterminated ${what} starting at offset ${start}`, start, true);
      value += unescapeChar(sql[j + 1]!);
      j += 2;
    } else if (ch === quote) {
      if (sql[j + 1] !== quote) return [value, j + 1];
      value += quote;
      j += 2;
    } else {
      value += ch;
      j++;
    }
  }
}

function unescapeChar(ch: string): string {
  switch (ch) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    default:
      return ch;
  }
}

/** True when the token is the (unquoted) keyword `kw` (lower case). */
export function isKeyword(t: Token | undefined, kw: string): boolean {
  return t !== undefined && t.type === 'word' && t.value === kw;
}

/** True when the token is an identifier: an unquoted word or a quoted name. */
export function isIdentifier(t: Token | undefined): t is Token {
  return t !== undefined && (t.type === 'word' || t.type === 'quoted');
}

/** True when the token is the operator or punctuation `op`. */
export function isOp(t: Token | undefined, op: string): boolean {
  return t !== undefined && t.type === 'op' && t.value === op;
}
