import type { QualifiedName } from '../../sql/quote.js';
import { refuseAt, StatementParseError } from './refusal.js';
import type { ColumnRef } from './set-list.js';
import type { UpdateClauses } from './structure.js';
import type { StatementTokens } from './tokens.js';

/**
 * Phase 5: which table each column reference names — the target or the changes table — and which
 * table is the changes table.
 *
 * The changes table is the one `awsdms_changes…` table (docs/aws-facts.md §1.2) the statement names:
 * in FROM, or, in the shape without FROM that Redshift accepts (docs/aws-facts.md §1.7), through
 * `"schema"."awsdms_changes…"."column"` references. A reference is `"schema"."table"."column"`,
 * `table.column` for a table in the statement, or `alias.column`. Refused: any other table (in FROM
 * or in a reference), two changes tables, a reference without its table, a changes table named
 * without its schema and not in FROM, a table named by its name although it has an alias (Redshift
 * would add a second copy of it to the UPDATE, docs/aws-facts.md §20.4), and names that could mean either table.
 */

export type Side = 'target' | 'changes';

export interface StatementTables {
  target: QualifiedName;
  changes: QualifiedName;
  /** @throws StatementParseError */
  sideOf(ref: ColumnRef): Side;
}

const CHANGES = /^awsdms_changes/i;
const same = (a: QualifiedName, b: QualifiedName) => a.schema === b.schema && a.name === b.name;
const show = (q: QualifiedName) => `${q.schema}.${q.name}`;

export function tablesOf(s: StatementTokens, c: UpdateClauses, refs: readonly ColumnRef[]): StatementTables {
  const { text, toks } = s;
  const target = c.target.name;
  if (CHANGES.test(target.name))
    refuseAt(text, toks, c.target.at, c.target.at + 3, 'the target table is a changes table');
  if (c.from.length > 1) refuseAt(text, toks, c.from[1]!.at, c.from[1]!.at + 3, 'FROM names more than one table');
  const from = c.from[0];
  if (from && !CHANGES.test(from.name.name))
    refuseAt(text, toks, from.at, from.at + 3, 'FROM names a table that is not an awsdms_changes table');
  let changes = from?.name;
  for (const r of refs) {
    if (r.parts.length !== 3) continue;
    const t = { schema: r.parts[0]!, name: r.parts[1]! };
    if (same(t, target) || !CHANGES.test(t.name)) continue;
    if (changes && !same(changes, t))
      refuseAt(text, toks, r.range.lo, r.range.hi, `it names two changes tables (${show(changes)} and ${show(t)})`);
    changes = t;
  }
  if (!changes) throw new StatementParseError('it references no schema-qualified awsdms_changes table');
  const changesTable = changes;
  const aliases = new Map<string, Side>();
  if (c.target.alias !== undefined) aliases.set(c.target.alias, 'target');
  if (from?.alias !== undefined) {
    if (aliases.has(from.alias))
      refuseAt(text, toks, from.at, from.at + 5, 'the target and the changes table have the same alias');
    aliases.set(from.alias, 'changes');
  }
  const aliased = (side: Side) => (side === 'target' ? c.target.alias : from?.alias) !== undefined;

  const sideOf = (r: ColumnRef): Side => {
    const refuse: (why: string) => never = (why) => refuseAt(text, toks, r.range.lo, r.range.hi, why);
    if (r.parts.length === 1) refuse('a name without its table (a column must be written table.column)');
    if (r.parts.length > 3) refuse('a reference with more than three parts');
    let side: Side | undefined;
    if (r.parts.length === 3) {
      const t = { schema: r.parts[0]!, name: r.parts[1]! };
      side = same(t, target) ? 'target' : same(t, changesTable) ? 'changes' : undefined;
      if (!side) refuse(`a reference to ${show(t)}, which is neither the target nor the changes table`);
    } else {
      const name = r.parts[0]!;
      side = aliases.get(name);
      const byName: Side[] = [];
      if (name === target.name) byName.push('target');
      if (name === changesTable.name) byName.push('changes');
      if (side && byName.length > 0) refuse(`${name} is both an alias and a table name`);
      if (!side) {
        if (byName.length === 0)
          refuse(`a reference to ${name}, which is neither the target, the changes table nor an alias`);
        if (byName.length > 1) refuse(`${name} could be the target or the changes table`);
        side = byName[0]!;
        if (side === 'changes' && !from) refuse('the changes table is named without its schema and is not in FROM');
      } else return side;
    }
    if (aliased(side))
      refuse(
        'a table named by its name although it has an alias (Redshift would add a second copy of the table to the UPDATE)',
      );
    return side;
  };
  for (const r of refs) sideOf(r);
  return { target, changes: changesTable, sideOf };
}
