import { describe, expect, it } from 'vitest';
import { SqlSyntaxError, tokenize } from '../../lib/sql/tokenize.js';

const kinds = (sql: string) => tokenize(sql).map((t) => `${t.type}:${t.value}`);

describe('tokenize', () => {
  it('splits words, quoted identifiers, strings, numbers, casts and operators', () => {
    expect(kinds(`UPDATE "Public"."t""x" SET "c" = CAST('a' AS varchar(10))::text WHERE k >= 1.5e3`)).toEqual([
      'word:update',
      'quoted:Public',
      'op:.',
      'quoted:t"x',
      'word:set',
      'quoted:c',
      'op:=',
      'word:cast',
      'op:(',
      'string:a',
      'word:as',
      'word:varchar',
      'op:(',
      'number:10',
      'op:)',
      'op:)',
      'op:::',
      'word:text',
      'word:where',
      'word:k',
      'op:>=',
      'number:1.5e3',
    ]);
  });

  it('reads Redshift literals: backslash escapes and doubled quotes', () => {
    const [t] = tokenize(`'a\\'b''c\\\\d\\n'`);
    expect(t!.value).toBe("a'b'c\\d\n");
    expect(tokenize(`'a\\'`, { backslashEscapes: false })[0]!.value).toBe('a\\');
  });

  it('keeps the redaction glued to the next token apart', () => {
    expect(kinds(`WHERE x = '***'AND y = 1`)).toEqual([
      'word:where',
      'word:x',
      'op:=',
      'string:***',
      'word:and',
      'word:y',
      'op:=',
      'number:1',
    ]);
  });

  it('skips comments, nested ones too, and keeps them on request', () => {
    expect(kinds(`/* DMS /* v3 */ x */ SELECT -- trailing\n 1`)).toEqual(['word:select', 'number:1']);
    expect(tokenize('/* DMS 3.5 */ SELECT 1', { keepComments: true })[0]).toMatchObject({
      type: 'comment',
      value: 'DMS 3.5',
    });
  });

  it('accepts non-ASCII identifiers, quoted and unquoted', () => {
    expect(kinds(`SELECT "bıgınt", größe FROM "таблица"`)).toEqual([
      'word:select',
      'quoted:bıgınt',
      'op:,',
      'word:größe',
      'word:from',
      'quoted:таблица',
    ]);
  });

  it('reports text that ends inside a token as truncated', () => {
    for (const cut of [`UPDATE "public"."t" SET "c" = 'abc`, `UPDATE "publ`, 'SELECT /* open']) {
      try {
        tokenize(cut);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(SqlSyntaxError);
        expect((err as SqlSyntaxError).truncated).toBe(true);
      }
    }
    expect(() => tokenize('SELECT `x`')).toThrow(/unexpected character "`"/);
  });

  it('knows parameters and dollar quotes', () => {
    expect(kinds('SELECT $1, $$a$b$$, $tag$x$tag$')).toEqual([
      'word:select',
      'param:1',
      'op:,',
      'string:a$b',
      'op:,',
      'string:x',
    ]);
  });

  it('stops at the first parenthesis past maxParenDepth, before reading the rest', () => {
    expect(kinds(`${'('.repeat(3)}1${')'.repeat(3)}`)).toHaveLength(7);
    expect(tokenize('(((1)))', { maxParenDepth: 3 })).toHaveLength(7);
    expect(() => tokenize("((((1'", { maxParenDepth: 3 })).toThrow(/nested deeper than 3 levels at offset 3/);
    expect(tokenize('(1)(2)(3)(4)', { maxParenDepth: 1 })).toHaveLength(12);
  });

  it('reads numbers and words next to each other as the same tokens as before', () => {
    expect(kinds('1e5 0x10 .5 5. 007 a1$b _x ä1')).toEqual([
      'number:1e5',
      'number:0',
      'word:x10',
      'number:.5',
      'number:5.',
      'number:007',
      'word:a1$b',
      'word:_x',
      'word:ä1',
    ]);
  });
});
