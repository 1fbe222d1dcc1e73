import { RefusedError } from '../errors.js';
import type { QualifiedName } from '../sql/quote.js';
import { isIdentifier, isKeyword, isOp, SqlSyntaxError, tokenize, type Token } from '../sql/tokenize.js';

/**
 * Statement text → what a DMS apply UPDATE touches: target table, changes table, seq column and
 * range, and the pairs (target key column ↔ changes column). Pure: no database.
 *
 * The exact text DMS sends is unconfirmed (docs/aws-facts.md §1), so the parser is tolerant of the
 * known shapes — with or without a FROM clause, with or without a leading version comment,
 * `CAST(x AS t)` or `x::t` around either side, `CASE WHEN … END` in the SET list, aliases in
 * FROM, `BETWEEN` or a pair of comparisons for the range, redacted `'***'` literals — and strict
 * about everything it relies on: exactly one `awsdms_changes…` table, a closed seq range, at least
 * one key pair, no OR at the top of the WHERE clause.
 */

export interface KeyPair {
  targetColumn: string;
  changesColumn: string;
}

export interface ChangesFilter {
  changesColumn: string;
  value: string;
}

export interface ParsedApplyUpdate {
  targetTable: QualifiedName;
  changesTable: QualifiedName;
  seqColumn: string;
  seqFrom: bigint;
  seqTo: bigint;
  keyPairs: KeyPair[];
  /** `changes.col = literal` conditions: they narrow the rows the statement applies. */
  filters: ChangesFilter[];
  /** WHERE conditions the toolkit does not need (kept for the explanation). */
  ignored: string[];
  warnings: string[];
  /** A leading comment such as `DMS 3.5.3`, when present. */
  comment?: string | undefined;
}

/** Text that is not a complete DMS apply UPDATE. */
export class StatementParseError extends RefusedError {
  constructor(reason: string) {
    super(`not a complete DMS apply UPDATE: ${reason}`);
  }
}

const TRUNCATION_HINT =
  'it was probably cut off (STL_QUERY.querytxt and SYS_QUERY_HISTORY.query_text keep 4000 characters): ' +
  'rebuild the full text from STL_QUERYTEXT (or SYS_QUERY_TEXT), or let `dms-companion fix` do it';

/**
 * Rebuilds a statement from its STL_QUERYTEXT pieces: every piece but the last is 200 characters
 * (trailing spaces included); trim only the last; `\n` back to newlines (docs/aws-facts.md §3).
 */
export function joinQueryTextPieces(pieces: readonly string[], pieceLength = 200): string {
  if (pieces.length === 0) return '';
  const body = pieces
    .slice(0, -1)
    .map((p) => (p.length < pieceLength ? p.padEnd(pieceLength, ' ') : p))
    .join('');
  return (body + pieces[pieces.length - 1]!.trimEnd()).replace(/\\n/g, '\n');
}

interface Ref {
  parts: string[];
}

type Operand =
  { kind: 'ref'; ref: Ref } | { kind: 'number'; value: string } | { kind: 'string'; value: string } | { kind: 'other' };

interface Cursor {
  toks: Token[];
  i: number;
}

/**
 * @throws StatementParseError with the reason (and a hint when the text looks cut off).
 */
export function parseApplyUpdate(text: string): ParsedApplyUpdate {
  let toks: Token[];
  let comment: string | undefined;
  try {
    const all = tokenize(text, { keepComments: true });
    comment = all.find((t) => t.type === 'comment')?.value;
    toks = all.filter((t) => t.type !== 'comment');
  } catch (err) {
    if (err instanceof SqlSyntaxError)
      throw new StatementParseError(err.truncated ? `the text ends inside a token; ${TRUNCATION_HINT}` : err.message);
    throw err;
  }
  while (toks.length > 0 && isOp(toks[toks.length - 1], ';')) toks.pop();
  const looksCut = text.length >= 3990;
  const incomplete = (reason: string) => new StatementParseError(looksCut ? `${reason}; ${TRUNCATION_HINT}` : reason);
  const c: Cursor = { toks, i: 0 };

  if (!isKeyword(toks[0], 'update'))
    throw new StatementParseError(`it does not start with UPDATE (starts with ${JSON.stringify(toks[0]?.raw ?? '')})`);
  c.i = 1;
  const target = readQualified(c);
  if (!target) throw new StatementParseError('no table after UPDATE');
  let targetAlias: string | undefined;
  if (isIdentifier(toks[c.i]) && !isKeyword(toks[c.i], 'set')) {
    if (isKeyword(toks[c.i], 'as')) c.i++;
    targetAlias = toks[c.i++]!.value;
  }
  if (!isKeyword(toks[c.i], 'set')) throw incomplete('no SET after the target table');
  c.i++;

  // SET list: skip to FROM or WHERE at depth 0, collecting qualified references.
  const refs: Ref[] = [];
  const setStart = c.i;
  let depth = 0;
  for (; c.i < toks.length; c.i++) {
    const t = toks[c.i]!;
    if (isOp(t, '(')) depth++;
    else if (isOp(t, ')')) depth--;
    else if (depth === 0 && (isKeyword(t, 'from') || isKeyword(t, 'where'))) break;
  }
  collectRefs(toks.slice(setStart, c.i), refs);

  // FROM list (optional): tables with optional aliases.
  const fromTables: { name: QualifiedName; alias?: string | undefined }[] = [];
  if (isKeyword(toks[c.i], 'from')) {
    c.i++;
    for (;;) {
      const q = readQualified(c);
      if (!q) throw incomplete('no table after FROM');
      let alias: string | undefined;
      if (isKeyword(toks[c.i], 'as')) c.i++;
      if (isIdentifier(toks[c.i]) && !isKeyword(toks[c.i], 'where')) alias = toks[c.i++]!.value;
      fromTables.push({ name: q, alias });
      if (!isOp(toks[c.i], ',')) break;
      c.i++;
    }
  }
  if (!isKeyword(toks[c.i], 'where'))
    throw incomplete('no WHERE clause (a DMS apply UPDATE joins the changes table in its WHERE clause)');
  c.i++;
  const whereToks = toks.slice(c.i);
  if (whereToks.length === 0) throw incomplete('the WHERE clause is empty');
  collectRefs(whereToks, refs);

  // Which tables are referenced?
  const aliases = new Map<string, QualifiedName>();
  for (const f of fromTables) if (f.alias) aliases.set(f.alias, f.name);
  if (targetAlias) aliases.set(targetAlias, target);
  const tableOf = (r: Ref): QualifiedName | undefined => {
    if (r.parts.length === 3) return { schema: r.parts[0]!, name: r.parts[1]! };
    if (r.parts.length === 2) {
      const a = aliases.get(r.parts[0]!);
      if (a) return a;
      const byName = [target, ...fromTables.map((f) => f.name)].find((t) => t.name === r.parts[0]);
      return byName ?? { schema: '', name: r.parts[0]! };
    }
    return undefined;
  };
  const candidates = new Map<string, QualifiedName>();
  for (const t of [...refs.map(tableOf), ...fromTables.map((f) => f.name)]) {
    if (t && /^awsdms_changes/i.test(t.name)) candidates.set(`${t.schema}.${t.name}`, t);
  }
  const qualifiedChanges = [...candidates.values()].filter((t) => t.schema !== '');
  const changesList = qualifiedChanges.length > 0 ? qualifiedChanges : [...candidates.values()];
  if (changesList.length === 0) throw new StatementParseError('it references no awsdms_changes table');
  if (new Set(changesList.map((t) => t.name)).size > 1)
    throw new StatementParseError(
      `it references several changes tables (${changesList.map((t) => t.name).join(', ')})`,
    );
  const changes = changesList[0]!;
  if (changes.schema === '') changes.schema = 'public';
  const isChanges = (t: QualifiedName | undefined) =>
    t !== undefined && t.name === changes.name && (t.schema === '' || t.schema === changes.schema);
  const isTarget = (t: QualifiedName | undefined) =>
    t !== undefined && t.name === target.name && (t.schema === '' || t.schema === target.schema);

  // WHERE: a conjunction of conditions.
  const conjuncts = splitConjunction(whereToks);
  const keyPairs: KeyPair[] = [];
  const filters: ChangesFilter[] = [];
  const ignored: string[] = [];
  const warnings: string[] = [];
  const ranges = new Map<string, { from?: bigint; to?: bigint }>();
  const bound = (col: string) => {
    let r = ranges.get(col);
    if (!r) ranges.set(col, (r = {}));
    return r;
  };
  const equalities: { col: string; value: string }[] = [];
  for (const cj of conjuncts) {
    const src = cj.map((t) => t.raw).join(' ');
    const between = cj.findIndex((t) => isKeyword(t, 'between'));
    if (between > 0) {
      const left = parseOperand(cj.slice(0, between));
      const and = cj.findIndex((t, k) => k > between && isKeyword(t, 'and'));
      const lo = parseOperand(cj.slice(between + 1, and));
      const hi = parseOperand(cj.slice(and + 1));
      if (left.kind === 'ref' && isChanges(tableOf(left.ref)) && lo.kind === 'number' && hi.kind === 'number') {
        const r = bound(col(left.ref));
        r.from = BigInt(lo.value);
        r.to = BigInt(hi.value);
      } else ignored.push(src);
      continue;
    }
    const opIndex = cj.findIndex(
      (t, k) =>
        k > 0 && t.type === 'op' && ['=', '>=', '<=', '>', '<', '<>', '!='].includes(t.value) && depthAt(cj, k) === 0,
    );
    if (opIndex <= 0) {
      ignored.push(src);
      continue;
    }
    const op = cj[opIndex]!.value;
    let l = parseOperand(cj.slice(0, opIndex));
    let r = parseOperand(cj.slice(opIndex + 1));
    let o = op;
    if (l.kind !== 'ref' && r.kind === 'ref') {
      [l, r] = [r, l];
      o = flip(op);
    }
    if (l.kind !== 'ref') {
      ignored.push(src);
      continue;
    }
    const lt = tableOf(l.ref);
    if (l.ref.parts.length === 1)
      throw new StatementParseError(
        `unqualified column ${JSON.stringify(l.ref.parts[0])} in the WHERE clause: cannot tell which table it belongs to`,
      );
    if (r.kind === 'ref') {
      if (r.ref.parts.length === 1)
        throw new StatementParseError(
          `unqualified column ${JSON.stringify(r.ref.parts[0])} in the WHERE clause: cannot tell which table it belongs to`,
        );
      const rt = tableOf(r.ref);
      if (o === '=' && isTarget(lt) && isChanges(rt))
        keyPairs.push({ targetColumn: col(l.ref), changesColumn: col(r.ref) });
      else if (o === '=' && isChanges(lt) && isTarget(rt))
        keyPairs.push({ targetColumn: col(r.ref), changesColumn: col(l.ref) });
      else ignored.push(src);
      continue;
    }
    if (!isChanges(lt)) {
      ignored.push(src);
      continue;
    }
    if (r.kind === 'number') {
      const v = BigInt(r.value.replace(/\.0*$/, ''));
      const b = () => bound(col(l.ref));
      if (o === '>=') b().from = v;
      else if (o === '>') b().from = v + 1n;
      else if (o === '<=') b().to = v;
      else if (o === '<') b().to = v - 1n;
      else if (o === '=') equalities.push({ col: col(l.ref), value: r.value });
      else ignored.push(src);
      continue;
    }
    if (r.kind === 'string' && o === '=') {
      if (r.value === '***') warnings.push(`condition ${src} compares with a redacted value; ignored`);
      else filters.push({ changesColumn: col(l.ref), value: r.value });
      continue;
    }
    ignored.push(src);
  }

  // The seq column: the changes column bounded on both sides (or named seq with an equality).
  const closed = [...ranges.entries()].filter(([, r]) => r.from !== undefined && r.to !== undefined);
  let seqColumn: string;
  let seqFrom: bigint;
  let seqTo: bigint;
  if (closed.length === 1) {
    [seqColumn] = closed[0]!;
    seqFrom = closed[0]![1].from!;
    seqTo = closed[0]![1].to!;
  } else if (closed.length > 1) {
    const named = closed.find(([c0]) => c0.toLowerCase() === 'seq');
    if (!named)
      throw new StatementParseError(
        `several changes columns are bounded (${closed.map(([c0]) => c0).join(', ')}): cannot tell which is the seq column`,
      );
    [seqColumn] = named;
    seqFrom = named[1].from!;
    seqTo = named[1].to!;
  } else {
    const eq = equalities.find((e) => e.col.toLowerCase() === 'seq');
    if (!eq) {
      const open = [...ranges.keys()];
      throw incomplete(
        open.length > 0
          ? `the seq range on ${open.join(', ')} has no ${ranges.get(open[0]!)!.from === undefined ? 'lower' : 'upper'} bound`
          : 'no seq range on the changes table',
      );
    }
    seqColumn = eq.col;
    seqFrom = seqTo = BigInt(eq.value);
  }
  for (const e of equalities) if (e.col !== seqColumn) filters.push({ changesColumn: e.col, value: e.value });
  if (seqFrom > seqTo) throw new StatementParseError(`the seq range ${seqFrom}–${seqTo} is empty`);
  if (keyPairs.length === 0) throw incomplete('no key pair (target column = changes column) in the WHERE clause');
  const seenTarget = new Set<string>();
  for (const k of keyPairs) {
    if (seenTarget.has(k.targetColumn))
      throw new StatementParseError(`target column ${k.targetColumn} is paired twice`);
    seenTarget.add(k.targetColumn);
  }
  return {
    targetTable: target,
    changesTable: changes,
    seqColumn,
    seqFrom,
    seqTo,
    keyPairs,
    filters,
    ignored,
    warnings,
    comment,
  };
}

function col(r: Ref): string {
  return r.parts[r.parts.length - 1]!;
}

function flip(op: string): string {
  return ({ '>=': '<=', '<=': '>=', '>': '<', '<': '>' } as Record<string, string>)[op] ?? op;
}

function depthAt(toks: Token[], index: number): number {
  let d = 0;
  for (let k = 0; k < index; k++) {
    if (isOp(toks[k], '(')) d++;
    else if (isOp(toks[k], ')')) d--;
  }
  return d;
}

/** `name`, `schema.name`: a qualified table name at the cursor. */
function readQualified(c: Cursor): QualifiedName | undefined {
  const a = c.toks[c.i];
  if (!isIdentifier(a)) return undefined;
  c.i++;
  if (isOp(c.toks[c.i], '.') && isIdentifier(c.toks[c.i + 1])) {
    const b = c.toks[c.i + 1]!;
    c.i += 2;
    return { schema: a.value, name: b.value };
  }
  return { schema: 'public', name: a.value };
}

/** Every dotted reference `a.b[.c]` in a token run. */
function collectRefs(toks: Token[], out: Ref[]): void {
  for (let k = 0; k < toks.length; k++) {
    if (!isIdentifier(toks[k]) || isOp(toks[k - 1], '.')) continue;
    const parts = [toks[k]!.value];
    let j = k;
    while (isOp(toks[j + 1], '.') && isIdentifier(toks[j + 2])) {
      parts.push(toks[j + 2]!.value);
      j += 2;
    }
    if (parts.length >= 2) out.push({ parts });
  }
}

/** Splits a WHERE clause at top-level ANDs (not the AND of BETWEEN), flattening parenthesised conjunctions. */
function splitConjunction(toks: Token[]): Token[][] {
  let t = toks;
  while (isOp(t[0], '(') && matchingParen(t, 0) === t.length - 1) t = t.slice(1, -1);
  const out: Token[][] = [];
  let depth = 0;
  let start = 0;
  let betweenPending = false;
  for (let k = 0; k < t.length; k++) {
    const tok = t[k]!;
    if (isOp(tok, '(')) depth++;
    else if (isOp(tok, ')')) depth--;
    else if (depth === 0 && isKeyword(tok, 'or'))
      throw new StatementParseError('the WHERE clause has an OR at its top level; only conjunctions are understood');
    else if (depth === 0 && isKeyword(tok, 'between')) betweenPending = true;
    else if (depth === 0 && isKeyword(tok, 'and')) {
      if (betweenPending) {
        betweenPending = false;
        continue;
      }
      out.push(t.slice(start, k));
      start = k + 1;
    }
  }
  out.push(t.slice(start));
  return out
    .flatMap((part) =>
      isOp(part[0], '(') && matchingParen(part, 0) === part.length - 1 ? splitConjunction(part) : [part],
    )
    .filter((p) => p.length > 0);
}

function matchingParen(toks: Token[], open: number): number {
  let d = 0;
  for (let k = open; k < toks.length; k++) {
    if (isOp(toks[k], '(')) d++;
    else if (isOp(toks[k], ')') && --d === 0) return k;
  }
  return -1;
}

/** A comparison side: a column reference (possibly inside CAST(… AS t) or followed by ::t), a number, a string. */
function parseOperand(toks: Token[]): Operand {
  let t = toks;
  for (;;) {
    while (isOp(t[0], '(') && matchingParen(t, 0) === t.length - 1) t = t.slice(1, -1);
    if (isKeyword(t[0], 'cast') && isOp(t[1], '(') && matchingParen(t, 1) === t.length - 1) {
      const inner = t.slice(2, -1);
      const as = inner.findIndex((x, k) => isKeyword(x, 'as') && depthAt(inner, k) === 0);
      t = as === -1 ? inner : inner.slice(0, as);
      continue;
    }
    const cast = t.findIndex((x, k) => isOp(x, '::') && depthAt(t, k) === 0);
    if (cast > 0) {
      t = t.slice(0, cast);
      continue;
    }
    break;
  }
  if (t.length === 1 && t[0]!.type === 'number') return { kind: 'number', value: t[0]!.value };
  if (t.length === 2 && isOp(t[0], '-') && t[1]!.type === 'number') return { kind: 'number', value: `-${t[1]!.value}` };
  if (t.length === 1 && t[0]!.type === 'string')
    return /^-?\d+$/.test(t[0]!.value)
      ? { kind: 'number', value: t[0]!.value }
      : { kind: 'string', value: t[0]!.value };
  if (
    t.length >= 1 &&
    t.length % 2 === 1 &&
    t.every((x, k) => (k % 2 === 0 ? isIdentifier(x) : isOp(x, '.'))) &&
    t.length <= 5
  ) {
    return { kind: 'ref', ref: { parts: t.filter((_x, k) => k % 2 === 0).map((x) => x.value) } };
  }
  return { kind: 'other' };
}

/** The explain document: names unquoted, seq bounds as numbers when they fit. */
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
    ignored: p.ignored,
    warnings: p.warnings,
    ...(p.comment ? { comment: p.comment } : {}),
  };
}
