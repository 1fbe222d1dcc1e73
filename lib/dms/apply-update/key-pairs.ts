import { refuseAt, StatementParseError } from './refusal.js';
import type { Conditions, KeyPair } from './conditions.js';
import { withCutHint, type StatementTokens } from './tokens.js';

/**
 * Phase 8: the key pairs, checked. At least one; a target column paired once, a changes column
 * paired once; the same pair written twice counts once; the seq column and filter columns are not
 * key columns. Whether the pairs are the table's primary key is checked by the fixer against its
 * configuration and the catalog.
 */
export function keyPairsOf(
  s: StatementTokens,
  c: Conditions,
  seqColumn: string,
  filterColumns: ReadonlySet<string>,
): KeyPair[] {
  if (c.keyPairs.length === 0)
    throw new StatementParseError(
      withCutHint(s.text, 'no key pair (target column = changes column) in the WHERE clause'),
    );
  const out: KeyPair[] = [];
  const byTarget = new Map<string, string>();
  const byChanges = new Map<string, string>();
  for (const k of c.keyPairs) {
    const refuse: (why: string) => never = (why) => refuseAt(s.text, s.toks, k.range.lo, k.range.hi, why);
    if (k.changesColumn === seqColumn || filterColumns.has(k.changesColumn))
      refuse(
        `changes column ${k.changesColumn} is both a key and ${k.changesColumn === seqColumn ? 'the seq column' : 'a filter'}`,
      );
    const t = byTarget.get(k.targetColumn);
    const ch = byChanges.get(k.changesColumn);
    if (t === k.changesColumn) continue;
    if (t !== undefined) refuse(`target column ${k.targetColumn} is paired twice`);
    if (ch !== undefined) refuse(`changes column ${k.changesColumn} is paired twice`);
    byTarget.set(k.targetColumn, k.changesColumn);
    byChanges.set(k.changesColumn, k.targetColumn);
    out.push({ targetColumn: k.targetColumn, changesColumn: k.changesColumn });
  }
  return out;
}
