import { isIdentifier, isKeyword, isOp, type Token } from '../../sql/tokenize.js';
import { bigintLiteral } from './literals.js';
import { refuseAt } from './refusal.js';
import type { TokenRange } from './structure.js';
import type { StatementTokens } from './tokens.js';

/**
 * Phase 4: a conjunct → a predicate of one of the forms the parser understands, or a refusal.
 *
 * Understood: `a op b` with op one of `= < <= > >=`, and `a BETWEEN x AND y`; each side a column
 * reference (`"s"."t"."c"`, `t.c`, `alias.c`; optionally `CAST(ref AS type)` or `ref::type`, parentheses
 * allowed), an integer literal (see literals.ts) or a plain string literal. Anything else — `<>`, `IN`,
 * `IS [NOT] NULL`, `LIKE`, `NOT BETWEEN`, a function call, arithmetic, a CASE — is refused with the
 * conjunct as the fragment. Whether a predicate is *meaningful* (which tables, which columns) is
 * decided by the conditions phase.
 */

export type Operand =
  | { kind: 'column'; parts: string[]; cast: boolean; range: TokenRange }
  | { kind: 'integer'; value: bigint; range: TokenRange }
  | { kind: 'string'; value: string; range: TokenRange };

export type ComparisonOp = '=' | '<' | '<=' | '>' | '>=';

export type Predicate =
  | { kind: 'compare'; left: Operand; op: ComparisonOp; right: Operand; range: TokenRange }
  | { kind: 'between'; subject: Operand; low: Operand; high: Operand; range: TokenRange };

const COMPARISONS = new Set(['=', '<', '<=', '>', '>=']);
const OTHER_OPERATORS = new Set(['<>', '!=', '+', '-', '*', '/', '%', '||', '~', '!', '^', '&', '|', '#', '@', '?']);

export function predicateOf(s: StatementTokens, c: TokenRange): Predicate {
  const { text, toks, match } = s;
  const refuse: (why: string) => never = (why) => refuseAt(text, toks, c.lo, c.hi, why);
  let opAt = -1;
  let betweenAt = -1;
  let andAt = -1;
  for (let k = c.lo; k < c.hi; k++) {
    const t = toks[k]!;
    if (isOp(t, '(')) {
      k = match[k]!;
      continue;
    }
    if (t.type === 'op' && COMPARISONS.has(t.value)) {
      if (opAt !== -1 || betweenAt !== -1) refuse('a condition with more than one comparison is not understood');
      opAt = k;
    } else if (isKeyword(t, 'between')) {
      if (opAt !== -1 || betweenAt !== -1) refuse('a condition with more than one comparison is not understood');
      betweenAt = k;
    } else if (isKeyword(t, 'and') && betweenAt !== -1 && andAt === -1) andAt = k;
  }
  if (betweenAt !== -1) {
    if (andAt === -1) refuse('a BETWEEN without its AND is not understood');
    if (isKeyword(toks[betweenAt - 1], 'not')) refuse('a NOT BETWEEN is not understood');
    return {
      kind: 'between',
      subject: operandOf(s, { lo: c.lo, hi: betweenAt }, c),
      low: operandOf(s, { lo: betweenAt + 1, hi: andAt }, c),
      high: operandOf(s, { lo: andAt + 1, hi: c.hi }, c),
      range: c,
    };
  }
  if (opAt === -1) refuse('a condition that is not a comparison (=, <, <=, >, >=, BETWEEN) is not understood');
  return {
    kind: 'compare',
    left: operandOf(s, { lo: c.lo, hi: opAt }, c),
    op: toks[opAt]!.value as ComparisonOp,
    right: operandOf(s, { lo: opAt + 1, hi: c.hi }, c),
    range: c,
  };
}

/** One side of a comparison. The whole conjunct `c` is the fragment of a refusal. */
function operandOf(s: StatementTokens, r: TokenRange, c: TokenRange): Operand {
  const { text, toks, match } = s;
  const refuse: (why: string) => never = (why) => refuseAt(text, toks, c.lo, c.hi, why);
  let { lo, hi } = r;
  let cast = false;
  for (;;) {
    if (lo >= hi) refuse('a comparison with a missing side is not understood');
    if (isOp(toks[lo], '(') && match[lo] === hi - 1) {
      lo++;
      hi--;
      continue;
    }
    if (isKeyword(toks[lo], 'cast') && isOp(toks[lo + 1], '(') && match[lo + 1] === hi - 1) {
      let as = -1;
      for (let k = lo + 2; k < hi - 1; k++) {
        if (isOp(toks[k], '(')) k = match[k]!;
        else if (isKeyword(toks[k], 'as')) {
          as = k;
          break;
        }
      }
      if (as === -1) refuse('a CAST without AS is not understood');
      checkType(s, { lo: as + 1, hi: hi - 1 }, c);
      cast = true;
      hi = as;
      lo += 2;
      continue;
    }
    let castAt = -1;
    for (let k = lo; k < hi; k++) {
      if (isOp(toks[k], '(')) k = match[k]!;
      else if (isOp(toks[k], '::')) {
        castAt = k;
        break;
      }
    }
    if (castAt !== -1) {
      checkType(s, { lo: castAt + 1, hi }, c);
      cast = true;
      hi = castAt;
      continue;
    }
    break;
  }
  const first = toks[lo]!;
  if (hi - lo === 1 && first.type === 'number') return integerOperand(s, first.raw, false, { lo, hi }, c);
  if (hi - lo === 2 && isOp(first, '-') && toks[lo + 1]!.type === 'number' && first.end === toks[lo + 1]!.start)
    return integerOperand(s, toks[lo + 1]!.raw, true, { lo, hi }, c);
  if (hi - lo === 1 && first.type === 'string') {
    if (!first.raw.startsWith("'")) refuse('only plain quoted string literals are understood');
    if (cast) refuse('a cast of a literal is not understood');
    return { kind: 'string', value: first.value, range: { lo, hi } };
  }
  const parts: string[] = [];
  for (let k = lo; k < hi; k += 2) {
    const t: Token | undefined = toks[k];
    if (!isIdentifier(t) || (k + 1 < hi && !isOp(toks[k + 1], '.'))) {
      const other = toks.slice(lo, hi).find((x) => x.type === 'op' && OTHER_OPERATORS.has(x.value));
      refuse(
        other
          ? `the operator ${other.value} is not understood in a condition`
          : 'only column references, integer and string literals are understood in a condition',
      );
    }
    parts.push(t.value);
    if (k + 1 === hi - 1) refuse('a column reference ending in a dot is not understood');
  }
  return { kind: 'column', parts, cast, range: { lo, hi } };
}

function integerOperand(s: StatementTokens, digits: string, negative: boolean, r: TokenRange, c: TokenRange): Operand {
  const v = bigintLiteral(digits, negative);
  if ('problem' in v)
    refuseAt(s.text, s.toks, c.lo, c.hi, `the number ${negative ? '-' : ''}${digits} is ${v.problem}`);
  return { kind: 'integer', value: v.value, range: r };
}

/** A type name in a cast: words, with one parenthesised list of integers (`NUMERIC(10,2)`, `TIMESTAMP WITHOUT TIME ZONE`). */
function checkType(s: StatementTokens, r: TokenRange, c: TokenRange): void {
  const { toks } = s;
  const refuse: (why: string) => never = (why) => refuseAt(s.text, toks, c.lo, c.hi, why);
  let words = 0;
  let args = false;
  for (let k = r.lo; k < r.hi; k++) {
    const t = toks[k]!;
    if (t.type === 'word') {
      words++;
      continue;
    }
    if (!isOp(t, '(') || args || words === 0) refuse('a cast to a type that is not understood');
    args = true;
    const close = s.match[k]!;
    if (close === k + 1) refuse('a cast to a type that is not understood');
    for (let j = k + 1; j < close; j++) {
      const x = toks[j]!;
      const ok = (j - k) % 2 === 1 ? x.type === 'number' && /^\d+$/.test(x.raw) : isOp(x, ',');
      if (!ok || (j === close - 1 && x.type !== 'number')) refuse('a cast to a type that is not understood');
    }
    k = close;
  }
  if (words === 0) refuse('a cast without a type');
}
