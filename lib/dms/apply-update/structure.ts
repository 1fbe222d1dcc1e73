import type { QualifiedName } from '../../sql/quote.js';
import { isIdentifier, isKeyword, isOp } from '../../sql/tokenize.js';
import { StatementParseError, refuseAt } from './refusal.js';
import { withCutHint, type StatementTokens } from './tokens.js';

/**
 * Phase 2: tokens → the clauses of `UPDATE target [alias] SET … [FROM table [alias]] WHERE …`.
 *
 * Tables are schema-qualified (`"s"."t"`), as DMS writes every name: an unqualified one would be
 * found through the search_path, which the toolkit cannot see, and is refused. The FROM list holds
 * table names only (no JOIN, no subquery); a subquery (`SELECT`) anywhere is refused. The SET list is
 * kept as a token range; its column references are checked by the tables phase.
 */

/** Tokens `[lo, hi)`. */
export interface TokenRange {
  lo: number;
  hi: number;
}

export interface TableEntry {
  name: QualifiedName;
  alias?: string | undefined;
  /** Token index of the name. */
  at: number;
}

export interface UpdateClauses {
  target: TableEntry;
  set: TokenRange;
  from: TableEntry[];
  where: TokenRange;
}

/** @throws StatementParseError */
export function clausesOf(s: StatementTokens): UpdateClauses {
  const { text, toks, match } = s;
  if (!isKeyword(toks[0], 'update'))
    throw new StatementParseError(
      `it does not start with UPDATE (starts with ${JSON.stringify(toks[0]?.raw.slice(0, 40) ?? '')})`,
    );
  for (let i = 0; i < toks.length; i++)
    if (isKeyword(toks[i], 'select')) refuseAt(text, toks, i, i + 4, 'a subquery (SELECT) in an apply UPDATE');
  let i = 1;
  const target = tableAt(s, i, 'UPDATE');
  i = target.next;
  if (!isKeyword(toks[i], 'set')) {
    if (i >= toks.length) throw new StatementParseError(withCutHint(text, 'no SET after the target table'));
    refuseAt(text, toks, i, i + 3, 'expected SET after the target table');
  }
  const setLo = ++i;
  for (; i < toks.length; i++) {
    if (match[i] !== -1 && isOp(toks[i], '(')) i = match[i]!;
    else if (isKeyword(toks[i], 'from') || isKeyword(toks[i], 'where')) break;
  }
  const set = { lo: setLo, hi: i };
  if (set.hi === set.lo) refuseAt(text, toks, setLo - 1, setLo + 1, 'the SET list is empty');
  const from: TableEntry[] = [];
  if (isKeyword(toks[i], 'from')) {
    i++;
    for (;;) {
      const t = tableAt(s, i, 'FROM');
      from.push(t.entry);
      i = t.next;
      if (!isOp(toks[i], ',')) break;
      i++;
    }
  }
  if (!isKeyword(toks[i], 'where')) {
    if (i >= toks.length)
      throw new StatementParseError(
        withCutHint(text, 'no WHERE clause (a DMS apply UPDATE joins the changes table in its WHERE clause)'),
      );
    refuseAt(text, toks, i, i + 3, 'expected WHERE (only table names are understood in FROM)');
  }
  if (i + 1 >= toks.length) throw new StatementParseError(withCutHint(text, 'the WHERE clause is empty'));
  return { target: target.entry, set, from, where: { lo: i + 1, hi: toks.length } };
}

const NOT_AN_ALIAS = new Set([
  'set',
  'from',
  'where',
  'as',
  'join',
  'inner',
  'left',
  'right',
  'full',
  'cross',
  'natural',
  'on',
  'using',
  'only',
]);

/** `"schema"."table" [[AS] alias]` at token `i`. */
function tableAt(s: StatementTokens, i: number, clause: string): { entry: TableEntry; next: number } {
  const { text, toks } = s;
  const a = toks[i];
  if (!isIdentifier(a) || NOT_AN_ALIAS.has(a.type === 'word' ? a.value : '')) {
    if (i >= toks.length) throw new StatementParseError(withCutHint(text, `no table after ${clause}`));
    refuseAt(text, toks, i, i + 3, `expected a schema-qualified table name after ${clause}`);
  }
  if (!isOp(toks[i + 1], '.') || !isIdentifier(toks[i + 2]))
    refuseAt(text, toks, i, i + 3, `the table after ${clause} is not schema-qualified (DMS qualifies every name)`);
  if (isOp(toks[i + 3], '.')) refuseAt(text, toks, i, i + 5, `a three-part table name after ${clause}`);
  const entry: TableEntry = { name: { schema: a.value, name: toks[i + 2]!.value }, at: i };
  let next = i + 3;
  const asKeyword = isKeyword(toks[next], 'as');
  if (asKeyword) next++;
  const alias = toks[next];
  if (isIdentifier(alias) && !(alias.type === 'word' && NOT_AN_ALIAS.has(alias.value))) {
    entry.alias = alias.value;
    next++;
  } else if (asKeyword) refuseAt(text, toks, next - 1, next + 1, `expected an alias after AS in ${clause}`);
  return { entry, next };
}
