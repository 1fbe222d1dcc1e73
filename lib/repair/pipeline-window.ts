import { taskDimensions, type MetricsApi } from '../aws/cloudwatch.js';
import { taskResourceId } from '../aws/dms.js';
import { errorMessage } from '../errors.js';

/**
 * How far back DMS's pipeline may still reach, for the fixer's settle check (lib/repair/settle.ts):
 * CDCLatencyTarget counts, from its commit on the source, the oldest change not yet applied —
 * delays in reading from the source included (docs/aws-facts.md §98) — so a row version committed
 * longer ago than that has been applied or dropped by DMS. The highest datapoint of the last
 * 15 minutes is taken, plus one datapoint period (60 s: the value moves within a period), and the
 * caller adds the time since it was read. Without a datapoint the window is the whole 15 minutes.
 */

export interface PipelineWindow {
  /** Seconds. */
  seconds: number;
  /** When no latency could be read (the window then falls back to 900 s). */
  warning?: string;
}

const LOOKBACK_SECONDS = 900;
const PERIOD_SECONDS = 60;

export async function pipelineWindow(
  metrics: MetricsApi,
  task: { arn: string; replicationInstance: string },
  now: Date,
): Promise<PipelineWindow> {
  try {
    const [series] = await metrics.getDmsMetrics(
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
    if (!series || series.length === 0)
      return { seconds: LOOKBACK_SECONDS, warning: 'no CDCLatencyTarget datapoint in the last 15 minutes' };
    return { seconds: Math.max(...series.map((p) => p.value)) + PERIOD_SECONDS };
  } catch (err) {
    return { seconds: LOOKBACK_SECONDS, warning: `CDCLatencyTarget not read (${errorMessage(err)})` };
  }
}
