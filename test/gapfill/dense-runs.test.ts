import { beforeAll, describe, expect, it } from 'vitest';
import { compareRange, DEFAULT_COMPARE } from '../../jobs/gapfill/compare.js';
import { describeGapTable } from '../../jobs/gapfill/table.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import { parsedEnvConfig } from '../helpers/config.js';
import { useEnvironment } from '../helpers/env.js';
import { withTarget } from '../helpers/sim.js';

/**
 * Dense differences on a single integer key: where the source's fingerprint proves a segment holds every key once
 * (a unique source key and as many rows as keys), only the target is read, as block bitmaps (falling back to runs
 * of consecutive keys where a block holds a key twice); otherwise as runs of consecutive keys of both sides.
 * The same differences on a source without a unique index are fetched from both sides and found alike; the block
 * bitmaps also through the Data API.
 */
const env = useEnvironment('gapfill_dense_runs');
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:RUNS';

beforeAll(async () => {
  const { sourceAdmin, targetAdmin } = env();
  for (const [name, pk] of [
    ['dr_unique', 'PRIMARY KEY'],
    ['dr_plain', ''],
  ] as const) {
    for (const c of [sourceAdmin, targetAdmin]) {
      await c.query(`CREATE TABLE public.${name} (id bigint NOT NULL ${pk}, d timestamptz NOT NULL)`);
      await c.query(`INSERT INTO public.${name} SELECT g, '2026-05-01'::timestamptz FROM generate_series(1, 20000) g`);
    }
    // 2,000 missing on the target and a lost run of 500 (whole 31-key blocks absent), one extra (a missed DELETE),
    // one key twice on the target.
    await targetAdmin.query(`DELETE FROM public.${name} WHERE id % 10 = 3 OR id BETWEEN 12001 AND 12500`);
    await sourceAdmin.query(`DELETE FROM public.${name} WHERE id = 777`);
    await targetAdmin.query(`INSERT INTO public.${name} VALUES (5000, '2026-05-01')`);
    await sourceAdmin.query(`GRANT SELECT ON public.${name} TO ${COMPANION_USER}`);
    await targetAdmin.query(`GRANT SELECT ON public.${name} TO ${COMPANION_USER}`);
  }
});

describe('dense differences on a single integer key', () => {
  it.each([
    ['dr_unique', true, 'direct'],
    ['dr_plain', false, 'direct'],
    ['dr_unique', true, 'data-api'],
  ] as const)(
    '%s: finds every missing, extra and duplicated key (source key unique: %s; %s target)',
    (name, unique, kind) =>
      withTarget(env(), kind, async (target) => {
        const tables = [{ source: `public.${name}`, primaryKey: ['id'], dayColumn: 'd' }];
        const config = parsedEnvConfig(env(), {
          tasks: [{ name: 'runs', arn: ARN, replicationInstance: 'ri', tables }],
        });
        const task = config.tasks[0]!;
        const t = await describeGapTable(env().source, target.client, task, task.tables[0]!, false);
        expect(t.sourceKeyUnique).toBe(unique);
        const r = await compareRange(
          { source: env().source, target: target.client },
          t,
          { after: '0', upTo: '20000' },
          0n,
          { ...DEFAULT_COMPARE, initialSegments: 16 },
        );
        const missing = Array.from({ length: 20000 }, (_x, i) => i + 1)
          .filter((k) => k % 10 === 3 || (k >= 12001 && k <= 12500))
          .map(String);
        expect(r.diff.missing.map((k) => k[0])).toEqual(missing);
        expect(r.diff.extra).toEqual([['777']]);
        expect(r.diff.duplicated).toEqual([['5000']]);
      }),
  );
});
