import { beforeAll, describe, expect, it } from 'vitest';
import { SMALL_KEY } from '../../jobs/gapfill/dialect.js';
import { fingerprints, sameFingerprint, type Meter, type Segment } from '../../jobs/gapfill/segments.js';
import type { GapTable } from '../../jobs/gapfill/table.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import { gapTable } from '../helpers/gap-table.js';
import { useEnvironment } from '../helpers/env.js';
import { recording } from '../helpers/recording.js';

/**
 * Segment fingerprints of a single integer key: the source (PostgreSQL) reads its bounded segments through one
 * LATERAL subquery over arrays of bounds, the target (Redshift, no arrays, no LATERAL) one UNION ALL branch per
 * segment; both must give the same count and hash sum for the same rows — unbounded ends, negative keys, keys past
 * SMALL_KEY (the hash's long form) and ±2^62 included — and a lost row must change its own segment only.
 */
const env = useEnvironment('gapfill_fingerprints');
const S = SMALL_KEY;
const EDGE_KEYS = [-(2n ** 62n), -S - 5n, -S, -3n, 0n, S, S + 7n, 2n ** 62n];
const SEGMENTS: Segment[] = [
  { after: null, upTo: String(-S - 1n) },
  { after: String(-S - 1n), upTo: '-1' },
  { after: '-1', upTo: '1000' },
  { after: '1000', upTo: '2000' },
  { after: '2000', upTo: '3000' },
  { after: '3000', upTo: String(S + 10n) },
  { after: String(S + 10n), upTo: null },
];
/** Source rows per segment. */
const COUNTS = [2, 2, 1001, 1000, 1000, 2, 1];

let t: GapTable;

beforeAll(async () => {
  const { sourceAdmin, targetAdmin } = env();
  for (const c of [sourceAdmin, targetAdmin]) {
    await c.query(`CREATE TABLE public.fp_keys (id bigint NOT NULL PRIMARY KEY, d timestamptz NOT NULL)`);
    await c.query(`INSERT INTO public.fp_keys SELECT g, '2026-05-01'::timestamptz FROM generate_series(1, 3000) g`);
    for (const k of EDGE_KEYS) await c.query(`INSERT INTO public.fp_keys VALUES (${k}, '2026-05-01')`);
  }
  await sourceAdmin.query(`GRANT SELECT ON public.fp_keys TO ${COMPANION_USER}`);
  await targetAdmin.query(`GRANT SELECT ON public.fp_keys TO ${COMPANION_USER}`);
  t = await gapTable(env(), 'fp_keys', { needDay: false });
});

const meter = (): Meter => ({ queries: 0, bytesRead: 0, segmentsQueried: 0 });

async function bothSides(segs: readonly Segment[]) {
  const source = recording(env().source);
  const target = recording(env().target);
  const [s, g] = await Promise.all([
    fingerprints(source.client, t, 'source', segs, meter()),
    fingerprints(target.client, t, 'target', segs, meter()),
  ]);
  return { s, g, sourceSql: source.sent.join('\n'), targetSql: target.sent.join('\n') };
}

describe('segment fingerprints of a single integer key', () => {
  it('are the same on the source (one LATERAL subquery) and on the target (a branch per segment)', async () => {
    expect(t.integerOnly).toBe(true);
    const { s, g, sourceSql, targetSql } = await bothSides(SEGMENTS);
    expect(sourceSql).toContain('CROSS JOIN LATERAL');
    expect(targetSql).not.toContain('LATERAL');
    expect(s.map((f) => f.n)).toEqual(COUNTS);
    expect(g.map((f) => f.n)).toEqual(COUNTS);
    for (const [i, f] of s.entries()) expect(sameFingerprint(f, g[i]!), `segment ${i}`).toBe(true);
    // Every bounded segment within ±SMALL_KEY: the subquery's short hash form, still the target's values.
    const small = await bothSides(SEGMENTS.slice(2, 5));
    expect(small.s.map((f) => f.n)).toEqual(COUNTS.slice(2, 5));
    for (const [i, f] of small.s.entries()) expect(sameFingerprint(f, small.g[i]!)).toBe(true);
    expect(small.s.map((f) => f.sums[0])).toEqual(s.slice(2, 5).map((f) => f.sums[0]));
  });

  it('differ in the one segment that lost a row on the target, and nowhere else', async () => {
    await env().targetAdmin.query(`DELETE FROM public.fp_keys WHERE id IN (1500, ${S + 7n})`);
    try {
      const { s, g } = await bothSides(SEGMENTS);
      const differing = s.flatMap((f, i) => (sameFingerprint(f, g[i]!) ? [] : [i]));
      expect(differing).toEqual([3, 5]);
      expect(g[3]!.n).toBe(999);
    } finally {
      await env().targetAdmin.query(
        `INSERT INTO public.fp_keys VALUES (1500, '2026-05-01'), (${S + 7n}, '2026-05-01')`,
      );
    }
  });
});
