import { isIdentifier, isOp } from '../../sql/tokenize.js';
import { refuseAt } from './refusal.js';
import type { TokenRange } from './structure.js';
import type { StatementTokens } from './tokens.js';

/**
 * Phase 3b: the SET list → its column references, for the tables phase to check.
 *
 * The SET list decides what is written, not which rows: the parser does not need its values, so
 * their expressions (`CAST(… AS …)`, `CASE WHEN … IS NULL THEN … ELSE … END`) are not read. It checks
 * only that each item is `column = expression` and collects every dotted reference `a.b[.c]`, so
 * that a SET naming a third table (which would join it into the UPDATE) is refused.
 */

export interface ColumnRef {
  parts: string[];
  range: TokenRange;
}

export function setReferencesOf(s: StatementTokens, set: TokenRange): ColumnRef[] {
  const { text, toks, match } = s;
  let itemStart = set.lo;
  for (let k = set.lo; k <= set.hi; k++) {
    if (k < set.hi && isOp(toks[k], '(')) {
      k = match[k]!;
      continue;
    }
    if (k < set.hi && !isOp(toks[k], ',')) continue;
    if (!isIdentifier(toks[itemStart]) || !isOp(toks[itemStart + 1], '=') || itemStart + 2 >= k)
      refuseAt(text, toks, itemStart, Math.max(k, itemStart + 1), 'a SET item that is not `column = expression`');
    itemStart = k + 1;
  }
  const refs: ColumnRef[] = [];
  for (let k = set.lo; k < set.hi; k++) {
    if (!isIdentifier(toks[k]) || isOp(toks[k - 1], '.') || !isOp(toks[k + 1], '.')) continue;
    const parts = [toks[k]!.value];
    let j = k;
    while (j + 2 < set.hi && isOp(toks[j + 1], '.') && isIdentifier(toks[j + 2])) {
      parts.push(toks[j + 2]!.value);
      j += 2;
    }
    if (isOp(toks[j + 1], '.')) refuseAt(text, toks, k, j + 2, 'a reference that is not understood in the SET list');
    refs.push({ parts, range: { lo: k, hi: j + 1 } });
    k = j;
  }
  return refs;
}
