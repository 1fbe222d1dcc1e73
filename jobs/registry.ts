import type { Config, TaskConfig } from '../config/schema.js';
import { runChecker, type CheckerReport } from './checker/index.js';
import { runFixer, type FixerReport } from './fixer/index.js';
import { runGapfill, type GapfillReport } from './gapfill/index.js';
import { runMaintenanceTick, type MaintenanceTickReport } from './maintenance-guard/index.js';
import { runMemoryTick, type MemoryTickReport } from './memory-guard/index.js';
import type { JobDeps } from './runtime.js';

/**
 * The five jobs, each as one definition that the CLI, the daemon, the Lambda handler, the metrics and the demo all
 * read: its name (also the metrics label, the log field `job` and the run-record kind), its config key under
 * `jobs:`, its CLI command, how to run it, whether a report leaves a problem for a person, a one-line summary, and
 * the effects the metrics count (rows repaired, gaps found, task restarts).
 */

/** The checker's report with the fixer runs it started. */
export type CheckAndFixReport = CheckerReport<FixerReport>;

/** The fixer's runs, one per task asked for. */
export interface FixerRunsReport {
  job: 'fixer';
  runs: FixerReport[];
}

interface Reports {
  checker: CheckAndFixReport;
  fixer: FixerRunsReport;
  gapfill: GapfillReport;
  'maintenance-guard': MaintenanceTickReport;
  'memory-guard': MemoryTickReport;
}

export type JobName = keyof Reports;

/** Something a run did that the metrics count. */
export type JobEffect =
  | { kind: 'repaired'; table: string; action: string; rows: number }
  | { kind: 'gap'; table: string; cls: 'missing' | 'extra' | 'duplicated' | 'stale'; keys: number }
  | { kind: 'restart'; task: string; reason: 'fixer' | 'maintenance' | 'memory' };

export interface JobRunOptions {
  /** The tasks to act on (checker, fixer); the other jobs act on the whole config. */
  tasks: TaskConfig[];
  /** Plan and report only: stop no task, write nothing. */
  dryRun: boolean;
}

export interface JobDefinition<N extends JobName> {
  name: N;
  configKey: keyof Config['jobs'];
  /** The CLI command that runs it once. */
  command: string;
  run(deps: JobDeps, o: JobRunOptions): Promise<Reports[N]>;
  /** True when the report leaves something for a person (the CLI exits 1, the daemon counts a problem). */
  isProblem(r: Reports[N]): boolean;
  summarize(r: Reports[N]): string;
  effects(r: Reports[N]): JobEffect[];
}

/** A finished run of one job: its report, typed by the job's name. */
export type JobOutcomeOf<N extends JobName> = {
  job: N;
  /** The task the run was for, when it was for one. */
  task?: string | undefined;
  /** True when nothing is left for a person. */
  ok: boolean;
  summary: string;
  effects: JobEffect[];
  report: Reports[N];
};
export type JobOutcome = { [N in JobName]: JobOutcomeOf<N> }[JobName];

/** The checker with the fixer wired in: one-by-one mode starts a fixer run for the task. */
export function checkAndFix(deps: JobDeps, o: JobRunOptions & { runId?: string }): Promise<CheckAndFixReport> {
  return runChecker(deps, { ...o, startFixer: (task, runId) => runFixer(deps, { task, dryRun: o.dryRun, runId }) });
}

/** What a fixer run did that the metrics count. */
function fixerEffects(f: FixerReport): JobEffect[] {
  const out: JobEffect[] = [];
  if (f.inserted.length)
    out.push({ kind: 'repaired', table: f.table ?? '', action: 'insert', rows: f.inserted.length });
  if (f.hold.stopped) out.push({ kind: 'restart', task: f.task, reason: 'fixer' });
  return out;
}

const GAP_CLASSES = ['missing', 'extra', 'duplicated', 'stale'] as const;

export const jobs: { [N in JobName]: JobDefinition<N> } = {
  checker: {
    name: 'checker',
    configKey: 'checker',
    command: 'check',
    run: (deps, o) => checkAndFix(deps, o),
    isProblem: (r) => r.problems > 0,
    summarize: (r) =>
      r.tasks
        .map((t) => {
          const fix = t.fix
            ? ` → fixer ${t.fix.status}${t.fix.inserted.length ? ` (${t.fix.inserted.length} row(s) inserted)` : ''}`
            : '';
          return `${t.task}: ${t.status}${fix}${t.action === 'cooldown' ? ' (cool-down)' : ''}`;
        })
        .join('; '),
    effects: (r) => r.tasks.flatMap((t) => (t.fix ? fixerEffects(t.fix) : [])),
  },
  fixer: {
    name: 'fixer',
    configKey: 'fixer',
    command: 'fix',
    run: async (deps, o) => {
      const runs: FixerReport[] = [];
      for (const task of o.tasks) runs.push(await runFixer(deps, { task, dryRun: o.dryRun }));
      return { job: 'fixer', runs };
    },
    isProblem: (r) => r.runs.some((x) => x.status === 'failed' || x.status === 'skipped'),
    summarize: (r) => r.runs.map((x) => `${x.task}: ${x.status}`).join('; '),
    effects: (r) => r.runs.flatMap(fixerEffects),
  },
  gapfill: {
    name: 'gapfill',
    configKey: 'gapfill',
    command: 'gapfill',
    run: (deps, o) => runGapfill(deps, { dryRun: o.dryRun }),
    isProblem: (r) => r.problems > 0,
    summarize: (r) => {
      const diffs = r.results.reduce(
        (a, x) => a + x.missing.length + x.extra.length + x.duplicated.length + x.stale.length,
        0,
      );
      return `${r.results.length} table-day(s), ${diffs} difference(s), ${r.problems} problem(s)`;
    },
    effects: (r) =>
      r.results.flatMap((x) => [
        ...GAP_CLASSES.filter((cls) => x[cls].length > 0).map((cls): JobEffect => ({
          kind: 'gap',
          table: x.table,
          cls,
          keys: x[cls].length,
        })),
        ...Object.entries(x.repaired)
          .filter(([, n]) => n > 0)
          .map(([action, rows]): JobEffect => ({ kind: 'repaired', table: x.table, action, rows })),
      ]),
  },
  'maintenance-guard': {
    name: 'maintenance-guard',
    configKey: 'maintenanceGuard',
    command: 'maintenance tick',
    run: (deps, o) => runMaintenanceTick(deps, { dryRun: o.dryRun }),
    isProblem: (r) => r.actions.some((a) => a.error) || r.phase === 'gave-up',
    summarize: (r) => {
      const acted = r.actions.filter((a) => a.action !== 'none').map((a) => `${a.task} ${a.action}: ${a.result}`);
      return `${r.phase}${acted.length ? ` — ${acted.join(', ')}` : ''}`;
    },
    effects: (r) =>
      r.actions
        .filter((a) => a.action === 'hold' && a.result === 'stopped')
        .map((a): JobEffect => ({ kind: 'restart', task: a.task, reason: 'maintenance' })),
  },
  'memory-guard': {
    name: 'memory-guard',
    configKey: 'memoryGuard',
    command: 'memory tick',
    run: (deps, o) => runMemoryTick(deps, { dryRun: o.dryRun }),
    isProblem: (r) =>
      r.instances.some(
        (i) => i.restarted.some((x) => x.error) || i.decision === 'not-recovered' || i.decision === 'restart-limit',
      ),
    summarize: (r) =>
      r.instances
        .map(
          (i) =>
            `${i.instance}: ${i.decision}${i.restarted.length ? ` (${i.restarted.map((x) => `${x.task} ${x.result}`).join(', ')})` : ''}`,
        )
        .join('; '),
    effects: (r) =>
      r.instances.flatMap((i) =>
        i.restarted
          .filter((x) => !x.error)
          .map((x): JobEffect => ({ kind: 'restart', task: x.task, reason: 'memory' })),
      ),
  },
};

/** Every job name, in the order the README lists them. */
export const JOB_NAMES = Object.keys(jobs) as JobName[];

/** Runs one job now and describes the outcome with its definition. */
export async function runDefinedJob<N extends JobName>(
  deps: JobDeps,
  name: N,
  o: JobRunOptions & { task?: string | undefined },
): Promise<JobOutcomeOf<N>> {
  const def: JobDefinition<N> = jobs[name];
  const report = await def.run(deps, o);
  return {
    job: name,
    task: o.task,
    ok: !def.isProblem(report),
    summary: def.summarize(report),
    effects: def.effects(report),
    report,
  };
}

/** {@link runDefinedJob} for a name known only at run time, typed as the union every consumer can narrow by `job`. */
export function runJob(
  deps: JobDeps,
  name: JobName,
  o: JobRunOptions & { task?: string | undefined },
): Promise<JobOutcome> {
  switch (name) {
    case 'checker':
      return runDefinedJob(deps, 'checker', o);
    case 'fixer':
      return runDefinedJob(deps, 'fixer', o);
    case 'gapfill':
      return runDefinedJob(deps, 'gapfill', o);
    case 'maintenance-guard':
      return runDefinedJob(deps, 'maintenance-guard', o);
    case 'memory-guard':
      return runDefinedJob(deps, 'memory-guard', o);
  }
}

/** The setup check the daemon runs at start (`dms-companion doctor`). */
export { runDoctor, type DoctorReport } from './doctor/index.js';
export { renderDoctor } from './doctor/render.js';
