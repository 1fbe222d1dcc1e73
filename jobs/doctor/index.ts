import { taskDimensions } from '../../lib/aws/cloudwatch.js';
import { taskResourceId, type ReplicationTaskState } from '../../lib/aws/dms.js';
import { errorMessage } from '../../lib/errors.js';
import type { JobDeps } from '../runtime.js';
import { awsChecks } from './aws.js';
import { fail, type DoctorCheck } from './check.js';
import { readCommitTimestampsCheck } from './commit-timestamps.js';
import { connectionChecks } from './connection.js';
import { dmsTableChecks, stateSchemaCheck } from './dms-tables.js';
import { nodeVersionCheck } from './runtime-checks.js';
import { sourceTableChecks, targetTableChecks } from './tables.js';
import { readVisibility, visibilityCheck } from './visibility.js';

export type { DoctorCheck } from './check.js';

/**
 * `dms-companion doctor`: every precondition of the enabled jobs, checked read-only — the Node.js
 * version, both connections and their clocks, the source's commit timestamps (the settle rule), system-view visibility of the DMS user's statements,
 * every configured table and key on both sides with compatible types and the privileges the jobs
 * use, DMS's control tables, the state schema, and the AWS calls. The daemon runs it at start and
 * refuses to start on a failure.
 */
export interface DoctorReport {
  /** False when any check failed. */
  ok: boolean;
  checks: DoctorCheck[];
  counts: { ok: number; warn: number; fail: number };
}

/** Hours of STL_QUERY searched for the DMS user's statements. */
export const VISIBILITY_HOURS = 24;

/** Running configured tasks for which CloudWatch reported changes to apply (CDCIncomingChanges > 0) since `since`. */
async function tasksWithChanges(
  deps: Pick<JobDeps, 'config' | 'metrics' | 'clock'>,
  described: readonly ReplicationTaskState[],
  since: Date,
): Promise<string[]> {
  const running = deps.config.tasks.filter((t) => described.some((d) => d.arn === t.arn && d.status === 'running'));
  if (running.length === 0) return [];
  const points = await deps.metrics
    .getDmsMetrics(
      running.map((t) => ({
        metric: 'CDCIncomingChanges' as const,
        dimensions: taskDimensions(t.replicationInstance, taskResourceId(t.arn)),
        stat: 'Maximum' as const,
      })),
      since,
      deps.clock.now(),
      3600,
    )
    .catch(() => running.map(() => []));
  return running.filter((_t, i) => (points[i] ?? []).some((p) => p.value > 0)).map((t) => t.name);
}

/** Runs every check (never throws: a check that cannot run is a failed check). */
export async function runDoctor(
  deps: Pick<JobDeps, 'config' | 'source' | 'target' | 'state' | 'tasks' | 'metrics' | 'clusters' | 'clock'>,
): Promise<DoctorReport> {
  const { config } = deps;
  const checks: DoctorCheck[] = [nodeVersionCheck()];
  const source = await connectionChecks('source', deps.source);
  const target = await connectionChecks('target', deps.target);
  checks.push(...source.checks, ...target.checks);
  if (source.connected && (config.jobs.fixer.enabled || config.jobs.gapfill.enabled))
    checks.push(...(await readCommitTimestampsCheck(deps.source)));
  const aws = await awsChecks(deps);
  const users = {
    source: config.source.user,
    target: 'user' in config.target ? config.target.user : 'the Data API user',
  };
  if (target.connected) {
    try {
      const since = new Date(deps.clock.now().getTime() - VISIBILITY_HOURS * 3600_000);
      const evidence = await readVisibility(deps.target, config.dmsUser, since);
      const busyTasks = evidence.dmsStatements > 0 ? [] : await tasksWithChanges(deps, aws.tasks, since);
      checks.push(visibilityCheck({ ...evidence, busyTasks }, users.target, config.dmsUser, VISIBILITY_HOURS));
    } catch (err) {
      checks.push(
        fail('target: system-view visibility', errorMessage(err), 'grant SELECT on STL_QUERY / SYS_QUERY_HISTORY'),
      );
    }
    if (config.jobs.fixer.enabled) checks.push(...(await dmsTableChecks(deps.target, users.target)));
  }
  for (const task of config.tasks) {
    for (const table of task.tables) {
      if (source.connected) checks.push(...(await sourceTableChecks(deps.source, table, users.source)));
      if (source.connected && target.connected)
        checks.push(...(await targetTableChecks(deps.source, deps.target, config, table, users.target)));
    }
  }
  const stateSeparate = deps.state.client !== deps.target;
  const state = stateSeparate ? await connectionChecks('state', deps.state.client) : target;
  if (stateSeparate) checks.push(...state.checks);
  if (state.connected) {
    const stateUser = config.state.connection?.user ?? users.target;
    checks.push(await stateSchemaCheck(deps.state.client, deps.state.schema, stateUser));
  }
  checks.push(...aws.checks);
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const c of checks) counts[c.status]++;
  return { ok: counts.fail === 0, checks, counts };
}
