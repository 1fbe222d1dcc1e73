import type { QualifiedName } from '../../sql/quote.js';
import { conditionsOf, type ChangesFilter, type KeyPair } from './conditions.js';
import { conjunctsOf } from './conjuncts.js';
import { keyPairsOf } from './key-pairs.js';
import { predicateOf } from './predicates.js';
import { StatementParseError, type Refusal } from './refusal.js';
import { seqRangeOf } from './seq-range.js';
import { setReferencesOf, type ColumnRef } from './set-list.js';
import { clausesOf } from './structure.js';
import { tablesOf } from './tables.js';
import { tokensOf } from './tokens.js';

/**
 * Statement text → what a DMS apply UPDATE touches: target table, changes table, seq column and
 * range, the key pairs (target key column ↔ changes column) and the filters. Pure: no I/O.
 *
 * It fails closed: the statement is taken only when every condition of its WHERE clause is one it
 * understands; anything else is a {@link StatementParseError} naming the fragment, never skipped.
 * The phases, each in its own file: pieces (STL_QUERYTEXT) → tokens (length cap, comments, nesting
 * cap) → structure (UPDATE / SET / FROM / WHERE) → conjuncts → predicates → tables → conditions →
 * seq range (intersection of every bound) → key pairs. Each phase is linear in the statement's
 * length; statements over {@link MAX_STATEMENT_BYTES} bytes or nested deeper than
 * {@link MAX_NESTING_DEPTH} are refused. The exact text DMS sends is unconfirmed
 * (docs/aws-facts.md §1.7, §20): the forms accepted are listed in README.md (`fix explain`).
 */

export type { ChangesFilter, KeyPair } from './conditions.js';
export { joinQueryTextPieces } from './pieces.js';
export { StatementParseError, type Refusal } from './refusal.js';
export { MAX_NESTING_DEPTH, MAX_STATEMENT_BYTES } from './tokens.js';

export interface ParsedApplyUpdate {
  targetTable: QualifiedName;
  changesTable: QualifiedName;
  seqColumn: string;
  /** Inclusive bounds: the intersection of every bound the statement puts on the seq column. */
  seqFrom: bigint;
  seqTo: bigint;
  keyPairs: KeyPair[];
  /** `changes.col = literal` conditions: they narrow the change rows the statement applies. */
  filters: ChangesFilter[];
  /** The first block comment (e.g. `DMS 3.5.3`, `partner:DMS …`), when present. */
  comment?: string | undefined;
  /** How many WHERE conditions were read (every one of them understood). */
  conditions: number;
}

export type ApplyUpdateJudgement = { ok: true; update: ParsedApplyUpdate } | { ok: false; refusal: Refusal };

/** @throws StatementParseError with the reason (and a hint when the text looks cut off). */
export function parseApplyUpdate(text: string): ParsedApplyUpdate {
  const s = tokensOf(text);
  const clauses = clausesOf(s);
  const setRefs = setReferencesOf(s, clauses.set);
  const predicates = conjunctsOf(s, clauses.where).map((c) => predicateOf(s, c));
  const whereRefs: ColumnRef[] = [];
  for (const p of predicates)
    for (const o of p.kind === 'compare' ? [p.left, p.right] : [p.subject, p.low, p.high])
      if (o.kind === 'column') whereRefs.push({ parts: o.parts, range: o.range });
  const tables = tablesOf(s, clauses, [...whereRefs, ...setRefs]);
  const conditions = conditionsOf(s, tables, predicates);
  const range = seqRangeOf(s, conditions);
  const keyPairs = keyPairsOf(s, conditions, range.seqColumn, new Set(range.filters.map((f) => f.changesColumn)));
  return {
    targetTable: tables.target,
    changesTable: tables.changes,
    seqColumn: range.seqColumn,
    seqFrom: range.seqFrom,
    seqTo: range.seqTo,
    keyPairs,
    filters: range.filters,
    comment: s.comments[0],
    conditions: predicates.length,
  };
}

/** {@link parseApplyUpdate} as a result: the parsed statement, or the refusal. Throws nothing else for any text. */
export function judgeApplyUpdate(text: string): ApplyUpdateJudgement {
  try {
    return { ok: true, update: parseApplyUpdate(text) };
  } catch (err) {
    if (err instanceof StatementParseError) return { ok: false, refusal: err.refusal };
    throw err;
  }
}

/** The explain document: names unquoted, seq bounds as numbers when they fit (as decimal strings otherwise). */
export function explainJson(p: ParsedApplyUpdate): Record<string, unknown> {
  const num = (b: bigint) =>
    b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(b) : b.toString();
  return {
    targetTable: p.targetTable,
    changesTable: p.changesTable,
    seqColumn: p.seqColumn,
    seqFrom: num(p.seqFrom),
    seqTo: num(p.seqTo),
    keyPairs: p.keyPairs,
    filters: p.filters,
    conditions: p.conditions,
    ...(p.comment ? { comment: p.comment } : {}),
  };
}
