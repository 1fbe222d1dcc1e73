import { describe, expect, it } from 'vitest';
import { parseExceptionStatement } from '../../lib/dms/apply-exceptions.js';

const UPDATE =
  `UPDATE "public"."rental" SET "rental_id" = 16051, "rental_date" = '2026-06-01 08:00:03', "return_date" = '2026-06-01 09:00:06' ` +
  `WHERE "rental_id" = 16051`;

describe('apply-exceptions statements (fail closed)', () => {
  it('reads the key of a single-row UPDATE or DELETE as DMS logs it', () => {
    expect(parseExceptionStatement(UPDATE, ['rental_id'])).toEqual({
      verb: 'UPDATE',
      table: { schema: 'public', name: 'rental' },
      key: ['16051'],
    });
    expect(parseExceptionStatement(`DELETE FROM "s"."t" WHERE "b" = 'x''y\\\\z' AND "a" = 7;`, ['a', 'b'])).toEqual({
      verb: 'DELETE',
      table: { schema: 's', name: 't' },
      key: ['7', "x'y\\z"],
    });
    expect(
      parseExceptionStatement(`UPDATE "s"."t" SET "v" = (CASE WHEN 1 = 1 THEN 'where' END) WHERE "k" = 'a '`, ['k'])
        .key,
    ).toEqual(['a ']);
  });

  const refused: [string, string, RegExp][] = [
    ['an OR', `UPDATE "s"."t" SET "v" = 1 WHERE "k" = 1 OR "k" = 2`, /anything but AND/],
    ['a NOT', `UPDATE "s"."t" SET "v" = 1 WHERE NOT ("k" = 1)`, /not "column" = literal/],
    ['an IN list', `UPDATE "s"."t" SET "v" = 1 WHERE "k" IN (1, 2)`, /not "column" = literal/],
    ['a function', `UPDATE "s"."t" SET "v" = 1 WHERE "k" = abs(1)`, /not a number or string literal/],
    ['a negative number', `UPDATE "s"."t" SET "v" = 1 WHERE "k" = -1`, /not a number or string literal/],
    ['an exponent', `UPDATE "s"."t" SET "v" = 1 WHERE "k" = 1e3`, /numeric literal 1e3/],
    ['a column that is not the key', `UPDATE "s"."t" SET "v" = 1 WHERE "other" = 1`, /not exactly the primary key/],
    ['a key and more', `UPDATE "s"."t" SET "v" = 1 WHERE "k" = 1 AND "v" = 2`, /not exactly the primary key/],
    ['a key twice', `UPDATE "s"."t" SET "v" = 1 WHERE "k" = 1 AND "k" = 2`, /compared twice/],
    ['an unquoted table', `UPDATE s.t SET "v" = 1 WHERE "k" = 1`, /quoted "schema"."table"/],
    ['no WHERE', `UPDATE "s"."t" SET "v" = 1`, /no WHERE/],
    ['an INSERT', `INSERT INTO "s"."t" VALUES (1)`, /not an UPDATE or DELETE/],
    ['trailing text', `UPDATE "s"."t" SET "v" = 1 WHERE "k" = 1 ; SELECT 1`, /anything but AND/],
    ['an unterminated string', `UPDATE "s"."t" SET "v" = 'x WHERE "k" = 1`, /does not tokenize/],
    ['a statement over 1 MB', `UPDATE "s"."t" SET "v" = '${'x'.repeat(1_000_001)}' WHERE "k" = 1`, /longer than/],
  ];
  for (const [what, text, why] of refused)
    it(`refuses ${what}`, () => {
      expect(() => parseExceptionStatement(text, ['k'])).toThrow(why);
    });

  it('judges a deeply nested 1 MB SET list in one pass', () => {
    const nested = `${'('.repeat(200_000)}1${')'.repeat(200_000)}`;
    expect(parseExceptionStatement(`UPDATE "s"."t" SET "v" = ${nested} WHERE "k" = 5`, ['k']).key).toEqual(['5']);
  });
});
