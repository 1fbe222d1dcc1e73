import { describe, expect, it } from 'vitest';
import { explainJson, joinQueryTextPieces, parseApplyUpdate, StatementParseError } from '../../lib/dms/apply-update.js';
import { bulkUpdate } from '../../sim/dms/statements.js';

const CT = '"dms"."awsdms_changes00000000000a1b2"';
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

function reason(text: string): string {
  try {
    parseApplyUpdate(text);
  } catch (err) {
    expect(err).toBeInstanceOf(StatementParseError);
    return (err as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('parseApplyUpdate', () => {
  it('reads the shape without FROM (as Redshift logs it)', () => {
    const { recorded } = bulkUpdate(table, changes, 101, 140, { shape: 'no-from' });
    expect(explainJson(parseApplyUpdate(recorded))).toMatchObject({
      targetTable: { schema: 'public', name: 'rental' },
      changesTable: changes,
      seqColumn: 'seq',
      seqFrom: 101,
      seqTo: 140,
      keyPairs: [{ targetColumn: 'rental_id', changesColumn: 'seg1' }],
      filters: [],
    });
  });

  it('reads the multi-line shape with FROM and a version comment', () => {
    const { recorded } = bulkUpdate(table, changes, 7, 7, { shape: 'from', versionComment: 'DMS 3.5.3' });
    const p = parseApplyUpdate(recorded);
    expect(p).toMatchObject({
      seqFrom: 7n,
      seqTo: 7n,
      comment: 'DMS 3.5.3',
      keyPairs: [{ targetColumn: 'rental_id', changesColumn: 'seg1' }],
    });
  });

  it('reads the CASE … IS NULL form DataHub describes, with an uncast key', () => {
    const text =
      `UPDATE "public"."t" SET ` +
      `"c1" = CASE WHEN ${CT}."col1" IS NULL THEN "public"."t"."c1" ELSE CAST(${CT}."col1" AS VARCHAR(100)) END, ` +
      `"c2" = CASE WHEN ${CT}."col2" IS NULL THEN "public"."t"."c2" ELSE CAST(${CT}."col2" AS NUMERIC(10,2)) END ` +
      `WHERE "public"."t"."id" = ${CT}."seg1" AND ${CT}."seq" >= 10 AND ${CT}."seq" <= 20`;
    expect(explainJson(parseApplyUpdate(text))).toMatchObject({
      targetTable: { schema: 'public', name: 't' },
      seqFrom: 10,
      seqTo: 20,
      keyPairs: [{ targetColumn: 'id', changesColumn: 'seg1' }],
    });
  });

  it('reads aliases, BETWEEN, ::casts, reversed sides, a composite key and a filter', () => {
    const text = `update sales.orders o set amount = c.col3::numeric from dms.awsdms_changes_x c
      where c.seg2::int = o.line_no and o.order_id = cast(c.seg1 as bigint) and c.seq between 5 and 9 and c.op = 'U' and o.amount is not null;`;
    const p = parseApplyUpdate(text);
    expect(explainJson(p)).toMatchObject({
      targetTable: { schema: 'sales', name: 'orders' },
      changesTable: { schema: 'dms', name: 'awsdms_changes_x' },
      seqColumn: 'seq',
      seqFrom: 5,
      seqTo: 9,
      keyPairs: [
        { targetColumn: 'line_no', changesColumn: 'seg2' },
        { targetColumn: 'order_id', changesColumn: 'seg1' },
      ],
      filters: [{ changesColumn: 'op', value: 'U' }],
      ignored: ['o . amount is not null'],
    });
  });

  it('copes with strict bounds and a redacted literal glued to the next token', () => {
    const text =
      `UPDATE "public"."t" SET "c" = ${CT}."col1" WHERE "public"."t"."id" = ${CT}."seg1" ` +
      `AND ${CT}."op" = '***'AND ${CT}."seq" > 9 AND ${CT}."seq" < 21`;
    const p = parseApplyUpdate(text);
    expect([p.seqFrom, p.seqTo]).toEqual([10n, 20n]);
    expect(p.filters).toEqual([]);
    expect(p.warnings[0]).toMatch(/redacted/);
  });

  it('keeps identifiers with quotes, dots and non-ASCII letters exact', () => {
    const ct = '"dms.ctl"."awsdms_changesÄ"';
    const text =
      `UPDATE "my.schema"."tä""ble" SET "ñame" = ${ct}."col2" ` +
      `WHERE "my.schema"."tä""ble"."ïd" = CAST(${ct}."seg1" AS INTEGER) AND ${ct}."seq" >= 1 AND ${ct}."seq" <= 2`;
    const p = parseApplyUpdate(text);
    expect(p.targetTable).toEqual({ schema: 'my.schema', name: 'tä"ble' });
    expect(p.changesTable).toEqual({ schema: 'dms.ctl', name: 'awsdms_changesÄ' });
    expect(p.keyPairs).toEqual([{ targetColumn: 'ïd', changesColumn: 'seg1' }]);
  });

  it('refuses what is not a complete DMS apply UPDATE, saying why', () => {
    expect(reason('SELECT 1')).toMatch(/does not start with UPDATE/);
    expect(reason(`UPDATE "public"."t" SET "c" = 1 WHERE "public"."t"."id" = 3`)).toMatch(
      /references no awsdms_changes table/,
    );
    expect(
      reason(
        `UPDATE "public"."t" SET "c" = ${CT}."col1" WHERE "public"."t"."id" = ${CT}."seg1" AND ${CT}."seq" >= 1 OR 1 = 1`,
      ),
    ).toMatch(/OR at its top level/);
    expect(
      reason(
        `UPDATE "public"."t" SET "c" = ${CT}."col1" WHERE "id" = ${CT}."seg1" AND ${CT}."seq" >= 1 AND ${CT}."seq" <= 2`,
      ),
    ).toMatch(/unqualified column "id"/);
    expect(
      reason(
        `UPDATE "public"."t" SET "c" = 1 FROM ${CT}, "dms"."awsdms_changes_other" ` +
          `WHERE "public"."t"."id" = ${CT}."seg1" AND ${CT}."seq" >= 1 AND ${CT}."seq" <= 2 ` +
          `AND "dms"."awsdms_changes_other"."seq" = 1`,
      ),
    ).toMatch(/several changes tables/);
    expect(reason(`UPDATE "public"."t" SET "c" = ${CT}."col1" WHERE ${CT}."seq" >= 1 AND ${CT}."seq" <= 2`)).toMatch(
      /no key pair/,
    );
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
    const cut = recorded.slice(0, 4000);
    expect(reason(cut)).toMatch(/cut off .*rebuild the full text from STL_QUERYTEXT/);
    const cutAtBound = `${recorded.slice(0, recorded.lastIndexOf('<='))}<=`;
    expect(reason(cutAtBound)).toMatch(/the seq range on seq has no upper bound/);
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
});
