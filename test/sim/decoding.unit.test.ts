import { describe, expect, it } from 'vitest';
import { parseDecodedLine, UNCHANGED_TOAST } from '../../sim/dms/decoding.js';

describe('test_decoding output', () => {
  it('reads an INSERT with quoted, unquoted, null and multi-line values', () => {
    const c = parseDecodedLine(
      `table public.film: INSERT: film_id[integer]:1 title[text]:'it''s' description[text]:'x\ny' original_language_id[integer]:null ` +
        `special_features[text[]]:'{"a b",NULL}' rental_rate[numeric]:0.99`,
    );
    expect(c).toEqual({
      schema: 'public',
      table: 'film',
      op: 'INSERT',
      columns: {
        film_id: '1',
        title: "it's",
        description: 'x\ny',
        original_language_id: null,
        special_features: '{"a b",NULL}',
        rental_rate: '0.99',
      },
      types: {
        film_id: 'integer',
        title: 'text',
        description: 'text',
        original_language_id: 'integer',
        special_features: 'text[]',
        rental_rate: 'numeric',
      },
    });
  });

  it('reads a key-changing UPDATE, a DELETE, quoted names and unchanged TOAST values', () => {
    const u = parseDecodedLine(
      `table public.actor: UPDATE: old-key: actor_id[integer]:2 new-tuple: actor_id[integer]:999 first_name[text]:'NICK' big[text]:unchanged-toast-datum`,
    )!;
    expect(u.oldKey).toEqual({ actor_id: '2' });
    expect(u.columns).toEqual({ actor_id: '999', first_name: 'NICK', big: UNCHANGED_TOAST });
    const d = parseDecodedLine(`table "My Schema"."we""ird": DELETE: "Id"[bigint]:7`)!;
    expect(d).toMatchObject({ schema: 'My Schema', table: 'we"ird', op: 'DELETE', columns: { Id: '7' } });
    expect(parseDecodedLine('BEGIN 529')).toBeUndefined();
    expect(parseDecodedLine('COMMIT 529 (at 2026-11-22 00:23:58+00)')).toBeUndefined();
  });
});
