import { describe, expect, it } from 'vitest';
import { intHash, SMALL_KEY } from '../../jobs/gapfill/dialect.js';
import { useEnvironment } from '../helpers/env.js';

/**
 * The integer key's multiplicative hash in its two forms: the short one (`k · C % p`) gives the long one's value
 * for every key within ±SMALL_KEY, on the source and on the emulated target; past it, only the long one is exact.
 */
const env = useEnvironment('int_hash');

const edge = SMALL_KEY;
const keys = [
  0n,
  1n,
  -1n,
  2147483646n,
  2147483647n,
  -2147483647n,
  4294967296n,
  edge,
  -edge,
  edge - 1n,
  123456789012n % edge,
];
// 200 keys spread over ±SMALL_KEY by a fixed linear congruential sequence (the same keys every run).
let x = 12345n;
for (let i = 0; i < 200; i++) {
  x = (x * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
  keys.push((x % (2n * SMALL_KEY + 1n)) - SMALL_KEY);
}

/** The keys as rows `k` in Redshift SQL (no arrays there). */
const rowsOf = (list: string[]) => list.map((k) => `SELECT CAST(${k} AS BIGINT) AS k`).join(' UNION ALL ');

describe('integer key hash', () => {
  it('has the same value in its short and long forms for keys within ±SMALL_KEY, on both sides', async () => {
    const list = keys.map(String);
    for (const [client, cast] of [
      [env().source, 'BIGINT[]'],
      [env().target, 'VARCHAR(65535)'],
    ] as const) {
      const sql =
        cast === 'BIGINT[]'
          ? `SELECT ${intHash('k')} AS l, ${intHash('k', true)} AS s FROM unnest(CAST($1 AS BIGINT[])) AS x(k)`
          : `SELECT ${intHash('k')} AS l, ${intHash('k', true)} AS s FROM (${rowsOf(list)}) x`;
      const r = await client.query<{ l: unknown; s: unknown }>(sql, cast === 'BIGINT[]' ? [list] : []);
      expect(r.rows).toHaveLength(keys.length);
      for (const row of r.rows) expect(String(row.s)).toBe(String(row.l));
    }
  });

  it('overflows in its short form past the bound, where the long form stays exact', async () => {
    const big = 9_000_000_000_000_000n;
    await expect(env().source.query(`SELECT ${intHash(`CAST(${big} AS BIGINT)`, true)} AS s`)).rejects.toThrow(
      /out of range/,
    );
    const r = await env().source.query<{ l: string }>(`SELECT CAST(${intHash(`CAST(${big} AS BIGINT)`)} AS TEXT) AS l`);
    expect(BigInt(r.rows[0]!.l)).toBe(((big % 2147483647n) * 1103515245n) % 2147483647n);
  });
});
