import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('dms-companion demo', () => {
  it('replicates a seeded workload in real time and ends with target equal to source', async () => {
    const r = await runCli(['demo', '--duration', '5', '--rate', '40', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { targetEqualsSource: boolean; changesApplied: number; changesCaptured: number; tables: { table: string; missing: number; extra: number }[] };
    expect(report.targetEqualsSource).toBe(true);
    expect(report.changesCaptured).toBeGreaterThan(100);
    expect(report.changesApplied).toBe(report.changesCaptured);
    expect(report.tables.map((t) => t.table)).toEqual(['public.rental', 'public.payment', 'public.customer', 'public.film']);
  }, 120_000);

  it('refuses a bad duration with exit 2', async () => {
    const r = await runCli(['demo', '--duration', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--duration must be a positive number');
  });
});
