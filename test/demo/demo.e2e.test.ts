import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

interface DemoJson {
  faults: {
    kind: string;
    injectedAt: string | null;
    detectedBy: string | null;
    detectedAt: string | null;
    repairedAt: string | null;
    evidence?: string;
  }[];
  targetEqualsSource: boolean;
  allRepaired: boolean;
  tables: { table: string; missing: number; extra: number }[];
  runs: Record<string, number>;
  simulatorErrors: string[];
}

describe('dms-companion demo', () => {
  it('runs the whole scenario: every injected fault is detected by the job meant for it and repaired, and target equals source', async () => {
    const r = await runCli(['demo', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DemoJson;
    // The default DMS variant is `failed-batch`: the next batch may reload the changes table before the fixer
    // runs; the fixer then refuses that evidence and repairs the lost INSERT from the task's apply exceptions (or
    // gap-filling does).
    expect(report.faults.map((f) => f.kind)).toEqual([
      'lost-update',
      'lost-delete',
      'lost-insert',
      'memory-leak',
      'maintenance-reboot',
    ]);
    const by = Object.fromEntries(report.faults.map((f) => [f.kind, f]));
    expect([by['lost-update']!.detectedBy, by['lost-delete']!.detectedBy]).toEqual(['gapfill', 'gapfill']);
    expect(['checker', 'gapfill']).toContain(by['lost-insert']!.detectedBy);
    expect(['changes-table', 'apply-exceptions', 'gapfill']).toContain(by['lost-insert']!.evidence);
    expect([by['memory-leak']!.detectedBy, by['maintenance-reboot']!.detectedBy]).toEqual([
      'memory-guard',
      'maintenance-guard',
    ]);
    for (const f of report.faults) {
      expect(f.injectedAt && f.detectedAt && f.repairedAt, f.kind).toBeTruthy();
      expect(Date.parse(f.repairedAt!)).toBeGreaterThanOrEqual(Date.parse(f.detectedAt!));
      // Detected after it happened — except the maintenance reboot, which the guard acts on ahead of time.
      if (f.kind === 'maintenance-reboot') expect(Date.parse(f.detectedAt!)).toBeLessThan(Date.parse(f.injectedAt!));
      else expect(Date.parse(f.detectedAt!)).toBeGreaterThanOrEqual(Date.parse(f.injectedAt!));
    }
    expect(report.allRepaired).toBe(true);
    expect(report.targetEqualsSource).toBe(true);
    expect(report.tables.map((t) => [t.table, t.missing, t.extra])).toEqual([
      ['public.rental', 0, 0],
      ['public.payment', 0, 0],
      ['public.customer', 0, 0],
      ['public.film', 0, 0],
    ]);
    expect(Object.keys(report.runs).sort()).toEqual(['checker', 'gapfill', 'maintenance-guard', 'memory-guard']);
    expect(report.simulatorErrors).toEqual([]);
  }, 240_000);

  it('refuses a duration too short for the fault schedule with exit 2', async () => {
    const r = await runCli(['demo', '--duration', '30']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--duration must be a number ≥ 75');
  });
});
