import { taskDimensions, type Datapoint, type MetricsApi } from '../aws/cloudwatch.js';
import { taskResourceId } from '../aws/dms.js';
import { errorMessage } from '../errors.js';

/**
 * How far back DMS's pipeline may still reach, for the fixer's settle check (lib/repair/settle.ts).
 *
 * CDCLatencyTarget is the age, counted from its commit on the source, of the first change not yet
 * applied — delays in reading from the source included (docs/aws-facts.md §98). Call that change's
 * commit time DMS's position P: changes leave in commit order (§99), so every change committed
 * before P has been applied (or dropped), and P never moves back. A datapoint covering the period
 * that starts at `t` with Maximum `L` therefore proves P ≥ t − L at every moment of that period and
 * after it (docs/aws-facts.md §100). The window is the tightest such proof over the last 15 minutes,
 * in seconds before `now` ({@link windowFromLatency}); the caller adds the time since it was read.
 * Without a datapoint nothing is proven and every row counts as possibly still in the pipeline.
 */

export interface PipelineWindow {
  /** Seconds before the time of the read; Infinity when no latency could be read. */
  seconds: number;
  /** Why the window is unbounded. */
  warning?: string;
}

const LOOKBACK_SECONDS = 900;
const PERIOD_SECONDS = 60;

/**
 * The window from CDCLatencyTarget datapoints (Maximum per period of `periodSeconds`). A datapoint's
 * timestamp is taken as its period's start, and one period is added in case it is the end
 * (docs/aws-facts.md §100.2): min over datapoints of (now − timestamp) + Maximum + period.
 */
export function windowFromLatency(series: readonly Datapoint[], now: Date, periodSeconds = PERIOD_SECONDS): number {
  let best = Infinity;
  for (const p of series) {
    const age = Math.max(0, (now.getTime() - p.timestamp.getTime()) / 1000);
    best = Math.min(best, age + p.value + periodSeconds);
  }
  return best;
}

/**
 * The task's CDCLatencyTarget datapoints (seconds, Maximum per minute) of the last 15 minutes before `now`, oldest
 * first; or why there are none (the read failed, or no datapoint). Never throws.
 */
export async function readTargetLatency(
  metrics: MetricsApi,
  task: { arn: string; replicationInstance: string },
  now: Date,
): Promise<{ series: Datapoint[]; warning?: undefined } | { series?: undefined; warning: string }> {
  let series: Datapoint[] | undefined;
  try {
    [series] = await metrics.getDmsMetrics(
      [
        {
          metric: 'CDCLatencyTarget',
          dimensions: taskDimensions(task.replicationInstance, taskResourceId(task.arn)),
          stat: 'Maximum',
        },
      ],
      new Date(now.getTime() - LOOKBACK_SECONDS * 1000),
      now,
      PERIOD_SECONDS,
    );
  } catch (err) {
    return { warning: `CDCLatencyTarget not read (${errorMessage(err)})` };
  }
  if (!series || series.length === 0) return { warning: 'no CDCLatencyTarget datapoint in the last 15 minutes' };
  return { series };
}

export async function pipelineWindow(
  metrics: MetricsApi,
  task: { arn: string; replicationInstance: string },
  now: Date,
): Promise<PipelineWindow> {
  const read = await readTargetLatency(metrics, task, now);
  if (read.warning !== undefined) return { seconds: Infinity, warning: read.warning };
  return { seconds: windowFromLatency(read.series, now) };
}
