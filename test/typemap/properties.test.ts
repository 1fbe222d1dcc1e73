import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WRITE_OPTIONS,
  parseTargetType,
  toRedshiftLiteral,
  truncateUtf8,
  type SourceType,
} from '../../lib/typemap/index.js';
import { useEnvironment } from '../helpers/env.js';

const env = useEnvironment('typemap_properties');
const text: SourceType = { kind: 'text', declared: 'text' };
const where = { table: 'public.p', key: 'id=1', column: 'v' };
/** Any Unicode text (astral characters included) without NUL, which Redshift cannot store. */
const anyText = fc.string({ unit: 'binary', maxLength: 300 }).map((s) => s.replace(/\0/g, ''));

describe('typemap properties', () => {
  it('any text without NUL round-trips exactly through the emulated Redshift target', async () => {
    const { target } = env();
    await fc.assert(
      fc.asyncProperty(fc.array(anyText, { minLength: 1, maxLength: 20 }), async (values) => {
        const literals = values.map((v) =>
          toRedshiftLiteral(v, text, parseTargetType('character varying(65535)')!, DEFAULT_WRITE_OPTIONS, where),
        );
        const r = await target.query<{ v: string; i: number }>(
          `SELECT v, i FROM (VALUES ${literals.map((l, i) => `(${l}, ${i})`).join(', ')}) AS x(v, i) ORDER BY i`,
        );
        expect(r.rows.map((x) => x.v)).toEqual(values);
      }),
      { numRuns: 200 },
    );
  });

  it('backslashes and quotes in every position survive', async () => {
    const { target } = env();
    const nasty = fc
      .array(fc.constantFrom('\\', "'", "''", '\\\\', "\\'", 'n', '\n', '"', '$$', 'é', '😀'), { maxLength: 30 })
      .map((a) => a.join(''));
    await fc.assert(
      fc.asyncProperty(nasty, async (v) => {
        const l = toRedshiftLiteral(
          v,
          text,
          parseTargetType('character varying(65535)')!,
          DEFAULT_WRITE_OPTIONS,
          where,
        );
        const r = await target.query<{ v: string }>(`SELECT ${l} AS v`);
        expect(r.rows[0]!.v).toBe(v);
      }),
      { numRuns: 300 },
    );
  });

  it('truncation never splits a character and never exceeds the byte limit', () => {
    fc.assert(
      fc.property(anyText, fc.nat({ max: 1200 }), (s, limit) => {
        const t = truncateUtf8(s, limit);
        expect(Buffer.byteLength(t, 'utf8')).toBeLessThanOrEqual(limit);
        expect(s.startsWith(t)).toBe(true);
        // No half of a surrogate pair left behind, and the cut is as late as the limit allows.
        const rest = s.slice(t.length);
        expect(/^[\uDC00-\uDFFF]/.test(rest)).toBe(false);
        if (rest.length > 0)
          expect(Buffer.byteLength(t + String.fromCodePoint(rest.codePointAt(0)!), 'utf8')).toBeGreaterThan(limit);
        expect(Buffer.from(t, 'utf8').toString('utf8')).toBe(t);
      }),
      { numRuns: 2000 },
    );
  });

  it('text cut to a VARCHAR limit is stored as cut', async () => {
    const { target } = env();
    await fc.assert(
      fc.asyncProperty(anyText, fc.integer({ min: 1, max: 400 }), async (s, limit) => {
        const l = toRedshiftLiteral(
          s,
          text,
          { kind: 'varchar', length: limit },
          { ...DEFAULT_WRITE_OPTIONS, truncateText: true },
          where,
        );
        const r = await target.query<{ v: string; b: number }>(`SELECT ${l} AS v, octet_length(${l}) AS b`);
        expect(r.rows[0]!.v).toBe(truncateUtf8(s, limit));
        expect(Number(r.rows[0]!.b)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 150 },
    );
  });
});
