import { describe, expect, it } from 'vitest';
import {
  explainJson,
  joinQueryTextPieces,
  judgeApplyUpdate,
  MAX_STATEMENT_BYTES,
  parseApplyUpdate,
  StatementParseError,
} from '../../lib/dms/apply-update.js';
import { bulkUpdate } from '../../sim/dms/statements.js';

const CT = '"dms"."awsdms_changes00000000000a1b2"';
const T = '"public"."t"';
const table = {
  target: { schema: 'public', name: 'rental' },
  columns: [
    { name: 'rental_id', castType: 'INTEGER' },
    { name: 'rental_date', castType: 'TIMESTAMPTZ' },
    { name: 'return_date', castType: 'TIMESTAMPTZ' },
  ],
  keyColumns: ['rental_id'],
};
const changes = { schema: 'dms', name: 'awsdms_changes00000000000a1b2' };
/** A DMS-shaped UPDATE of "public"."t" keyed on id, with the given extra WHERE text. */
const upd = (where: string, head = 'UPDATE') =>
  `${head} ${T} SET "c" = CAST(${CT}."col1" AS VARCHAR(10)) WHERE ${T}."id" = CAST(${CT}."seg1" AS INTEGER) AND ${where}`;
const range = `${CT}."seq" >= 5 AND ${CT}."seq" <= 10`;

function reason(text: string): string {
  const r = judgeApplyUpdate(text);
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(explainJson(r.update))}`);
  expect(() => parseApplyUpdate(text)).toThrow(StatementParseError);
  return `${r.refusal.reason} | ${r.refusal.fragment ?? ''}`;
}

describe('parseApplyUpdate: the forms it accepts', () => {
  const accepted: [string, string, Record<string, unknown>][] = [
    [
      'the shape without FROM, as Redshift logs it',
      bulkUpdate(table, changes, 101, 140, { shape: 'no-from' }).recorded,
      {
        targetTable: { schema: 'public', name: 'rental' },
        changesTable: changes,
        seqColumn: 'seq',
        seqFrom: 101,
        seqTo: 140,
        keyPairs: [{ targetColumn: 'rental_id', changesColumn: 'seg1' }],
        filters: [],
      },
    ],
    [
      'the multi-line shape with FROM and a version comment before the verb',
      bulkUpdate(table, changes, 7, 7, { shape: 'from', versionComment: 'DMS 3.5.3' }).recorded,
      { seqFrom: 7, seqTo: 7, comment: 'DMS 3.5.3', keyPairs: [{ targetColumn: 'rental_id', changesColumn: 'seg1' }] },
    ],
    [
      'a DMS comment after the verb',
      upd(range, 'UPDATE /* partner:DMS 3.5.3 id:abc */'),
      { seqFrom: 5, seqTo: 10, comment: 'partner:DMS 3.5.3 id:abc', targetTable: { schema: 'public', name: 't' } },
    ],
    [
      'comments anywhere, holding quotes, AND and OR',
      `UPDATE ${T} /* a */ SET "c" = /* b */ ${CT}."col1" WHERE /* OR 1 = 1 */ ${T}."id" = CAST(/* ' */ ${CT}."seg1" AS INT) ` +
        `AND ${CT}."seq" /* AND x IN (1) */ >= 5 AND ${CT}."seq" <= 10 /* "unterminated */`,
      { seqFrom: 5, seqTo: 10, conditions: 3, comment: 'a' },
    ],
    [
      'repeated bounds: their intersection',
      upd(`${range} AND ${CT}."seq" <= 100000 AND ${CT}."seq" >= 1`),
      { seqFrom: 5, seqTo: 10, conditions: 5 },
    ],
    ['strict bounds', upd(`${CT}."seq" > 4 AND ${CT}."seq" < 11 AND ${CT}."seq" < 9`), { seqFrom: 5, seqTo: 8 }],
    ['an equality on seq', upd(`${CT}."seq" = 42`), { seqColumn: 'seq', seqFrom: 42, seqTo: 42 }],
    [
      'BETWEEN, with another bound',
      upd(`${CT}."seq" BETWEEN 3 AND 30 AND ${CT}."seq" >= 12`),
      { seqFrom: 12, seqTo: 30 },
    ],
    ['a one-row range', upd(`${CT}."seq" >= 9 AND ${CT}."seq" < 10`), { seqFrom: 9, seqTo: 9 }],
    [
      'bounds at the ends of BIGINT, negative included',
      upd(`${CT}."seq" >= -9223372036854775808 AND ${CT}."seq" <= 9223372036854775807`),
      { seqFrom: '-9223372036854775808', seqTo: '9223372036854775807' },
    ],
    [
      'parenthesised conjunctions and conjuncts',
      `UPDATE ${T} SET "c" = ${CT}."col1" WHERE ((${T}."id" = ${CT}."seg1") AND ((${CT}."seq" >= 5) AND (${CT}."seq" <= 10)));`,
      { seqFrom: 5, seqTo: 10, conditions: 3 },
    ],
    [
      'an operation filter (it narrows: the fixer applies it too) and an integer filter',
      upd(`${range} AND ${CT}."op" = 'U' AND ${CT}."part" = 3 AND ${CT}."op" = 'U'`),
      {
        filters: [
          { changesColumn: 'op', value: 'U' },
          { changesColumn: 'part', value: '3' },
        ],
      },
    ],
    [
      'the CASE … IS NULL form of the SET list, and an uncast key',
      `UPDATE ${T} SET "c1" = CASE WHEN ${CT}."col1" IS NULL THEN ${T}."c1" ELSE CAST(${CT}."col1" AS VARCHAR(100)) END, ` +
        `"c2" = CASE WHEN ${CT}."col2" IS NULL THEN ${T}."c2" ELSE CAST(${CT}."col2" AS NUMERIC(10,2)) END ` +
        `WHERE ${T}."id" = ${CT}."seg1" AND ${range}`,
      { seqFrom: 5, seqTo: 10, keyPairs: [{ targetColumn: 'id', changesColumn: 'seg1' }] },
    ],
    [
      'aliases, ::casts, reversed sides and a composite key',
      `update sales.orders o set amount = c.col3::numeric from dms.awsdms_changes_x c
        where c.seg2::int = o.line_no and o.order_id = cast(c.seg1 as bigint) and 9 >= c.seq and c.seq >= 5;`,
      {
        targetTable: { schema: 'sales', name: 'orders' },
        changesTable: { schema: 'dms', name: 'awsdms_changes_x' },
        seqFrom: 5,
        seqTo: 9,
        keyPairs: [
          { targetColumn: 'line_no', changesColumn: 'seg2' },
          { targetColumn: 'order_id', changesColumn: 'seg1' },
        ],
      },
    ],
    [
      'casts to multi-word and parameterised types',
      `UPDATE ${T} SET "c" = ${CT}."col1" WHERE ${T}."id" = CAST(${CT}."seg1" AS TIMESTAMP WITHOUT TIME ZONE) ` +
        `AND ${T}."n" = CAST(${CT}."seg2" AS NUMERIC(38, 4)) AND ${T}."v" = ${CT}."seg3"::CHARACTER VARYING(20) AND ${range}`,
      { keyPairs: [{ targetColumn: 'id' }, { targetColumn: 'n' }, { targetColumn: 'v' }] },
    ],
  ];
  it.each(accepted)('%s', (_name, text, expected) => {
    expect(explainJson(parseApplyUpdate(text))).toMatchObject(expected);
  });

  it('keeps quoted identifiers exact: "" doubling, dots, non-ASCII letters', () => {
    const ct = '"dms.ctl"."awsdms_changesÄ"';
    const text =
      `UPDATE "my.schema"."tä""ble" SET "ñame" = ${ct}."col2" ` +
      `WHERE "my.schema"."tä""ble"."ïd" = CAST(${ct}."seg1" AS INTEGER) AND ${ct}."seq" >= 1 AND ${ct}."seq" <= 2`;
    const p = parseApplyUpdate(text);
    expect(p.targetTable).toEqual({ schema: 'my.schema', name: 'tä"ble' });
    expect(p.changesTable).toEqual({ schema: 'dms.ctl', name: 'awsdms_changesÄ' });
    expect(p.keyPairs).toEqual([{ targetColumn: 'ïd', changesColumn: 'seg1' }]);
    expect([p.seqFrom, p.seqTo]).toEqual([1n, 2n]);
  });

  it('reads a statement of almost 1 MB (thousands of SET columns)', () => {
    const wide = {
      ...table,
      columns: Array.from({ length: 9000 }, (_v, i) => ({ name: `column_${i}`, castType: 'VARCHAR(65535)' })),
    };
    wide.keyColumns = ['column_0'];
    const { recorded } = bulkUpdate(wide, changes, 1, 99, { shape: 'no-from' });
    expect(recorded.length).toBeGreaterThan(700_000);
    expect(recorded.length).toBeLessThan(MAX_STATEMENT_BYTES);
    expect(parseApplyUpdate(recorded)).toMatchObject({ seqFrom: 1n, seqTo: 99n });
  });
});

describe('parseApplyUpdate: what it refuses, naming the fragment', () => {
  const refused: [string, string, RegExp][] = [
    ['not an UPDATE', 'SELECT 1', /does not start with UPDATE/],
    [
      'a DELETE',
      `DELETE FROM ${T} USING ${CT} WHERE ${T}."id" = ${CT}."seg1" AND ${range}`,
      /does not start with UPDATE/,
    ],
    ['OR', upd(`${range} OR 1 = 1`), /the WHERE clause has an OR at its top level/],
    [
      'OR inside parentheses',
      upd(`(${CT}."seq" >= 5 OR ${CT}."seq" <= 10) AND ${range}`),
      /has an OR inside parentheses/,
    ],
    [
      'NOT',
      upd(`${range} AND NOT (${CT}."op" = 'D')`),
      /a NOT in the WHERE clause .* \| NOT \("dms"\."awsdms_changes00000000000a1b2"\."op" = 'D'\)$/,
    ],
    [
      'NOT BETWEEN',
      upd(`${CT}."seq" NOT BETWEEN 1 AND 4 AND ${range}`),
      /a NOT BETWEEN is not understood \| "dms".*NOT BETWEEN 1 AND 4/,
    ],
    [
      'IN',
      upd(`${range} AND ${CT}."op" IN ('U')`),
      /not a comparison .* \| "dms"\."awsdms_changes00000000000a1b2"\."op" IN \('U'\)/,
    ],
    ['IS NULL on op', upd(`${range} AND ${CT}."op" IS NULL`), /not a comparison .*IS NULL/],
    ['LIKE', upd(`${range} AND ${CT}."op" LIKE 'U%'`), /not a comparison/],
    ['<>', upd(`${range} AND ${CT}."op" <> 'D'`), /not a comparison/],
    ['a function', upd(`${range} AND lower(${CT}."op") = 'u'`), /only column references/],
    ['arithmetic', upd(`${range} AND ${CT}."seq" + 0 <= 10`), /the operator \+ is not understood/],
    ['a subquery', upd(`${range} AND ${CT}."seq" <= (SELECT max(seq) FROM ${CT})`), /a subquery/],
    ['a condition on another target column', upd(`${range} AND ${T}."amount" = 5`), /on a target column/],
    ['IS NOT NULL on the target', upd(`${range} AND ${T}."amount" IS NOT NULL`), /not a comparison/],
    ['two target columns', upd(`${range} AND ${T}."a" = ${T}."b"`), /two columns of the target/],
    ['two changes columns', upd(`${range} AND ${CT}."seg2" = ${CT}."seg3"`), /two columns of the changes/],
    ['a key pair with <', upd(`${range} AND ${T}."b" < ${CT}."seg2"`), /only = pairs a key/],
    ['two constants', upd(`${range} AND 1 = 1`), /two constants/],
    [
      'another table in WHERE',
      upd(`${range} AND "x"."y"."z" = ${CT}."seg2"`),
      /neither the target nor the changes table \| "x"\."y"\."z"/,
    ],
    ['another table by name', upd(`${range} AND y.z = ${CT}."seg2"`), /a reference to y, which is neither/],
    [
      'another table in FROM',
      `UPDATE ${T} SET "c" = 1 FROM ${CT}, "s"."other" WHERE ${T}."id" = ${CT}."seg1" AND ${range}`,
      /FROM names more than one table/,
    ],
    [
      'a JOIN in FROM',
      `UPDATE ${T} SET "c" = 1 FROM ${CT} JOIN "s"."o" ON true WHERE ${T}."id" = ${CT}."seg1" AND ${range}`,
      /expected WHERE/,
    ],
    [
      'a second changes table',
      upd(`${range} AND "dms"."awsdms_changes_other"."seq" = 1`),
      /two changes tables \(dms\.awsdms_changes00000000000a1b2 and dms\.awsdms_changes_other\)/,
    ],
    [
      'a third table in the SET list',
      `UPDATE ${T} SET "c" = "s"."o"."x" WHERE ${T}."id" = ${CT}."seg1" AND ${range}`,
      /neither the target/,
    ],
    ['an unqualified column', upd(`"seq" >= 1 AND ${range}`), /a name without its table/],
    [
      'an unqualified target',
      `UPDATE "t" SET "c" = ${CT}."col1" WHERE "t"."id" = ${CT}."seg1" AND ${range}`,
      /not schema-qualified/,
    ],
    [
      'an alias and the table name',
      `UPDATE ${T} x SET "c" = 1 WHERE ${T}."id" = ${CT}."seg1" AND ${range}`,
      /although it has an alias/,
    ],
    ['no changes table', `UPDATE ${T} SET "c" = 1 WHERE ${T}."id" = 3`, /no schema-qualified awsdms_changes table/],
    ['no key pair', `UPDATE ${T} SET "c" = ${CT}."col1" WHERE ${range}`, /no key pair/],
    ['a key paired twice', upd(`${range} AND ${T}."id" = ${CT}."seg2"`), /target column id is paired twice/],
    ['an empty range', upd(`${range} AND ${CT}."seq" > 10`), /seq range on seq is empty \(11–10\)/],
    ['an empty range between strict bounds', upd(`${CT}."seq" > 5 AND ${CT}."seq" < 6`), /is empty \(6–5\)/],
    ['no upper bound', upd(`${CT}."seq" >= 5`), /has no upper bound/],
    ['no seq condition', upd(`${CT}."op" = 'U'`), /no seq range/],
    [
      'ranges on two columns',
      upd(`${range} AND ${CT}."seg2" >= 3`),
      /range conditions on two changes columns \(seq, seg2\)/,
    ],
    ['a cast on seq', upd(`CAST(${CT}."seq" AS VARCHAR(20)) >= 5 AND ${range}`), /on a cast column/],
    ['an exponent', upd(`${range} AND ${CT}."seq" <= 1e5`), /the number 1e5 is not a plain integer literal/],
    ['a decimal', upd(`${range} AND ${CT}."seq" <= 10.0`), /10\.0 is not a plain integer/],
    ['a hexadecimal', upd(`${range} AND ${CT}."seq" <= 0x10`), /only column references/],
    ['a leading plus', upd(`${range} AND ${CT}."seq" <= +10`), /the operator \+/],
    ['a detached minus', upd(`${range} AND ${CT}."seq" >= - 10`), /the operator -/],
    ['a double minus (a line comment)', upd(`${range} AND ${CT}."seq" >= --10\n 1`), /a -- line comment/],
    ['leading zeros', upd(`${range} AND ${CT}."seq" <= 010`), /010 is not a plain integer/],
    ['past BIGINT', upd(`${range} AND ${CT}."seq" <= 9223372036854775808`), /outside the BIGINT range/],
    ['a quoted number', upd(`${range} AND ${CT}."seq" <= '10'`), /a comparison <= with a string/],
    ['a BETWEEN of strings', upd(`${CT}."seq" BETWEEN '1' AND '9'`), /bounds that are not integer literals/],
    ['the redacted literal', upd(`${range} AND ${CT}."op" = '***'AND ${CT}."seq" >= 1`), /redacted value/],
    [
      'two filters that disagree',
      upd(`${range} AND ${CT}."op" = 'U' AND ${CT}."op" = 'I'`),
      /two filters on op disagree/,
    ],
    ['a nested comment', upd(`${range} /* a /* b */ AND ${CT}."op" = 'U' */`), /a nested \/\* comment/],
    ['a second statement', `${upd(range)}; DELETE FROM ${T}`, /more than one statement/],
    ['an unclosed parenthesis', upd(`(${range}`), /parenthesis\(es\) never closed/],
    ['a stray closing parenthesis', upd(`${range})`), /a closing parenthesis without its opening one/],
    ['an empty condition', upd(`${range} AND AND ${CT}."op" = 'U'`), /an empty condition/],
    ['a trailing AND', upd(`${range} AND`), /an empty condition/],
    [
      'nesting past 64 levels',
      upd(`${'('.repeat(65)}${range}${')'.repeat(65)}`),
      /^parentheses nested deeper than 64 levels \| \("dms"/,
    ],
    ['an E string', upd(`${range} AND ${CT}."op" = E'U'`), /only plain quoted string literals/],
    [
      'over 1 MB',
      upd(`${range} AND ${CT}."op" = '${'x'.repeat(MAX_STATEMENT_BYTES)}'`),
      /over the limit of 1048576 bytes/,
    ],
    [
      'over 1 MB in UTF-8 bytes',
      upd(`${range} AND ${CT}."op" = '${'é'.repeat(MAX_STATEMENT_BYTES / 2)}'`),
      /bytes, over the limit/,
    ],
    [
      'an unterminated string',
      upd(`${range} AND ${CT}."op" = 'U`),
      /ends inside a token; .*rebuild the full text from STL_QUERYTEXT/,
    ],
  ];
  it.each(refused)('%s', (_name, text, expected) => {
    expect(reason(text)).toMatch(expected);
  });

  it('nests up to 64 levels', () => {
    expect(parseApplyUpdate(upd(`${'('.repeat(63)}${range}${')'.repeat(63)}`)).seqTo).toBe(10n);
  });

  it('cuts the fragment to 120 characters, from the statement text only', () => {
    const r = judgeApplyUpdate(upd(`${range} AND ${CT}."op" IN ('${'v'.repeat(500)}')`));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.refusal.fragment).toMatch(/^"dms"\."awsdms_changes00000000000a1b2"\."op" IN \('v+…$/);
    expect(r.refusal.fragment!.length).toBe(121);
  });

  it('tells to rebuild from stl_querytext when the text was cut at 4000 characters', () => {
    const { recorded } = bulkUpdate(
      {
        ...table,
        columns: Array.from({ length: 60 }, (_v, i) => ({ name: `column_${i}`, castType: 'VARCHAR(65535)' })),
      },
      changes,
      1,
      99,
      { shape: 'no-from' },
    );
    expect(recorded.length).toBeGreaterThan(4000);
    expect(reason(recorded.slice(0, 4000))).toMatch(/cut off .*rebuild the full text from STL_QUERYTEXT/);
    expect(reason(`${recorded.slice(0, recorded.lastIndexOf('<='))}<=`)).toMatch(/a comparison with a missing side/);
    expect(parseApplyUpdate(recorded).seqTo).toBe(99n);
  });
});

describe('joinQueryTextPieces', () => {
  it('keeps spaces at piece boundaries, trims only the last piece, restores newlines', () => {
    const text = 'UPDATE x SET a = 1' + ' '.repeat(190) + '\\nWHERE b = 2   ';
    const pieces = [text.slice(0, 200), text.slice(200)];
    expect(joinQueryTextPieces(pieces)).toBe('UPDATE x SET a = 1' + ' '.repeat(190) + '\nWHERE b = 2');
    // A driver that trimmed the padding of a full piece: padded back to 200.
    expect(joinQueryTextPieces([pieces[0]!.trimEnd(), pieces[1]!])).toBe(joinQueryTextPieces(pieces));
  });

  it('rebuilds a statement whose pieces end in blanks to the same parse', () => {
    const original = upd(`${range} AND ${CT}."op" = 'U'`);
    // Pad so that a piece boundary falls right after the "AS " of the key's CAST.
    const at = original.indexOf(' AS INTEGER') + 4;
    const text = `${original.slice(0, at)}${' '.repeat(200 - (at % 200))}${original.slice(at)}`;
    const stored = Array.from({ length: Math.ceil(text.length / 200) }, (_v, i) => text.slice(i * 200, i * 200 + 200));
    expect(stored.slice(0, -1).some((p) => p.endsWith(' '))).toBe(true);
    const rtrimmed = joinQueryTextPieces(stored.map((p) => p.trimEnd()));
    expect(parseApplyUpdate(rtrimmed)).toEqual(parseApplyUpdate(original));
    // AWS's LISTAGG(RTRIM(text)) recipe glues the pieces: "ASINTEGER" is no longer a cast.
    expect(reason(stored.map((p) => p.trimEnd()).join(''))).toMatch(/a CAST without AS/);
  });
});
