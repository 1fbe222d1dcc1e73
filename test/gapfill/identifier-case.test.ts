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
 * A source table and columns in mixed case ("Orders", "OrderId"): on Redshift, whose identifiers fold
 * to lower case even when quoted (docs/aws-facts.md §11.3, §85), DMS's copy is public.orders (orderid).
 */
const env = useEnvironment('gapfill_case');
const cw = mockClient(CloudWatchClient);
const clock = new ManualClock('2026-05-10T12:00:00Z');
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:CASE';

beforeAll(async () => {
  const { sourceAdmin: s, targetAdmin: t } = env();
  await s.query(
    `CREATE TABLE public."Orders" ("OrderId" integer PRIMARY KEY, "Note" varchar(20), d timestamptz NOT NULL)`,
  );
  await s.query(`CREATE INDEX ON public."Orders" (d)`);
  await s.query(
    `INSERT INTO public."Orders" SELECT g, 'n' || g, '2026-05-01 00:00+00'::timestamptz + g * interval '1 min' FROM generate_series(1, 100) g`,
  );
  await s.query(`GRANT SELECT ON public."Orders" TO ${COMPANION_USER}`);
  await t.query(`CREATE TABLE public.orders (orderid integer, note varchar(80), d timestamptz)`);
  await t.query(
    `INSERT INTO public.orders SELECT g, 'n' || g, '2026-05-01 00:00+00'::timestamptz + g * interval '1 min' FROM generate_series(1, 100) g WHERE g <> 42`,
  );
  await t.query(`GRANT SELECT, INSERT, DELETE ON public.orders TO ${COMPANION_USER}`);
});

beforeEach(() => {
  cw.reset();
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'm0', Timestamps: [clock.now()], Values: [0], StatusCode: 'Complete' }],
  });
});

describe.each(['direct', 'data-api'] as const)(
  'mixed-case source names on a target that folds identifiers, %s target',
  (kind) => {
    const target = useTarget(env, kind);
    const deps = () =>
      tablesDeps(
        env(),
        clock,
        { name: 'case', arn: ARN },
        [{ source: '"public"."Orders"', primaryKey: ['OrderId'], dayColumn: 'd', versionColumn: 'Note' }],
        target().client,
      );

    it('compares "Orders"."OrderId" with orders.orderid and backfills the missing row there', async () => {
      // The companion's statements name "Orders" and "OrderId"; the target folds them as Redshift does.
      const folded = await target().client.query<{ n: unknown }>('SELECT count("OrderId") AS n FROM "public"."Orders"');
      expect(Number(folded.rows[0]!.n)).toBeGreaterThanOrEqual(99);
      const r = await runGapfill(deps(), { days: ['2026-05-01'], dryRun: false });
      expect(r.results[0]!.error).toBeUndefined();
      expect(r.results[0]).toMatchObject({ table: 'public.Orders', rowsCompared: 100, repaired: { inserted: 1 } });
      const back = await env().targetAdmin.query<{ note: string }>('SELECT note FROM public.orders WHERE orderid = 42');
      expect(back.rows).toEqual([{ note: 'n42' }]);
      await env().targetAdmin.query('DELETE FROM public.orders WHERE orderid = 42');
    });
  },
);
