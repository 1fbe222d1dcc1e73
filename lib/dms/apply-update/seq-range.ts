import { StatementParseError, refuseAt } from './refusal.js';
import type { ChangesFilter, Conditions, IntegerBound } from './conditions.js';
import { withCutHint, type StatementTokens } from './tokens.js';

/**
 * Phase 7: the integer bounds → the seq column and its closed range, and the filters.
 *
 * The seq column is the one changes column with range conditions (`<`, `<=`, `>`, `>=`, BETWEEN);
 * with none, the column named `seq` with an equality. The range is the **intersection** of every
 * bound on it (`seq >= 5 AND seq <= 10 AND seq <= 100000` is 5–10; `> a` is `>= a+1`, `< b` is
 * `<= b-1`, `= n` is both). It needs a lower and an upper bound and must not be empty. Range
 * conditions on a second column are refused (DMS bounds only seq); an integer equality on another
 * column is a filter. Two filters on one column must agree (otherwise no change row qualifies).
 */

export interface SeqRange {
  seqColumn: string;
  seqFrom: bigint;
  seqTo: bigint;
  filters: ChangesFilter[];
}

const RANGE_OPS = new Set(['<', '<=', '>', '>=']);

export function seqRangeOf(s: StatementTokens, c: Conditions): SeqRange {
  const ranged = [...new Set(c.bounds.filter((b) => RANGE_OPS.has(b.op)).map((b) => b.changesColumn))];
  if (ranged.length > 1) {
    const second = c.bounds.find((b) => RANGE_OPS.has(b.op) && b.changesColumn === ranged[1])!;
    refuseAt(
      s.text,
      s.toks,
      second.range.lo,
      second.range.hi,
      `range conditions on two changes columns (${ranged.join(', ')}); only the seq column is bounded`,
    );
  }
  const seqColumn = ranged[0] ?? c.bounds.find((b) => b.changesColumn.toLowerCase() === 'seq')?.changesColumn;
  if (seqColumn === undefined) throw new StatementParseError(withCutHint(s.text, 'no seq range on the changes table'));
  let from: IntegerBound | undefined;
  let to: IntegerBound | undefined;
  let lo: bigint | undefined;
  let hi: bigint | undefined;
  const filters: ChangesFilter[] = [];
  for (const b of c.bounds) {
    if (b.changesColumn !== seqColumn) {
      filters.push({ changesColumn: b.changesColumn, value: b.value.toString() });
      continue;
    }
    const low = b.op === '>=' || b.op === '=' ? b.value : b.op === '>' ? b.value + 1n : undefined;
    const high = b.op === '<=' || b.op === '=' ? b.value : b.op === '<' ? b.value - 1n : undefined;
    if (low !== undefined && (lo === undefined || low > lo)) [lo, from] = [low, b];
    if (high !== undefined && (hi === undefined || high < hi)) [hi, to] = [high, b];
  }
  if (lo === undefined || hi === undefined)
    throw new StatementParseError(
      withCutHint(s.text, `the seq range on ${seqColumn} has no ${lo === undefined ? 'lower' : 'upper'} bound`),
    );
  if (lo > hi) {
    const a = from!.range.lo < to!.range.lo ? from! : to!;
    const b = a === from ? to! : from!;
    throw new StatementParseError(`the seq range on ${seqColumn} is empty (${lo}–${hi}): no change row can match`, {
      fragment:
        `${s.text.slice(s.toks[a.range.lo]!.start, s.toks[a.range.hi - 1]!.end)} … ${s.text.slice(s.toks[b.range.lo]!.start, s.toks[b.range.hi - 1]!.end)}`
          .replace(/\s+/g, ' ')
          .slice(0, 120),
      offset: s.toks[a.range.lo]!.start,
    });
  }
  const values = new Map<string, string>();
  const all: ChangesFilter[] = [];
  for (const f of [...c.filters, ...filters]) {
    const v = values.get(f.changesColumn);
    if (v === undefined) {
      values.set(f.changesColumn, f.value);
      all.push({ changesColumn: f.changesColumn, value: f.value });
    } else if (v !== f.value)
      throw new StatementParseError(
        `two filters on ${f.changesColumn} disagree (${JSON.stringify(v.slice(0, 40))} and ${JSON.stringify(f.value.slice(0, 40))}): ` +
          'no change row can match',
      );
  }
  return { seqColumn, seqFrom: lo, seqTo: hi, filters: all };
}
