import { describe, expect, it } from 'vitest';
import { JOB_NAMES, jobs } from '../../jobs/registry.js';

/** Reports cut down to what the definitions read; the CLI, the daemon and the metrics all judge through these. */
const memory = (
  decision: string,
  restarted: { task: string; result: string; error?: string }[] = [],
  warnings: string[] = [],
) => ({ instances: [{ instance: 'dms-1', decision, restarted, warnings }] }) as never;
const maintenance = (
  phase: string,
  actions: { task: string; action: string; result: string; error?: string }[] = [],
  alerts: string[] = [],
) => ({ phase, actions, alerts }) as never;

describe('job registry: one meaning per outcome', () => {
  it('names every job once, with its config key and command', () => {
    expect(JOB_NAMES).toEqual(['checker', 'fixer', 'gapfill', 'maintenance-guard', 'memory-guard']);
    expect(JOB_NAMES.map((n) => [jobs[n].name, jobs[n].configKey, jobs[n].command])).toEqual([
      ['checker', 'checker', 'check'],
      ['fixer', 'fixer', 'fix'],
      ['gapfill', 'gapfill', 'gapfill'],
      ['maintenance-guard', 'maintenanceGuard', 'maintenance tick'],
      ['memory-guard', 'memoryGuard', 'memory tick'],
    ]);
  });

  it.each([
    ['no FreeableMemory data is a warning, not a problem', memory('no-data', [], ['no datapoints']), false],
    ['a restart that worked', memory('restart', [{ task: 'a', result: 'stopped and resumed' }]), false],
    ['a restart that failed', memory('restart', [{ task: 'a', result: 'failed', error: 'x' }]), true],
    ['memory not recovered', memory('not-recovered'), true],
    ['restart limit reached', memory('restart-limit'), true],
  ])('memory guard: %s', (_n, report, problem) => {
    expect(jobs['memory-guard'].isProblem(report)).toBe(problem);
  });

  it.each([
    ['idle', maintenance('idle'), false],
    [
      'waiting for the cluster, still within the retries',
      maintenance('waiting-for-cluster', [], ['keeping the hold']),
      false,
    ],
    ['gave up', maintenance('gave-up', [], ['release by hand']), true],
    ['a stop that failed', maintenance('holding', [{ task: 'a', action: 'hold', result: 'failed', error: 'x' }]), true],
  ])('maintenance guard: %s', (_n, report, problem) => {
    expect(jobs['maintenance-guard'].isProblem(report)).toBe(problem);
  });

  it('fixer: a skipped or failed run is a problem; effects count rows and the stop', () => {
    const run = (status: string, inserted: string[][] = [], stopped = false) =>
      ({ task: 'a', status, table: 'public.t', inserted, hold: { stopped } }) as never;
    expect(jobs.fixer.isProblem({ job: 'fixer', runs: [run('repaired'), run('nothing-missing')] })).toBe(false);
    expect(jobs.fixer.isProblem({ job: 'fixer', runs: [run('repaired'), run('skipped')] })).toBe(true);
    expect(jobs.fixer.isProblem({ job: 'fixer', runs: [run('failed')] })).toBe(true);
    expect(jobs.fixer.effects({ job: 'fixer', runs: [run('repaired', [['1'], ['2']], true)] })).toEqual([
      { kind: 'repaired', table: 'public.t', action: 'insert', rows: 2 },
      { kind: 'restart', task: 'a', reason: 'fixer' },
    ]);
  });
});
