import type { TaskConfig } from '../../config/schema.js';
import { pipelineWindow } from '../../lib/repair/pipeline-window.js';
import { commitTimestampsOn, splitSettled, type SettleSplit } from '../../lib/repair/settle.js';
import type { SourceRow, TablePlan } from '../../lib/typemap/index.js';
import type { JobDeps } from '../runtime.js';

/**
 * The fixer's settle check: a row it reads after the stop is written only when DMS can no longer
 * deliver its version. Stopping the task does not empty DMS's pipeline: a change committed on the
 * source but not yet applied (capture lag, a long transaction committing late; docs/aws-facts.md
 * §98–§99) is applied after the resume — a re-inserted key would then be on the target twice. The
 * version's commit time (`pg_xact_commit_timestamp(xmin)`, §71) must lie before DMS's position as
 * CDCLatencyTarget proves it (lib/repair/pipeline-window.ts, read before the stop; the position
 * never moves back, so it still holds after the stop); younger rows are skipped, reported, and left
 * to gap-filling. Without a latency datapoint nothing is proven and no row is written.
 *
 * Read before the stop, so that the latency is the running task's. Undefined (with a warning) when
 * the source does not record commit timestamps: the rows are then written as before.
 */
export async function fixerSettleCheck(
  deps: JobDeps,
  task: TaskConfig,
  plan: TablePlan,
  primaryKey: readonly string[],
  warnings: string[],
): Promise<((rows: readonly SourceRow[]) => Promise<SettleSplit>) | undefined> {
  if (!(await commitTimestampsOn(deps.source))) {
    warnings.push(
      'track_commit_timestamp is off on the source: the fixer cannot tell a row DMS may still deliver after the resume ' +
        '(a key re-inserted on the source meanwhile) from a settled one; turn it on (docs/aws-facts.md §71)',
    );
    return undefined;
  }
  const readAt = deps.clock.now().getTime();
  const window = await pipelineWindow(deps.metrics, task, new Date(readAt));
  if (window.warning) {
    warnings.push(
      `${window.warning}: DMS's position is unknown, so no row read after the stop is written (gap-filling repairs them)`,
    );
    return (rows) => Promise.resolve({ admitted: [], held: [...rows] });
  }
  return (rows) => {
    const since = Math.max(0, (deps.clock.now().getTime() - readAt) / 1000);
    return splitSettled(deps.source, plan, primaryKey, rows, window.seconds + since);
  };
}
