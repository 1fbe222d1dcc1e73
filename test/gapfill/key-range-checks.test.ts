import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COMPARE, type CompareOptions } from '../../jobs/gapfill/compare.js';
import { compareDay } from '../../jobs/gapfill/mode.js';
import type { GapTable } from '../../jobs/gapfill/table.js';
import type { Meter } from '../../jobs/gapfill/segments.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import { gapTable } from '../helpers/gap-table.js';
import { useEnvironment } from '../helpers/env.js';
import { recording } from '../helpers/recording.js';

/**
 * A day's key range is checked in two rounds (key-range.ts); the second — rows at 31 evenly spaced keys of the range
 * must belong to the day — runs beside the first level's sample (compare.ts). Where only that second round refuses
 * the range (1,000 rows of another day inside it, while the day's own rows all lie in it), the sample's work is
 * discarded and the day is compared by its day column, with the same keys found; where it accepts, the key range
 * is compared.
 */
const env = useEnvironment('gapfill_key_range_checks');
const DAY = new Date('2026-05-03T00:00:00Z');
const NEXT = new Date('2026-05-04T00:00:00Z');
/** Sample on ranges this small (the default waits for 1,000,000 keys). */
const OPTIONS: CompareOptions = { ...DEFAULT_COMPARE, initialSegments: 64, leafRows: 256, blocksFirstMinKeys: 5_000 };

beforeAll(async () => {
  const { sourceAdmin, targetAdmin } = env();
  for (const name of ['kr_backdated', 'kr_clean']) {
    for (const c of [sourceAdmin, targetAdmin]) {
      await c.query(`CREATE TABLE public.${name} (id bigint NOT NULL PRIMARY KEY, d timestamptz NOT NULL)`);
      // 2,000 rows the day before, then the day's rows every 4 seconds from key 2,001 to 20,000.
      await c.query(
        `INSERT INTO public.${name} SELECT g, '2026-05-02 00:00:00+00'::timestamptz + g * interval '30 seconds' FROM generate_series(1, 2000) g`,
      );
      await c.query(
        `INSERT INTO public.${name} SELECT g, '2026-05-03 00:00:00+00'::timestamptz + (g - 2000) * interval '4 seconds' FROM generate_series(2001, 20000) g`,
      );
    }
    await sourceAdmin.query(`GRANT SELECT ON public.${name} TO ${COMPANION_USER}`);
    await targetAdmin.query(`GRANT SELECT ON public.${name} TO ${COMPANION_USER}`);
  }
  // Keys 10,000 to 10,999 carry a day three days earlier, on both sides: inside the day's key range, not of the day.
  for (const c of [sourceAdmin, targetAdmin])
    await c.query(`UPDATE public.kr_backdated SET d = '2026-04-30 12:00:00+00' WHERE id BETWEEN 10000 AND 10999`);
  for (const name of ['kr_backdated', 'kr_clean'])
    await targetAdmin.query(`DELETE FROM public.${name} WHERE id IN (2500, 15000, 19999)`);
});

const table = (name: string): Promise<GapTable> => gapTable(env(), name);

const meter = (): Meter => ({ queries: 0, bytesRead: 0, segmentsQueried: 0 });

describe("a day's key range, checked beside the first level's sample", () => {
  it('compares the day by its day column where only the overlap probes refuse the range, and finds the same keys', async () => {
    const target = recording(env().target);
    const t = await table('kr_backdated');
    const r = await compareDay({ source: env().source, target: target.client }, t, DAY, NEXT, OPTIONS, meter());
    expect(r.mode).toBe('day-hash');
    expect(r.reason).toMatch(
      /the row at key 10\d{3} has d 2026-04-30 12:00:00\+00, outside the day, yet lies in the day's key range \(2000, 20000\]/,
    );
    expect(r.compared.diff.missing.map((k) => k[0])).toEqual(['2500', '15000', '19999']);
    expect(r.compared.diff.extra).toEqual([]);
    // The key range's sample was sent (and discarded) before the refusal arrived.
    expect(target.sent.some((s) => s.startsWith('SELECT 0 AS s, count(*)'))).toBe(true);
  });

  it('compares the key range where both rounds accept it', async () => {
    const t = await table('kr_clean');
    const r = await compareDay({ source: env().source, target: env().target }, t, DAY, NEXT, OPTIONS, meter());
    expect(r.mode).toBe('key-range');
    expect(r.compared.diff.missing.map((k) => k[0])).toEqual(['2500', '15000', '19999']);
    expect(r.compared.rowsCompared).toBe(18_000);
    expect(r.warnings).toEqual([]);
  });
});
