import { beforeAll, describe, expect, it } from 'vitest';
import { compareRange, DEFAULT_COMPARE, type CompareOptions } from '../../jobs/gapfill/compare.js';
import type { GapTable } from '../../jobs/gapfill/table.js';
import type { SqlClient } from '../../lib/sql/client.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import { gapTable } from '../helpers/gap-table.js';
import { useEnvironment } from '../helpers/env.js';
import { recording } from '../helpers/recording.js';
import { withTarget, type TargetKind } from '../helpers/sim.js';

/**
 * A large single-integer-key range whose first level starts with a sample (jobs/gapfill/blocks-first.ts): where half
 * of the sampled segments differ and the source holds every key there, the range goes block bitmaps first (one
 * grouped pass over the target that also counts each piece, a `count(*)` per piece on the source); otherwise the
 * first level goes on without fingerprinting the sampled segments again. Either way the same keys are found. The
 * ranges here are small and the threshold lowered to match (CompareOptions `blocksFirstMinKeys`).
 */
const env = useEnvironment('gapfill_blocks_first');
const KEYS = 40_000;
const OPTIONS: CompareOptions = {
  ...DEFAULT_COMPARE,
  initialSegments: 128,
  leafRows: 1024,
  blocksFirstMinKeys: 10_000,
};

/** Dense: every 10th key missing, a lost run of 700, one key twice on the target; the source lacks key 777. */
const DENSE_MISSING = (k: number) => k % 10 === 3 || (k >= 30_001 && k <= 30_700);

beforeAll(async () => {
  const { sourceAdmin, targetAdmin } = env();
  for (const name of ['bf_dense', 'bf_sparse', 'bf_gappy']) {
    for (const c of [sourceAdmin, targetAdmin]) {
      await c.query(`CREATE TABLE public.${name} (id bigint NOT NULL PRIMARY KEY, d timestamptz NOT NULL)`);
      await c.query(
        `INSERT INTO public.${name} SELECT g, '2026-05-01'::timestamptz FROM generate_series(1, ${KEYS}) g`,
      );
    }
    await sourceAdmin.query(`GRANT SELECT ON public.${name} TO ${COMPANION_USER}`);
    await targetAdmin.query(`GRANT SELECT ON public.${name} TO ${COMPANION_USER}`);
  }
  await targetAdmin.query(`DELETE FROM public.bf_dense WHERE id % 10 = 3 OR id BETWEEN 30001 AND 30700`);
  await targetAdmin.query(`INSERT INTO public.bf_dense VALUES (5000, '2026-05-01')`);
  await sourceAdmin.query(`DELETE FROM public.bf_dense WHERE id = 777`);
  // Sparse: 5 keys missing on the target.
  await targetAdmin.query(`DELETE FROM public.bf_sparse WHERE id IN (101, 9999, 20000, 31313, 39999)`);
  // Dense differences on a source with a gap in every 100 keys: the sample cannot prove the source's keys.
  await sourceAdmin.query(`DELETE FROM public.bf_gappy WHERE id % 100 = 50`);
  await targetAdmin.query(`DELETE FROM public.bf_gappy WHERE id % 100 = 50 OR id % 10 = 7`);
});

const table = (name: string, target: SqlClient): Promise<GapTable> => gapTable(env(), name, { target, needDay: false });

const keys = (pred: (k: number) => boolean) =>
  Array.from({ length: KEYS }, (_x, i) => i + 1)
    .filter(pred)
    .map(String);

/** The whole range of KEYS compared, with a sample (OPTIONS) or, `plain`, without one. */
const compareAll = (target: SqlClient, t: GapTable, plain = false) =>
  compareRange({ source: env().source, target }, t, { after: null, upTo: String(KEYS) }, 0n, {
    ...OPTIONS,
    ...(plain ? { blocksFirstMinKeys: Number.MAX_SAFE_INTEGER } : {}),
  });

/** Statements that read counted block bitmaps (the block-first pass). */
const countedBlocks = (sent: readonly string[]) => sent.filter((s) => s.includes('OVER ()')).length;

describe('block bitmaps first on a dense integer range', () => {
  it.each(['direct', 'data-api'] as const)(
    'goes block bitmaps first where a sample shows dense differences, and finds every key (%s target)',
    (kind: TargetKind) =>
      withTarget(env(), kind, async (simTarget) => {
        const { client, sent } = recording(simTarget.client);
        const t = await table('bf_dense', client);
        const r = await compareAll(client, t);
        expect(r.diff.missing.map((k) => k[0])).toEqual(keys(DENSE_MISSING));
        expect(r.diff.extra).toEqual([['777']]);
        expect(r.diff.duplicated).toEqual([['5000']]);
        expect(r.rowsCompared).toBe(KEYS - 1);
        expect(countedBlocks(sent)).toBeGreaterThanOrEqual(OPTIONS.concurrency);
        // Without the sample: the same keys, through every segment of the first level and the ones below.
        const plain = await compareAll(client, t, true);
        expect(plain.diff).toEqual(r.diff);
        expect(r.meter.segmentsQueried).toBeLessThan(plain.meter.segmentsQueried / 2);
      }),
  );

  it('goes on with the first level where the sample differs little, without fingerprinting a segment twice', () =>
    withTarget(env(), 'direct', async (simTarget) => {
      const { client, sent } = recording(simTarget.client);
      const t = await table('bf_sparse', client);
      const r = await compareAll(client, t);
      expect(r.diff.missing.map((k) => k[0])).toEqual(['101', '9999', '20000', '31313', '39999']);
      expect(r.rowsCompared).toBe(KEYS);
      expect(countedBlocks(sent)).toBe(0);
      // The same comparison without a sample queries the same segments, but for one: the keys at or below the
      // range's low end, a segment of their own where a sample is taken.
      const plain = await compareAll(client, t, true);
      expect(r.meter.segmentsQueried).toBe(plain.meter.segmentsQueried + 1);
      expect(plain.diff).toEqual(r.diff);
    }));

  it('keeps the usual path where the sampled source holds gaps, and finds the same keys', () =>
    withTarget(env(), 'direct', async (simTarget) => {
      const { client, sent } = recording(simTarget.client);
      const t = await table('bf_gappy', client);
      const r = await compareAll(client, t);
      expect(r.diff.missing.map((k) => k[0])).toEqual(keys((k) => k % 10 === 7));
      expect(r.diff.extra).toEqual([]);
      expect(countedBlocks(sent)).toBe(0);
    }));
});
