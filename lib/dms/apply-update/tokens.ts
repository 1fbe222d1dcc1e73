import { isOp, SqlSyntaxError, tokenize, type Token } from '../../sql/tokenize.js';
import { StatementParseError, refuseAt } from './refusal.js';

/**
 * Phase 1: statement text → tokens, with the limits that keep every later phase linear.
 *
 * - Length cap: a statement over {@link MAX_STATEMENT_BYTES} bytes (UTF-8) is refused before it is read.
 * - Comments: DMS writes `/* … *\/` block comments, before or after the verb (`UPDATE /* partner:DMS … *\/ …`).
 *   A comment is whitespace wherever it stands, so it is dropped; its text is kept for the explanation.
 *   Refused: a `--` line comment (in logged text whose newlines were stored as `\n` it can swallow the rest
 *   of the statement) and a block comment holding `/*` (PostgreSQL nests block comments; a reader that does not
 *   would end the comment elsewhere and see other conditions) — docs/aws-facts.md §20.2, §20.3.
 * - One statement: trailing semicolons are dropped; any other `;` is refused.
 * - Parentheses: balanced, nested at most {@link MAX_NESTING_DEPTH} deep; `match[i]` is the index of the
 *   parenthesis matching the one at `i` (-1 for other tokens), so later phases skip a group in one step.
 */

export const MAX_STATEMENT_BYTES = 1_048_576;
export const MAX_NESTING_DEPTH = 64;

export interface StatementTokens {
  text: string;
  /** Tokens without comments and trailing semicolons. */
  toks: Token[];
  /** For a parenthesis, the index of its partner; -1 otherwise. */
  match: Int32Array;
  /** The text of each block comment, in order. */
  comments: string[];
}

const TRUNCATION_HINT =
  'it was probably cut off (STL_QUERY.querytxt and SYS_QUERY_HISTORY.query_text keep 4000 characters): ' +
  'rebuild the full text from STL_QUERYTEXT (or SYS_QUERY_TEXT), or let `dms-companion fix` do it';

/** True when the text is as long as a truncated STL_QUERY.querytxt (docs/aws-facts.md §3.1). */
export function looksCut(text: string): boolean {
  return text.length >= 3990 && text.length <= 4000;
}

/** The reason, with the hint to rebuild the full text when the statement looks cut off. */
export function withCutHint(text: string, reason: string): string {
  return looksCut(text) ? `${reason}; ${TRUNCATION_HINT}` : reason;
}

/** @throws StatementParseError */
export function tokensOf(text: string): StatementTokens {
  // UTF-8 takes at least one byte per UTF-16 unit: the cheap length check comes first.
  const bytes = text.length > MAX_STATEMENT_BYTES ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_STATEMENT_BYTES)
    throw new StatementParseError(
      `the statement is ${text.length > MAX_STATEMENT_BYTES ? 'at least ' : ''}${bytes} bytes, over the limit of ${MAX_STATEMENT_BYTES} bytes`,
    );
  let all: Token[];
  try {
    all = tokenize(text, { keepComments: true, maxParenDepth: MAX_NESTING_DEPTH });
  } catch (err) {
    if (err instanceof SqlSyntaxError && /^parentheses nested deeper/.test(err.message))
      throw new StatementParseError(`parentheses nested deeper than ${MAX_NESTING_DEPTH} levels`, {
        fragment: text.slice(err.position, err.position + 40).replace(/\s+/g, ' '),
        offset: err.position,
      });
    if (err instanceof SqlSyntaxError)
      throw new StatementParseError(
        err.truncated
          ? `the text ends inside a token; ${TRUNCATION_HINT}`
          : `it is not SQL the toolkit can read: ${err.message}`,
      );
    throw err;
  }
  const comments: string[] = [];
  const toks: Token[] = [];
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!;
    if (t.type !== 'comment') {
      toks.push(t);
      continue;
    }
    if (t.raw.startsWith('--'))
      refuseAt(
        text,
        all,
        i,
        i + 1,
        'a -- line comment (DMS writes /* */ comments; a line comment can hide the rest of a line)',
      );
    if (t.raw.slice(2, -2).includes('/*'))
      refuseAt(text, all, i, i + 1, 'a nested /* comment (readers disagree on where it ends)');
    comments.push(t.value);
  }
  while (toks.length > 0 && isOp(toks[toks.length - 1], ';')) toks.pop();
  const match = new Int32Array(toks.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.type !== 'op') continue;
    if (t.value === ';') refuseAt(text, toks, i, i + 1, 'more than one statement');
    else if (t.value === '(') {
      if (open.length >= MAX_NESTING_DEPTH)
        refuseAt(text, toks, i, i + 1, `parentheses nested deeper than ${MAX_NESTING_DEPTH} levels`);
      open.push(i);
    } else if (t.value === ')') {
      const o = open.pop();
      if (o === undefined) refuseAt(text, toks, i, i + 1, 'a closing parenthesis without its opening one');
      match[o] = i;
      match[i] = o;
    }
  }
  if (open.length > 0)
    throw new StatementParseError(withCutHint(text, `${open.length} parenthesis(es) never closed`), {
      ...fragmentAt(text, toks, open[open.length - 1]!),
    });
  return { text, toks, match, comments };
}

function fragmentAt(text: string, toks: Token[], i: number): { fragment: string; offset: number } {
  const t = toks[i]!;
  return { fragment: text.slice(t.start, Math.min(text.length, t.start + 40)).replace(/\s+/g, ' '), offset: t.start };
}
