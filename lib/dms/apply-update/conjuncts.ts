import { isOp } from '../../sql/tokenize.js';
import { refuseAt } from './refusal.js';
import type { TokenRange } from './structure.js';
import type { StatementTokens } from './tokens.js';

/**
 * Phase 3: the WHERE clause → its conjuncts, each a token range holding one predicate.
 *
 * The clause must be a conjunction: `a AND b AND (c AND d)`; parentheses around a conjunct or around
 * a group of conjuncts are dropped. An OR or a NOT at the level of the conjunction is refused (what
 * it allows cannot be read as a set of key pairs and seq bounds); the AND of `x BETWEEN a AND b`
 * stays inside its predicate. Linear: a parenthesised group is skipped in one step through
 * `match`, and each group is scanned once, without recursion.
 */
export function conjunctsOf(s: StatementTokens, where: TokenRange): TokenRange[] {
  const { text, toks, match } = s;
  const out: TokenRange[] = [];
  const todo: TokenRange[] = [where];
  while (todo.length > 0) {
    let { lo, hi } = todo.pop()!;
    if (lo >= hi) refuseAt(text, toks, Math.max(where.lo, lo - 1), lo + 1, 'an empty condition');
    while (isOp(toks[lo], '(') && match[lo] === hi - 1) {
      lo++;
      hi--;
      if (lo >= hi) refuseAt(text, toks, lo - 1, hi + 1, 'an empty condition');
    }
    const parts: TokenRange[] = [];
    let start = lo;
    let between = false;
    for (let k = lo; k < hi; k++) {
      const t = toks[k]!;
      if (t.type === 'op') {
        if (t.value === '(') k = match[k]!;
        continue;
      }
      if (t.type !== 'word') continue;
      if (t.value === 'or')
        refuseAt(
          text,
          toks,
          start,
          nextAnd(s, k, hi),
          `the WHERE clause has an OR ${lo === where.lo ? 'at its top level' : 'inside parentheses'}; only conjunctions are understood`,
        );
      else if (t.value === 'not' && k === start)
        refuseAt(
          text,
          toks,
          k,
          nextAnd(s, k, hi),
          'a NOT in the WHERE clause (only a conjunction of conditions is understood)',
        );
      else if (t.value === 'between') between = true;
      else if (t.value === 'and') {
        if (between) {
          between = false;
          continue;
        }
        if (k === start) refuseAt(text, toks, Math.max(where.lo, k - 1), k + 1, 'an empty condition');
        parts.push({ lo: start, hi: k });
        start = k + 1;
      }
    }
    if (parts.length === 0) {
      out.push({ lo, hi });
      continue;
    }
    parts.push({ lo: start, hi });
    // A part without parentheses around it holds no AND of its own: it is a conjunct. A part in
    // parentheses goes back on the stack (last first, so that conjuncts come out in statement order).
    const pending: TokenRange[] = [];
    for (const p of parts) {
      if (p.lo < p.hi && isOp(toks[p.lo], '(') && match[p.lo] === p.hi - 1) pending.push(p);
      else if (pending.length === 0) {
        if (p.lo >= p.hi) refuseAt(text, toks, Math.max(where.lo, p.lo - 1), p.lo + 1, 'an empty condition');
        out.push(p);
      } else pending.push(p);
    }
    for (let p = pending.length - 1; p >= 0; p--) todo.push(pending[p]!);
  }
  return out;
}

/** The index of the next AND at this level after `k` (or `hi`): where a refused fragment ends. */
function nextAnd(s: StatementTokens, k: number, hi: number): number {
  let j = k + 1;
  while (j < hi && !(s.toks[j]!.type === 'word' && s.toks[j]!.value === 'and'))
    j = isOp(s.toks[j], '(') ? s.match[j]! + 1 : j + 1;
  return j;
}
