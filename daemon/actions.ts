import type { AlarmAction, TaskConfig } from '../config/schema.js';
import { runChecker, type CheckerReport } from '../jobs/checker/index.js';
import { runFixer, type FixerReport } from '../jobs/fixer/index.js';
import { runGapfill, type GapfillReport } from '../jobs/gapfill/index.js';
import { runMaintenanceTick, type MaintenanceTickReport } from '../jobs/maintenance-guard/index.js';
import { runMemoryTick, type MemoryTickReport } from '../jobs/memory-guard/index.js';
import type { JobDeps } from '../jobs/runtime.js';

/**
 * The jobs as the daemon, the SNS endpoint and the Lambda handler run them: one name, an optional
 * task, the job's own function, and a one-line summary plus whether it went well.
 */

export type JobName = 'checker' | 'fixer' | 'gapfill' | 'maintenance-guard' | 'memory-guard';

export type JobReport = CheckerReport | FixerReport | GapfillReport | MaintenanceTickReport | MemoryTickReport;

export interface JobOutcome {
  job: JobName;
  /** The task the run was for, when it was for one. */
  task?: string | undefined;
  /** True when nothing is left for a person. */
  ok: boolean;
  summary: string;
  report: JobReport;
}

export interface JobRequest {
  job: JobName;
  /** Only this task (check, fix). */
  task?: TaskConfig | undefined;
}

/** Key under which runs of the same job (and task) never overlap and are coalesced. */
export function requestKey(r: JobRequest): string {
  return r.task ? `${r.job}:${r.task.name}` : r.job;
}

/** Runs one job now (`dryRun`: every job plans and reports, stops no task and writes nothing). */
export async function runJob(deps: JobDeps, r: JobRequest, dryRun = false): Promise<JobOutcome> {
  const tasks = r.task ? [r.task] : deps.config.tasks;
  switch (r.job) {
    case 'checker': {
      const report = await runChecker(deps, { tasks, dryRun });
      const summary = report.tasks.map((t) => `${t.task}: ${t.status}${t.fix ? ` → fixer ${t.fix.status}${t.fix.inserted.length ? ` (${t.fix.inserted.length} row(s) inserted)` : ''}` : ''}${t.action === 'cooldown' ? ' (cool-down)' : ''}`).join('; ');
      return { job: r.job, task: r.task?.name, ok: report.problems === 0, summary, report };
    }
    case 'fixer': {
      const reports = [];
      for (const t of tasks) reports.push(await runFixer(deps, { task: t, dryRun }));
      const report = reports[0]!;
      return { job: r.job, task: r.task?.name, ok: reports.every((x) => x.status !== 'failed' && x.status !== 'skipped'), summary: reports.map((x) => `${x.task}: ${x.status}`).join('; '), report };
    }
    case 'gapfill': {
      const report = await runGapfill(deps, { dryRun });
      const diffs = report.results.reduce((a, x) => a + x.missing.length + x.extra.length + x.duplicated.length + x.stale.length, 0);
      return { job: r.job, ok: report.problems === 0, summary: `${report.results.length} table-day(s), ${diffs} difference(s), ${report.problems} problem(s)`, report };
    }
    case 'maintenance-guard': {
      const report = await runMaintenanceTick(deps, { dryRun });
      const acted = report.actions.filter((a) => a.action !== 'none').map((a) => `${a.task} ${a.action}: ${a.result}`);
      return { job: r.job, ok: !report.actions.some((a) => a.error) && report.phase !== 'gave-up', summary: `${report.phase}${acted.length ? ` — ${acted.join(', ')}` : ''}`, report };
    }
    case 'memory-guard': {
      const report = await runMemoryTick(deps, { dryRun });
      return {
        job: r.job,
        ok: report.instances.every((i) => !i.restarted.some((x) => x.error) && i.decision !== 'not-recovered' && i.decision !== 'restart-limit'),
        summary: report.instances.map((i) => `${i.instance}: ${i.decision}${i.restarted.length ? ` (${i.restarted.map((x) => `${x.task} ${x.result}`).join(', ')})` : ''}`).join('; '),
        report,
      };
    }
  }
}

/** The job requests an alarm action stands for. */
export function alarmRequests(deps: JobDeps, a: AlarmAction): JobRequest[] {
  const tasks = a.task ? deps.config.tasks.filter((t) => t.name === a.task) : deps.config.tasks;
  switch (a.run) {
    case 'check':
      return tasks.map((task) => ({ job: 'checker', task }));
    case 'fix':
      return tasks.map((task) => ({ job: 'fixer', task }));
    case 'gapfill':
      return [{ job: 'gapfill' }];
    case 'maintenance-guard':
      return [{ job: 'maintenance-guard' }];
    case 'memory-guard':
      return [{ job: 'memory-guard' }];
  }
}

/** True when an alarm name matches a configured pattern (`*` matches any text). */
export function alarmMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}
