import { describe, expect, it } from 'vitest';
import { COMPANION_USER } from '../../sim/embedded.js';
import { runCli } from '../helpers/cli.js';
import { ENV_FOR_CONFIG, writeEnvConfig } from '../helpers/config.js';
import { useEnvironment } from '../helpers/env.js';

const env = useEnvironment('cli_gapfill');
const CLI_ENV = {
  ...ENV_FOR_CONFIG,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};
const task = (tables: unknown[]) => [
  { name: 'app', arn: 'arn:aws:dms:us-east-1:123456789012:task:APP', replicationInstance: 'ri', tables },
];

describe('dms-companion gapfill', () => {
  it("reports a day's differences as JSON in --dry-run, repairs them without it, and exits by what is left", async () => {
    const { sourceAdmin, targetAdmin } = env();
    for (const c of [sourceAdmin, targetAdmin]) {
      await c.query(
        `CREATE TABLE public.orders (id bigint PRIMARY KEY, placed_at timestamptz NOT NULL, amount numeric(10,2))`,
      );
      await c.query(
        `INSERT INTO public.orders SELECT g, '2026-02-10 00:00:00+00'::timestamptz + g * interval '5 min', g FROM generate_series(1, 500) g`,
      );
    }
    await sourceAdmin.query(`GRANT SELECT ON public.orders TO ${COMPANION_USER}`);
    await targetAdmin.query(`GRANT SELECT, INSERT, DELETE ON public.orders TO ${COMPANION_USER}`);
    await targetAdmin.query(`DELETE FROM public.orders WHERE id IN (100, 200)`);
    await targetAdmin.query(`INSERT INTO public.orders SELECT * FROM public.orders WHERE id = 150`);
    const config = writeEnvConfig(env(), {
      tasks: task([{ source: 'public.orders', primaryKey: ['id'], dayColumn: 'placed_at' }]),
    });

    const dry = await runCli(
      ['gapfill', '--table', 'public.orders', '--day', '2026-02-10', '--dry-run', '--json', '--config', config],
      CLI_ENV,
    );
    expect(dry.code).toBe(1);
    const report = JSON.parse(dry.stdout) as { results: Record<string, unknown>[] };
    expect(report.results).toHaveLength(1);
    for (const k of [
      'table',
      'day',
      'rowsCompared',
      'missing',
      'extra',
      'duplicated',
      'stale',
      'repaired',
      'queries',
      'durationMs',
    ])
      expect(report.results[0]).toHaveProperty(k);
    expect(report.results[0]).toMatchObject({
      table: 'public.orders',
      day: '2026-02-10',
      status: 'planned',
      rowsCompared: 287,
      missing: [['100'], ['200']],
      extra: [],
      duplicated: [['150']],
      stale: [],
    });

    const fix = await runCli(
      ['gapfill', '--table', 'public.orders', '--day', '2026-02-10', '--config', config],
      CLI_ENV,
    );
    expect(fix.code).toBe(1); // the duplicate is only reported without --dedupe
    expect(fix.stdout).toMatch(/public\.orders\s+2026-02-10\s+differences/);
    const dedupe = await runCli(
      ['gapfill', '--table', 'public.orders', '--day', '2026-02-10', '--dedupe', '--config', config],
      CLI_ENV,
    );
    expect(dedupe.code).toBe(0);
    const n = await targetAdmin.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.orders`);
    expect(n.rows[0]!.n).toBe('500');
  });

  it("compares by the day column when keys do not grow with it (Pagila's rentals), says so, and refuses bad days", async () => {
    const config = writeEnvConfig(env(), {
      tasks: task([{ source: 'public.rental', primaryKey: ['rental_id'], dayColumn: 'rental_date' }]),
    });
    await env().target.query(`CREATE TABLE public.rental (rental_id integer, rental_date timestamptz)`);
    const r = await runCli(['gapfill', '--day', '2022-05-28', '--dry-run', '--json', '--config', config], CLI_ENV);
    expect(r.code).toBe(1);
    const result = (
      JSON.parse(r.stdout) as {
        results: { mode: string; modeReason: string; rowsCompared: number; missing: string[][]; status: string }[];
      }
    ).results[0]!;
    expect(result).toMatchObject({ mode: 'day-hash', status: 'planned' });
    expect(result.modeReason).toMatch(/keys are not monotonic with rental_date/);
    // The target table is empty: every rental of that day is missing.
    const day = await env().sourceAdmin.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM public.rental WHERE rental_date >= '2022-05-28 00:00+00' AND rental_date < '2022-05-29 00:00+00'`,
    );
    expect(result.rowsCompared).toBe(Number(day.rows[0]!.n));
    expect(result.missing).toHaveLength(result.rowsCompared);
    const bad = await runCli(['gapfill', '--day', '2026-02-30', '--config', config], CLI_ENV);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected a day like 2026-03-10, got "2026-02-30"');
  });
});
