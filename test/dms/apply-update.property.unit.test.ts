import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  joinQueryTextPieces,
  judgeApplyUpdate,
  parseApplyUpdate,
  StatementParseError,
} from '../../lib/dms/apply-update.js';
import { quoteIdent, quoteQualified, type QualifiedName } from '../../lib/sql/quote.js';
import { bulkUpdate } from '../../sim/dms/statements.js';

/**
 * Properties of the apply-UPDATE parser over generated statements of the shapes DMS writes
 * (docs/aws-facts.md §1.7, sim/dms/statements.ts): with or without FROM, aliases, comments before or
 * after the verb, quoted names with "" and non-ASCII letters, conjuncts in any order and in
 * parentheses, the seq range written as >=/<=, strict bounds, BETWEEN or =, with looser repeated bounds.
 */

const BIG_MIN = -(2n ** 63n);
const BIG_MAX = 2n ** 63n - 1n;

const name = fc
  .string({
    unit: fc.constantFrom('a', 'b', 'z', '_', '1', ' ', '.', '"', "'", 'ä', 'É', '日', '$', '-', '*', '/'),
    minLength: 1,
    maxLength: 10,
  })
  .filter((s) => !/^awsdms_changes/i.test(s) && !['tgt', 'chg'].includes(s));
const qualified = fc.record({ schema: name, name });
const changesName = fc.record({
  schema: name,
  name: fc.stringMatching(/^[0-9a-f]{4,16}$/).map((h) => `awsdms_changes${h}`),
});
const castType = fc.constantFrom(
  'INTEGER',
  'BIGINT',
  'VARCHAR(65535)',
  'NUMERIC(10,2)',
  'TIMESTAMP WITHOUT TIME ZONE',
  'DATE',
);

interface Generated {
  text: string;
  conjuncts: string[];
  target: QualifiedName;
  changes: QualifiedName;
  from: bigint;
  to: bigint;
  keyPairs: { targetColumn: string; changesColumn: string }[];
  filters: { changesColumn: string; value: string }[];
  /** Rebuilds the text with other conjuncts (same head, same style). */
  withConjuncts(c: string[]): string;
}

const statement: fc.Arbitrary<Generated> = fc
  .record({
    target: qualified,
    changes: changesName,
    keys: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }),
    keyCasts: fc.array(fc.option(castType, { nil: undefined }), { minLength: 3, maxLength: 3 }),
    setColumns: fc.array(fc.tuple(name, castType, fc.boolean()), { minLength: 1, maxLength: 4 }),
    from: fc.bigInt({ min: BIG_MIN + 2000n, max: BIG_MAX - 2000n }),
    length: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 1000n })),
    lowerStyle: fc.constantFrom('>=', '>', 'between', 'eq'),
    upperStyle: fc.constantFrom('<=', '<'),
    looser: fc.array(fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 1000n })), { maxLength: 3 }),
    filter: fc.boolean(),
    style: fc.constantFrom('no-from', 'from', 'alias'),
    comment: fc.constantFrom('none', 'before', 'after', 'inside'),
    order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
    parens: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
    wrapAll: fc.boolean(),
    newline: fc.boolean(),
  })
  .map((g) => {
    const to = g.from + (g.lowerStyle === 'eq' ? 0n : g.length);
    const [t, c] = g.style === 'alias' ? ['tgt', 'chg'] : [quoteQualified(g.target), quoteQualified(g.changes)];
    const tc = (col: string) => `${t}.${quoteIdent(col)}`;
    const cc = (col: string) => `${c}.${quoteIdent(col)}`;
    const keyPairs = g.keys.map((k, i) => ({ targetColumn: k, changesColumn: `seg${i + 1}` }));
    const conjuncts = keyPairs.map((k, i) => {
      const cast = g.keyCasts[i];
      const side = cast ? `CAST(${cc(k.changesColumn)} AS ${cast})` : cc(k.changesColumn);
      return i % 2 === 0 ? `${tc(k.targetColumn)} = ${side}` : `${side} = ${tc(k.targetColumn)}`;
    });
    const seq = cc('seq');
    if (g.lowerStyle === 'between') conjuncts.push(`${seq} BETWEEN ${g.from} AND ${to}`);
    else if (g.lowerStyle === 'eq') conjuncts.push(`${seq} = ${g.from}`);
    else conjuncts.push(g.lowerStyle === '>=' ? `${seq} >= ${g.from}` : `${seq} > ${g.from - 1n}`);
    if (g.lowerStyle !== 'between' && g.lowerStyle !== 'eq')
      conjuncts.push(g.upperStyle === '<=' ? `${seq} <= ${to}` : `${seq} < ${to + 1n}`);
    for (const [low, d] of g.looser) conjuncts.push(low ? `${seq} >= ${g.from - d}` : `${seq} <= ${to + d}`);
    const filters = g.filter ? [{ changesColumn: 'op', value: 'U' }] : [];
    if (g.filter) conjuncts.push(`${cc('op')} = 'U'`);
    const shuffled = conjuncts
      .map((x, i) => ({ x, k: g.order[i % g.order.length]! * 100 + i }))
      .sort((a, b) => a.k - b.k)
      .map((e, i) => (g.parens[i % g.parens.length] ? `(${e.x})` : e.x));
    const set = g.setColumns
      .map(([col, type, caseForm], i) =>
        caseForm
          ? `${quoteIdent(col)} = CASE WHEN ${cc(`col${i + 1}`)} IS NULL THEN ${tc(col)} ELSE CAST(${cc(`col${i + 1}`)} AS ${type}) END`
          : `${quoteIdent(col)} = CAST(${cc(`col${i + 1}`)} AS ${type})`,
      )
      .join(', ');
    const nl = g.newline ? '\n' : ' ';
    const verb =
      g.comment === 'before'
        ? '/* DMS 3.5.3 */ UPDATE'
        : g.comment === 'after'
          ? 'UPDATE /* partner:DMS 3.5.3 */'
          : 'UPDATE';
    const head =
      g.style === 'alias'
        ? `${verb} ${quoteQualified(g.target)} AS tgt${nl}SET ${set}${nl}FROM ${quoteQualified(g.changes)} chg`
        : g.style === 'from'
          ? `${verb} ${quoteQualified(g.target)}${nl}SET ${set}${nl}FROM ${quoteQualified(g.changes)}`
          : `${verb} ${quoteQualified(g.target)} SET ${set}`;
    const withConjuncts = (cs: string[]) => {
      const joined = cs.join(`${nl}AND${g.comment === 'inside' ? ' /* AND OR ( */' : ''} `);
      return `${head}${nl}WHERE ${g.wrapAll ? `(${joined})` : joined}`;
    };
    return {
      text: withConjuncts(shuffled),
      conjuncts: shuffled,
      target: g.target,
      changes: g.changes,
      from: g.from,
      to,
      keyPairs,
      filters,
      withConjuncts,
    };
  });

const sortPairs = (p: { targetColumn: string; changesColumn: string }[]) =>
  [...p].sort((a, b) => a.changesColumn.localeCompare(b.changesColumn));

/** Conditions DMS does not write, each given the target and changes references of the statement. */
const unknownConjunct = fc.tuple(
  fc.constantFrom<(t: string, c: string, n: bigint) => string>(
    (_t, c) => `${c}."op" IN ('U')`,
    (_t, c) => `${c}."op" IS NULL`,
    (_t, c) => `${c}."op" IS NOT NULL`,
    (_t, c) => `NOT (${c}."op" = 'D')`,
    (_t, c, n) => `(${c}."seq" >= ${n} OR ${c}."seq" <= ${n})`,
    (_t, c) => `${c}."op" = 'U' OR TRUE`,
    (t, _c, n) => `${t}."amount" = ${n}`,
    (t) => `${t}."amount" IS NOT NULL`,
    (t, c) => `${t}."other" < ${c}."col9"`,
    (_t, c) => `lower(${c}."op") = 'u'`,
    (_t, c, n) => `${c}."seq" <> ${n}`,
    (_t, c) => `${c}."op" LIKE 'U%'`,
    (_t, c) => `"elsewhere"."tbl"."k" = ${c}."seg1"`,
    (_t, c) => `${c}."seq" <= (SELECT 1)`,
    (_t, c) => `${c}."seq" <= 1e3`,
    (_t, c) => `${c}."seq" >= 5.0`,
    (_t, c, n) => `${c}."seq" + 1 >= ${n}`,
    (_t, c, n) => `${c}."seg9" >= ${n}`,
    (_t, c) => `${c}."op" = '***'`,
    (t) => `${t}."a" = ${t}."b"`,
    (_t, c) => `${c}."seg1" = ${c}."seg2"`,
    () => `TRUE`,
    () => `1 = 1`,
    (_t, c, n) => `${c}."seq" NOT BETWEEN ${n} AND ${n}`,
    (_t, c, n) => `CAST(${c}."seq" AS VARCHAR(20)) >= '${n}'`,
    (_t, c) => `${c}."seq" >= +1`,
    (_t, c) => `EXISTS (SELECT 1 FROM ${c})`,
    (_t, c) => `"seq" >= 1 AND ${c}."seq" <= 9223372036854775807`,
  ),
  fc.bigInt({ min: 0n, max: 10_000n }),
);

describe('parseApplyUpdate properties', () => {
  it('reads back the seq range, key pairs and filters of every generated DMS-shaped statement', () => {
    fc.assert(
      fc.property(statement, (g) => {
        const p = parseApplyUpdate(g.text);
        expect(p.targetTable).toEqual(g.target);
        expect(p.changesTable).toEqual(g.changes);
        expect([p.seqColumn, p.seqFrom, p.seqTo]).toEqual(['seq', g.from, g.to]);
        expect(sortPairs(p.keyPairs)).toEqual(sortPairs(g.keyPairs));
        expect(p.filters).toEqual(g.filters);
      }),
      { numRuns: 300 },
    );
  });

  it('reads back what the simulator writes', () => {
    fc.assert(
      fc.property(
        qualified,
        changesName,
        fc.uniqueArray(name, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.constantFrom('no-from' as const, 'from' as const),
        fc.option(fc.constantFrom('DMS 3.5.3', 'DMS 3.6.1'), { nil: undefined }),
        (target, changes, columns, from, length, shape, versionComment) => {
          const t = {
            target,
            columns: columns.map((c) => ({ name: c, castType: 'VARCHAR(65535)' })),
            keyColumns: [columns[0]!],
          };
          const p = parseApplyUpdate(bulkUpdate(t, changes, from, from + length, { shape, versionComment }).recorded);
          expect([p.targetTable, p.changesTable, p.seqFrom, p.seqTo]).toEqual([
            target,
            changes,
            BigInt(from),
            BigInt(from + length),
          ]);
          expect(p.keyPairs).toEqual([{ targetColumn: columns[0], changesColumn: 'seg1' }]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses every generated statement with one extra condition it does not understand, wherever it stands', () => {
    fc.assert(
      fc.property(statement, unknownConjunct, fc.nat(), fc.boolean(), (g, [make, n], at, parens) => {
        const [t, c] = g.text.includes(' AS tgt')
          ? ['tgt', 'chg']
          : [quoteQualified(g.target), quoteQualified(g.changes)];
        const extra = make(t, c, n);
        const cs = [...g.conjuncts];
        cs.splice(at % (cs.length + 1), 0, parens ? `(${extra})` : extra);
        const r = judgeApplyUpdate(g.withConjuncts(cs));
        expect(r.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('rebuilds every statement from its 200-character STL_QUERYTEXT pieces, padded or trimmed by the driver', () => {
    fc.assert(
      fc.property(statement, fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), (g, trims) => {
        const stored = g.text.replace(/\n/g, '\\n');
        const pieces = Array.from({ length: Math.ceil(stored.length / 200) }, (_v, i) =>
          stored.slice(i * 200, i * 200 + 200),
        );
        const read = pieces.map((p, i) => (trims[i % trims.length] ? p.trimEnd() : p));
        expect(joinQueryTextPieces(read)).toBe(g.text);
        expect(parseApplyUpdate(joinQueryTextPieces(read))).toEqual(parseApplyUpdate(g.text));
      }),
      { numRuns: 200 },
    );
  });

  it('answers random mutations of a statement with a parse or the typed refusal, never another error', () => {
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 6 }),
      insert: fc.string({
        unit: fc.constantFrom(
          '(',
          ')',
          "'",
          '"',
          '/*',
          '*/',
          '--',
          ';',
          '=',
          '<',
          '>',
          ' AND ',
          ' OR ',
          'NOT ',
          '1',
          'e',
          '.',
          '-',
          '+',
          '$',
          '::',
          ' ',
        ),
        maxLength: 4,
      }),
    });
    fc.assert(
      fc.property(statement, fc.array(edit, { minLength: 1, maxLength: 5 }), (g, edits) => {
        let text = g.text;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        const r = judgeApplyUpdate(text);
        if (!r.ok) {
          expect(r.refusal.reason.length).toBeGreaterThan(0);
          expect(() => parseApplyUpdate(text)).toThrow(StatementParseError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
