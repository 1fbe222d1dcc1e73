import type { AlarmAction, TaskConfig } from '../config/schema.js';
import { runJob as runRegisteredJob, type JobName, type JobOutcome } from '../jobs/registry.js';
import type { JobDeps } from '../jobs/runtime.js';

/**
 * Job requests as the daemon, the SNS endpoint and the Lambda handler make them: one job name, an optional task.
 * What each job is and what its outcome means lives in jobs/registry.ts.
 */

export type { JobName, JobOutcome } from '../jobs/registry.js';

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
export function runJob(deps: JobDeps, r: JobRequest, dryRun = false): Promise<JobOutcome> {
  return runRegisteredJob(deps, r.job, { tasks: r.task ? [r.task] : deps.config.tasks, dryRun, task: r.task?.name });
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
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}
