import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { runGapfill } from '../../jobs/gapfill/index.js';
import { ManualClock } from '../../lib/clock.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import { useCommitTimestampEnvironment } from '../helpers/commit-timestamps.js';
import { parsedEnvConfig } from '../helpers/config.js';
import { envDeps } from '../helpers/deps.js';

/**
 * The row-level settle rule (lib/repair/settle.ts) on a source that records commit timestamps
 * (its own server, started with track_commit_timestamp = on): a row whose day is long settled but
 * which was committed just now — backdated, or a long transaction — is still in DMS's pipeline and
 * must not be backfilled (DMS's INSERT would make it a duplicate).
 */
const env = useCommitTimestampEnvironment('settle');
const cw = mockClient(CloudWatchClient);
const clock = new ManualClock('2026-05-10T12:00:00Z');
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:SETTLE';
const DAY = '2026-05-01';
let n = 0;

function latency(seconds: number) {
  cw.reset();
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'm0', Timestamps: [clock.now()], Values: [seconds], StatusCode: 'Complete' }],
  });
}

async function table(): Promise<string> {
  const name = `public.st_${++n}`;
  for (const [admin, grant] of [
    [env().sourceAdmin, 'SELECT'],
    [env().targetAdmin, 'SELECT, INSERT, DELETE'],
  ] as const) {
    await admin.query(`CREATE TABLE ${name} (id bigint PRIMARY KEY, d timestamptz NOT NULL, note varchar(100))`);
    await admin.query(
      `INSERT INTO ${name} SELECT g, '2026-05-01 00:00:00+00'::timestamptz + g * interval '1 h', 'n' || g FROM generate_series(1, 20) g`,
    );
    await admin.query(`GRANT ${grant} ON ${name} TO ${COMPANION_USER}`);
  }
  return name;
}

function run(name: string, settleLag: string) {
  const config = parsedEnvConfig(env(), {
    tasks: [
      {
        name: 'settle',
        arn: ARN,
        replicationInstance: 'ri',
        tables: [{ source: name, primaryKey: ['id'], dayColumn: 'd' }],
      },
    ],
    jobs: { gapfill: { settleLag } },
  });
  return runGapfill(envDeps(env(), config, clock), { days: [DAY], dryRun: false });
}

const copies = async (name: string, id: number) =>
  Number(
    (await env().targetAdmin.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${name} WHERE id = $1`, [id]))
      .rows[0]!.n,
  );

describe('gapfill: the row-level settle rule', () => {
  it('a backdated row still in the DMS pipeline is held back; DMS delivering it later leaves exactly one copy', async () => {
    latency(30);
    const name = await table();
    // Day 2026-05-01 (long settled by the day column), inserted just now: DMS has not delivered it yet.
    await env().sourceAdmin.query(`INSERT INTO ${name} VALUES (21, '2026-05-01 22:00:00+00', 'backdated')`);
    const r = await run(name, '1h');
    expect(r.results[0]!.missing).toEqual([['21']]);
    expect(r.results[0]!.repaired.inserted).toBe(0);
    expect(r.results[0]!.warnings).toContain(
      '1 key(s) not repaired yet: changed on the source too recently (DMS may still deliver them)',
    );
    await env().targetAdmin.query(`INSERT INTO ${name} VALUES (21, '2026-05-01 22:00:00+00', 'backdated')`); // DMS delivers
    expect(await copies(name, 21)).toBe(1);
  });

  it('a long transaction that commits just now is held back too, though it began long before', async () => {
    latency(30);
    const name = await table();
    const tx = await env().sourceAdmin.transaction(async (t) => {
      await t.query(`INSERT INTO ${name} VALUES (22, '2026-05-01 23:00:00+00', 'long')`);
      await t.query(`SELECT pg_current_xact_id()`);
      return 'committed';
    });
    expect(tx).toBe('committed');
    const r = await run(name, '1h');
    expect(r.results[0]!.missing).toEqual([['22']]);
    expect(r.results[0]!.repaired.inserted).toBe(0);
  });

  it('a row committed before settle lag + CDCLatencyTarget is backfilled', async () => {
    latency(0);
    const name = await table();
    await env().targetAdmin.query(`DELETE FROM ${name} WHERE id IN (3, 4)`);
    const r = await run(name, '0s');
    expect(r.results[0]!.repaired.inserted).toBe(2);
    expect(await copies(name, 3)).toBe(1);
    expect(r.results[0]!.warnings.filter((w) => w.includes('track_commit_timestamp'))).toEqual([]);
  });
});
