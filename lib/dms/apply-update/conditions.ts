import { refuseAt } from './refusal.js';
import type { ComparisonOp, Operand, Predicate } from './predicates.js';
import type { StatementTables } from './tables.js';
import type { TokenRange } from './structure.js';
import type { StatementTokens } from './tokens.js';

/**
 * Phase 6: each predicate → what it means for the rows the UPDATE touched, or a refusal.
 *
 * - key pair: `target.k = changes.c` (either order; a cast on either side is allowed: it converts the
 *   changes table's text to the key's type and does not change which rows pair up);
 * - integer bound: `changes.c op n` or `changes.c BETWEEN n AND m` (the seq range phase decides which
 *   column is the seq column; bare columns only, since a cast can change how values compare);
 * - filter: `changes.c = 'text'` — an equality with a string narrows the change rows the UPDATE
 *   applies (for instance an operation column `= 'U'`), and the fixer applies the same filter when it
 *   lists the keys, so accepting it never widens the key set (docs/aws-facts.md §20.5). The redacted literal `'***'`
 *   (docs/aws-facts.md §1.8) hides the value and is refused.
 * Everything else is refused: a condition on a target column other than a key pair, two columns of
 * one table, other operators on a key pair or a string, two constants, a cast on a bounded column.
 */

export interface KeyPair {
  targetColumn: string;
  changesColumn: string;
}

export interface IntegerBound {
  changesColumn: string;
  op: ComparisonOp;
  value: bigint;
  range: TokenRange;
}

export interface ChangesFilter {
  changesColumn: string;
  value: string;
}

export interface Conditions {
  keyPairs: (KeyPair & { range: TokenRange })[];
  bounds: IntegerBound[];
  filters: (ChangesFilter & { range: TokenRange })[];
}

const FLIP: Record<ComparisonOp, ComparisonOp> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

export function conditionsOf(
  s: StatementTokens,
  tables: StatementTables,
  predicates: readonly Predicate[],
): Conditions {
  const out: Conditions = { keyPairs: [], bounds: [], filters: [] };
  for (const p of predicates) {
    const refuse: (why: string) => never = (why) => refuseAt(s.text, s.toks, p.range.lo, p.range.hi, why);
    const changesColumn = (o: Operand, what: string): string => {
      if (o.kind !== 'column') return refuse(`${what} must be a column of the changes table`);
      if (tables.sideOf(o) !== 'changes')
        return refuse(`${what} on a target column is not understood (only key pairs involve the target)`);
      if (o.cast) return refuse(`${what} on a cast column is not understood (a cast can change how values compare)`);
      return o.parts[o.parts.length - 1]!;
    };
    if (p.kind === 'between') {
      const column = changesColumn(p.subject, 'a BETWEEN');
      if (p.low.kind !== 'integer' || p.high.kind !== 'integer')
        refuse('a BETWEEN with bounds that are not integer literals');
      out.bounds.push({ changesColumn: column, op: '>=', value: p.low.value, range: p.range });
      out.bounds.push({ changesColumn: column, op: '<=', value: p.high.value, range: p.range });
      continue;
    }
    let { left, op, right } = p;
    if (left.kind !== 'column' && right.kind === 'column') {
      [left, right] = [right, left];
      op = FLIP[op];
    }
    if (left.kind !== 'column') refuse('a comparison of two constants');
    if (right.kind === 'column') {
      const ls = tables.sideOf(left);
      const rs = tables.sideOf(right);
      if (ls === rs) refuse(`a comparison of two columns of the ${ls === 'target' ? 'target' : 'changes'} table`);
      if (op !== '=') refuse(`a comparison ${op} between the target and the changes table (only = pairs a key)`);
      const [t, c] = ls === 'target' ? [left, right] : [right, left];
      out.keyPairs.push({
        targetColumn: t.parts[t.parts.length - 1]!,
        changesColumn: c.parts[c.parts.length - 1]!,
        range: p.range,
      });
      continue;
    }
    const column = changesColumn(left, 'a comparison with a constant');
    if (right.kind === 'integer') {
      out.bounds.push({ changesColumn: column, op, value: right.value, range: p.range });
      continue;
    }
    if (op !== '=') refuse(`a comparison ${op} with a string is not understood`);
    if (right.value === '***')
      refuse("a comparison with the redacted value '***' (the value it narrows to is unknown)");
    out.filters.push({ changesColumn: column, value: right.value, range: p.range });
  }
  return out;
}
