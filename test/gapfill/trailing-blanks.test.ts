import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runGapfill } from '../../jobs/gapfill/index.js';
import { ManualClock } from '../../lib/clock.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import { tablesDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';

/**
 * Gap-filling's repairs on VARCHAR keys that differ only in trailing blanks, on the emulated target
 * where `=`, GROUP BY and DISTINCT ignore them as Redshift's do (sim/redshift/emulation.sql,
 * docs/aws-facts.md §82): every class of difference is repaired on exactly the key it concerns.
 */
const env = useEnvironment('gapfill_blanks');
const cw = mockClient(CloudWatchClient);
const clock = new ManualClock('2026-05-10T12:00:00Z');
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:BLANKS';
const TABLE = 'public.gb_keys';

const deps = () =>
  tablesDeps(env(), clock, { name: 'blanks', arn: ARN }, [
    { source: TABLE, primaryKey: ['code'], dayColumn: 'd', versionColumn: 'v' },
  ]);

const rows = (...xs: [string, number, number][]) =>
  xs.map(([code, hour, v]) => `('${code}', '2026-05-01 ${String(hour).padStart(2, '0')}:00+00', ${v})`).join(', ');

/** The table's rows as `code|v`, the code's trailing blanks shown as `·`. */
async function contents(side: 'sourceAdmin' | 'targetAdmin'): Promise<string[]> {
  const r = await env()[side].query<{ code: string; v: number }>(`SELECT code, v FROM ${TABLE}`);
  return r.rows.map((x) => `${x.code.replace(/ /g, '·')}|${x.v}`).sort();
}

beforeAll(async () => {
  const { sourceAdmin: s, targetAdmin: t } = env();
  for (const c of [s, t]) {
    await c.query(`CREATE TABLE ${TABLE} (code varchar(10) PRIMARY KEY, d timestamptz NOT NULL, v integer)`);
    await c.query(`GRANT SELECT, INSERT, DELETE ON ${TABLE} TO ${COMPANION_USER}`);
  }
  await s.query(`CREATE INDEX ON ${TABLE} (d)`);
  await s.query(
    `INSERT INTO ${TABLE} VALUES ${rows(['a', 1, 1], ['a ', 2, 1], ['c', 3, 1], ['d', 4, 1], ['d ', 5, 1])}`,
  );
  await s.query(`INSERT INTO ${TABLE} VALUES ${rows(['e', 6, 2], ['e ', 7, 1])}`);
  await t.query(
    `INSERT INTO ${TABLE} VALUES ${rows(['a', 1, 1], ['c ', 3, 1], ['d', 4, 1], ['d ', 5, 1], ['d ', 5, 1], ['e', 6, 1], ['e ', 7, 1])}`,
  );
});

beforeEach(() => {
  cw.reset();
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'm0', Timestamps: [clock.now()], Values: [0], StatusCode: 'Complete' }],
  });
});

describe("gap-filling keys 'x' and 'x ' on a target whose = ignores trailing blanks", () => {
  it('finds each difference on its own key, and repairs exactly that key', async () => {
    // The emulated target really treats them as one value (else this test would prove nothing).
    const same = await env().target.query<{ n: unknown; g: unknown }>(
      `SELECT count(*) AS n, count(DISTINCT code) AS g FROM ${TABLE} WHERE code = 'd'`,
    );
    expect([Number(same.rows[0]!.n), Number(same.rows[0]!.g)]).toEqual([3, 1]);

    const dry = await runGapfill(deps(), { days: ['2026-05-01'], dryRun: true });
    const found = dry.results[0]!;
    expect(found.error).toBeUndefined();
    expect([found.missing, found.extra, found.duplicated, found.stale]).toEqual([
      [['a '], ['c']],
      [['c ']],
      [['d ']],
      [['e']],
    ]);

    const r = await runGapfill(deps(), { days: ['2026-05-01'], dryRun: false, deleteExtra: true, dedupe: true });
    expect(r.results[0]!.error).toBeUndefined();
    expect(r.results[0]!.repaired).toEqual({ inserted: 2, replaced: 1, deleted: 1, deduped: 1 });
    expect(await contents('targetAdmin')).toEqual(await contents('sourceAdmin'));
    expect(await contents('targetAdmin')).toEqual(['a|1', 'a·|1', 'c|1', 'd|1', 'd·|1', 'e|2', 'e·|1']);
  });
});
