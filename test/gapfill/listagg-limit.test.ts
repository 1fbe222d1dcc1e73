import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runGapfill } from '../../jobs/gapfill/index.js';
import { ManualClock } from '../../lib/clock.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import { tablesDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';
import { useTarget } from '../helpers/sim.js';

/**
 * Redshift's LISTAGG fails past 65,535 bytes (docs/aws-facts.md §11.5, §84), and so does the emulated
 * target's. Gap-filling lists a segment's integer keys with LISTAGG when the segment holds a key
 * twice; here 4,000 keys of 19 digits crowd one end of a wide segment, so the list of one piece is
 * about 80,000 bytes. The job still finds the duplicate (and nothing else).
 */
const env = useEnvironment('gapfill_listagg');
const cw = mockClient(CloudWatchClient);
const clock = new ManualClock('2026-05-10T12:00:00Z');
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:LISTAGG';
const TABLE = 'public.gl_keys';
const BASE = 4611686018427387904n; // 2^62: every key has 19 digits

beforeAll(async () => {
  const { sourceAdmin: s, targetAdmin: t } = env();
  for (const c of [s, t]) {
    await c.query(`CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, note varchar(10))`);
    await c.query(`GRANT SELECT ON ${TABLE} TO ${COMPANION_USER}`);
    // 4,000 consecutive keys, then a few far away: the first segment is wide and its keys sit at one end.
    await c.query(`INSERT INTO ${TABLE} SELECT ${BASE} + g, 'n' FROM generate_series(1, 4000) g`);
    await c.query(`INSERT INTO ${TABLE} SELECT ${BASE} + g::bigint * 1000000000, 'far' FROM generate_series(1, 20) g`);
  }
  await t.query(`INSERT INTO ${TABLE} VALUES (${BASE + 77n}, 'again')`);
});

beforeEach(() => {
  cw.reset();
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'm0', Timestamps: [clock.now()], Values: [0], StatusCode: 'Complete' }],
  });
});

describe.each(['direct', 'data-api'] as const)("gap-filling under LISTAGG's 65,535-byte limit, %s target", (kind) => {
  const target = useTarget(env, kind);
  const deps = () =>
    tablesDeps(env(), clock, { name: 'listagg', arn: ARN }, [{ source: TABLE, primaryKey: ['id'] }], target().client);

  it('the target refuses a longer list, and the job still finds a key held twice among 4,000 crowded 19-digit keys', async () => {
    await expect(
      target().client.query(
        `SELECT LISTAGG(CAST(id AS VARCHAR(20)), ',') AS l FROM ${TABLE} WHERE id <= ${BASE + 4000n}`,
      ),
    ).rejects.toThrow(/Result size exceeds LISTAGG limit/);
    const r = await runGapfill(deps(), { table: TABLE, all: true, dryRun: true });
    const x = r.results[0]!;
    expect(x.error).toBeUndefined();
    expect([x.mode, x.rowsCompared, x.missing, x.extra, x.duplicated]).toEqual([
      'table-range',
      4020,
      [],
      [],
      [[String(BASE + 77n)]],
    ]);
  });
});
