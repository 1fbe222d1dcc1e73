import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { createSimulation, type Simulation } from '../../sim/simulation.js';
import { runCli } from '../helpers/cli.js';
import { ENV_FOR_CONFIG, gapfillTask, writeEnvConfig } from '../helpers/config.js';
import { useEnvironment } from '../helpers/env.js';

const env = useEnvironment('cli_validate');
let sim: Simulation | undefined;
afterAll(async () => sim?.close());

/** Pagila's four replicated tables: rental and payment with their day columns, versions where Pagila has them. */
const TASK = gapfillTask({ versionColumn: 'last_update' });

interface TableReport {
  table: string;
  status: string;
  mode: string;
  modeReason: string;
  rowsCompared: number;
  differences: Record<'missing' | 'extra' | 'duplicated' | 'stale', number>;
  samples: Record<'missing' | 'extra' | 'duplicated' | 'stale', string[][]>;
}

describe('dms-companion validate', () => {
  it('reports every configured table of the Pagila pair whole: rows compared, differences by class, the mode and why', async () => {
    const { sourceAdmin, targetAdmin } = env();
    sim = await createSimulation({ env: env(), clock: new ManualClock('2026-03-02T08:00:00Z') }); // the full load
    await targetAdmin.query(`DELETE FROM public.rental WHERE rental_id IN (7, 12000)`);
    await targetAdmin.query(`DELETE FROM public.payment WHERE payment_id = 17600`);
    await targetAdmin.query(`INSERT INTO public.payment SELECT * FROM public.payment WHERE payment_id = 17601`);
    await sourceAdmin.query(
      `UPDATE public.film SET title = 'RENAMED', last_update = '2026-03-01 00:00+00' WHERE film_id = 3`,
    );
    await targetAdmin.query(
      `CREATE TEMP TABLE c AS SELECT * FROM public.customer WHERE customer_id = 1; UPDATE c SET customer_id = 10000; ` +
        `INSERT INTO public.customer SELECT * FROM c; DROP TABLE c`,
    );
    const counts = await sourceAdmin.query<{ t: string; n: string }>(
      `SELECT 'rental' AS t, count(*)::text AS n FROM public.rental UNION ALL SELECT 'payment', count(*)::text FROM public.payment ` +
        `UNION ALL SELECT 'customer', count(*)::text FROM public.customer UNION ALL SELECT 'film', count(*)::text FROM public.film`,
    );
    const n = Object.fromEntries(counts.rows.map((r) => [`public.${r.t}`, Number(r.n)]));

    const config = writeEnvConfig(env(), { tasks: [TASK] });
    const r = await runCli(['validate', '--json', '--config', config], ENV_FOR_CONFIG);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { job: string; tables: TableReport[]; problems: number };
    const get = (t: string) => report.tables.find((x) => x.table === t)!;
    expect(report.tables.map((t) => t.table).sort()).toEqual([
      'public.customer',
      'public.film',
      'public.payment',
      'public.rental',
    ]);
    for (const t of report.tables) {
      expect(t.mode).toBe('table-range');
      expect(t.modeReason).toMatch(/whole table/);
      expect(t.rowsCompared).toBe(n[t.table]);
    }
    expect(get('public.rental')).toMatchObject({
      status: 'differences',
      differences: { missing: 2, extra: 0, duplicated: 0, stale: 0 },
      samples: { missing: [['7'], ['12000']] },
    });
    expect(get('public.payment')).toMatchObject({
      differences: { missing: 1, extra: 0, duplicated: 1, stale: 0 },
      samples: { missing: [['17600']], duplicated: [['17601']] },
    });
    expect(get('public.film')).toMatchObject({
      differences: { missing: 0, extra: 0, stale: 1 },
      samples: { stale: [['3']] },
    });
    expect(get('public.customer')).toMatchObject({
      differences: { missing: 0, extra: 1, duplicated: 0, stale: 0 },
      samples: { extra: [['10000']] },
    });
    expect(report.problems).toBe(4);
  }, 120_000);
});
