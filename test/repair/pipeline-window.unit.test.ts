import { describe, expect, it } from 'vitest';
import type { Datapoint, MetricsApi } from '../../lib/aws/cloudwatch.js';
import { pipelineWindow, windowFromLatency } from '../../lib/repair/pipeline-window.js';

/** The fixer's settle window from CDCLatencyTarget datapoints (lib/repair/pipeline-window.ts). */
const NOW = new Date('2026-08-01T12:00:30Z');
const at = (iso: string, value: number): Datapoint => ({ timestamp: new Date(iso), value });
const TASK = { arn: 'arn:aws:dms:us-east-1:123456789012:task:T', replicationInstance: 'ri' };

function metrics(answer: Datapoint[] | Error): MetricsApi {
  return {
    getDmsMetrics: () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve([answer])),
  };
}

describe('pipeline window', () => {
  it('is the tightest proof of DMS position: min over datapoints of (now − timestamp) + latency + one period', () => {
    const series = [at('2026-08-01T11:58:00Z', 10), at('2026-08-01T11:59:00Z', 200), at('2026-08-01T12:00:00Z', 40)];
    // 11:58 → 150 + 10 + 60 = 220; 11:59 → 90 + 200 + 60 = 350; 12:00 → 30 + 40 + 60 = 130.
    expect(windowFromLatency(series, NOW)).toBe(130);
  });

  it('an old low latency can prove more than a recent high one (DMS position never moves back)', () => {
    const series = [at('2026-08-01T11:59:00Z', 0), at('2026-08-01T12:00:00Z', 600)];
    expect(windowFromLatency(series, NOW)).toBe(150);
  });

  it('is unbounded, with the reason, when no datapoint or no answer comes back', async () => {
    expect(await pipelineWindow(metrics([]), TASK, NOW)).toEqual({
      seconds: Infinity,
      warning: 'no CDCLatencyTarget datapoint in the last 15 minutes',
    });
    const failed = await pipelineWindow(metrics(new Error('AccessDenied')), TASK, NOW);
    expect(failed.seconds).toBe(Infinity);
    expect(failed.warning).toContain('AccessDenied');
    expect(await pipelineWindow(metrics([at('2026-08-01T12:00:00Z', 5)]), TASK, NOW)).toEqual({ seconds: 95 });
  });
});
