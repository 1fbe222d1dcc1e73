import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareRange, DEFAULT_COMPARE } from '../../jobs/gapfill/compare.js';
import { describeGapTable, type GapTable } from '../../jobs/gapfill/table.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import { parsedEnvConfig } from '../helpers/config.js';
import { useEnvironment } from '../helpers/env.js';

/**
 * Any mix of differences on a single integer key is found exactly, whichever proof settles each segment (block
 * bitmaps where the source is complete, runs of consecutive keys, key lists where a key is held twice): BIGINT keys
 * at 0, negative and near 2^62, INTEGER keys up to near 2^31 − 1; sparse and dense missing keys, lost runs, extra keys (the source has gaps) and
 * duplicates, generated at random. The truth is computed from the generated key sets.
 */
const env = useEnvironment('gapfill_integer_diff');
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:PROP';
const N = 3000;
/** A BIGINT key and an INTEGER one (Pagila's keys are INTEGERs). */
const TABLES = { prop_keys: 'bigint', prop_keys4: 'integer' } as const;

beforeAll(async () => {
  const { sourceAdmin, targetAdmin } = env();
  for (const [table, type] of Object.entries(TABLES)) {
    await sourceAdmin.query(`CREATE TABLE public.${table} (id ${type} PRIMARY KEY, d timestamptz NOT NULL)`);
    await targetAdmin.query(`CREATE TABLE public.${table} (id ${type}, d timestamptz NOT NULL)`);
    await sourceAdmin.query(`GRANT SELECT ON public.${table} TO ${COMPANION_USER}`);
    await targetAdmin.query(`GRANT SELECT ON public.${table} TO ${COMPANION_USER}`);
  }
});

interface Case {
  table: keyof typeof TABLES;
  base: bigint;
  /** Offsets (1..N) absent from the source. */
  sourceGaps: number[];
  /** Offsets the target lacks: random ones, plus a lost run. */
  missing: number[];
  run: [number, number];
  /** Offsets the target holds twice. */
  twice: number[];
}

const offsets = (max: number) => fc.uniqueArray(fc.integer({ min: 1, max: N }), { maxLength: max });
const differences = {
  sourceGaps: fc.oneof(fc.constant<number[]>([]), offsets(40)),
  missing: fc.oneof(offsets(20), offsets(1500)),
  run: fc.tuple(fc.integer({ min: 1, max: N }), fc.integer({ min: 0, max: 400 })),
  twice: fc.oneof(fc.constant<number[]>([]), offsets(10)),
};
const arbCase: fc.Arbitrary<Case> = fc.oneof(
  fc.record({
    table: fc.constant('prop_keys' as const),
    base: fc.constantFrom(0n, -1_000_000n, 2n ** 62n - 10_000n),
    ...differences,
  }),
  // INTEGER keys up to near 2^31 − 1.
  fc.record({
    table: fc.constant('prop_keys4' as const),
    base: fc.constantFrom(0n, -1_000_000n, 2n ** 31n - 10_000n),
    ...differences,
  }),
);

async function load(c: Case): Promise<{ missing: string[]; extra: string[]; duplicated: string[] }> {
  const gaps = new Set(c.sourceGaps);
  const source = Array.from({ length: N }, (_x, i) => i + 1).filter((o) => !gaps.has(o));
  const lost = new Set([...c.missing, ...Array.from({ length: c.run[1] }, (_x, i) => c.run[0] + i)]);
  // The target: the source less what it lost, every source gap as an extra key, some keys twice.
  const target = [...source.filter((o) => !lost.has(o)), ...c.sourceGaps];
  const present = new Set(target);
  const twice = c.twice.filter((o) => present.has(o));
  const key = (o: number) => String(c.base + BigInt(o));
  const { sourceAdmin, targetAdmin } = env();
  await sourceAdmin.query(`TRUNCATE public.${c.table}`);
  await targetAdmin.query(`TRUNCATE public.${c.table}`);
  const insert = `INSERT INTO public.${c.table} SELECT k, '2026-05-01' FROM unnest($1::bigint[]) k`;
  await sourceAdmin.query(insert, [source.map(key)]);
  await targetAdmin.query(insert, [[...target, ...twice].map(key)]);
  const inSource = new Set(source);
  return {
    missing: source.filter((o) => lost.has(o)).map(key),
    extra: c.sourceGaps
      .slice()
      .sort((a, b) => a - b)
      .map(key),
    duplicated: twice
      .filter((o) => inSource.has(o))
      .sort((a, b) => a - b)
      .map(key),
  };
}

describe('integer-key differences, generated', () => {
  it('are found exactly: missing, extra and duplicated keys', async () => {
    const tables = Object.keys(TABLES).map((x) => ({ source: `public.${x}`, primaryKey: ['id'], dayColumn: 'd' }));
    const config = parsedEnvConfig(env(), { tasks: [{ name: 'prop', arn: ARN, replicationInstance: 'ri', tables }] });
    const task = config.tasks[0]!;
    const described = new Map<string, GapTable>();
    for (const table of task.tables) {
      const t = await describeGapTable(env().source, env().target, task, table, false);
      expect(t.sourceKeyUnique).toBe(true);
      described.set(table.source.name, t);
    }
    await fc.assert(
      fc.asyncProperty(arbCase, async (c) => {
        const truth = await load(c);
        const r = await compareRange(
          { source: env().source, target: env().target },
          described.get(c.table)!,
          { after: String(c.base), upTo: String(c.base + BigInt(N)) },
          c.base,
          { ...DEFAULT_COMPARE, initialSegments: 12, leafRows: 256 },
        );
        expect({
          missing: r.diff.missing.map((k) => k[0]),
          extra: r.diff.extra.map((k) => k[0]),
          duplicated: r.diff.duplicated.map((k) => k[0]),
        }).toEqual(truth);
      }),
      { numRuns: 30, seed: 20261130 },
    );
  });
});
