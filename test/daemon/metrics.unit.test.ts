import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobOutcome } from '../../daemon/actions.js';
import { jobs } from '../../jobs/registry.js';
import { CompanionMetrics } from '../../daemon/metrics.js';
import { silentLogger } from '../../lib/log.js';

/** Outcomes as the jobs report them (only the fields the effects read are filled in), effects from the registry. */
function outcome<N extends JobOutcome['job']>(job: N, report: unknown, extra: Partial<JobOutcome> = {}): JobOutcome {
  const effects = jobs[job].effects(report as never);
  return { job, ok: true, summary: '', report, effects, ...extra } as JobOutcome;
}
const FIXER = outcome(
  'fixer',
  { runs: [{ task: 'app', table: 'public.rental', inserted: [['7'], ['9']], hold: { stopped: true } }] },
  { task: 'app', summary: 'app: repaired' },
);
const GAPFILL = outcome('gapfill', {
  results: [
    {
      table: 'public.rental',
      missing: [['1'], ['2'], ['3']],
      extra: [['4']],
      duplicated: [],
      stale: [['5'], ['6']],
      repaired: { inserted: 3, replaced: 2, deleted: 1, deduped: 0 },
    },
  ],
});
const MEMORY = outcome('memory-guard', {
  instances: [{ restarted: [{ task: 'app' }, { task: 'other', error: 'did not stop' }] }],
});

const cw = mockClient(CloudWatchClient);
afterEach(() => {
  cw.reset();
  vi.restoreAllMocks();
});

describe('the companion’s own metrics', () => {
  it('counts rows repaired, gaps by class, restarts by reason, durations and failures in Prometheus text', async () => {
    const m = new CompanionMetrics({ cloudwatch: 'off', namespace: 'X', log: silentLogger() });
    await m.record(FIXER, 2.5);
    await m.record(GAPFILL, 40);
    await m.record(MEMORY, 1);
    await m.record({ job: 'checker', ok: false, error: 'target unreachable' }, 0.2);
    const text = await m.registry.metrics();
    expect(text).toContain('dms_companion_rows_repaired_total{job="fixer",table="public.rental",action="insert"} 2');
    expect(text).toContain(
      'dms_companion_rows_repaired_total{job="gapfill",table="public.rental",action="inserted"} 3',
    );
    expect(text).toContain('dms_companion_rows_repaired_total{job="gapfill",table="public.rental",action="deleted"} 1');
    expect(text).not.toContain('action="deduped"');
    expect(text).toContain('dms_companion_gaps_found_total{table="public.rental",class="missing"} 3');
    expect(text).toContain('dms_companion_gaps_found_total{table="public.rental",class="stale"} 2');
    expect(text).toContain('dms_companion_task_restarts_total{task="app",reason="fixer"} 1');
    expect(text).toContain('dms_companion_task_restarts_total{task="app",reason="memory"} 1');
    expect(text).not.toContain('task="other"');
    expect(text).toContain('dms_companion_job_failures_total{job="checker"} 1');
    expect(text).toContain('dms_companion_job_duration_seconds_bucket{le="60",job="gapfill"} 1');
    expect(text).toContain('dms_companion_job_duration_seconds_bucket{le="15",job="gapfill"} 0');
  });

  it('sends them with PutMetricData in the configured namespace', async () => {
    cw.on(PutMetricDataCommand).resolves({});
    const m = new CompanionMetrics({
      cloudwatch: 'put-metric-data',
      namespace: 'Team/DMSCompanion',
      client: new CloudWatchClient({ region: 'us-east-1' }),
      log: silentLogger(),
    });
    await m.record(GAPFILL, 40);
    const calls = cw.commandCalls(PutMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.Namespace).toBe('Team/DMSCompanion');
    const data = input.MetricData!.map((d): unknown[] => [
      d.MetricName,
      d.Value,
      d.Unit,
      Object.fromEntries((d.Dimensions ?? []).map((x): [string, string] => [x.Name ?? '', x.Value ?? ''])),
    ]);
    expect(data).toEqual([
      ['JobDuration', 40, 'Seconds', { Job: 'gapfill' }],
      ['GapsFound', 3, 'Count', { Table: 'public.rental', Class: 'missing' }],
      ['GapsFound', 1, 'Count', { Table: 'public.rental', Class: 'extra' }],
      ['GapsFound', 2, 'Count', { Table: 'public.rental', Class: 'stale' }],
      ['RowsRepaired', 3, 'Count', { Job: 'gapfill', Table: 'public.rental' }],
      ['RowsRepaired', 2, 'Count', { Job: 'gapfill', Table: 'public.rental' }],
      ['RowsRepaired', 1, 'Count', { Job: 'gapfill', Table: 'public.rental' }],
    ]);
  });

  it('a PutMetricData failure is logged, never fails the job', async () => {
    cw.on(PutMetricDataCommand).rejects(new Error('AccessDenied: not authorized to perform cloudwatch:PutMetricData'));
    const lines: string[] = [];
    const log = silentLogger();
    vi.spyOn(log, 'warn').mockImplementation(
      ((o: { err: string }, msg: string) => void lines.push(`${msg}: ${o.err}`)) as never,
    );
    const m = new CompanionMetrics({
      cloudwatch: 'put-metric-data',
      namespace: 'X',
      client: new CloudWatchClient({ region: 'us-east-1' }),
      log,
    });
    await expect(m.record(FIXER, 1)).resolves.toBeUndefined();
    expect(lines).toEqual([
      'could not publish metrics to CloudWatch: AccessDenied: not authorized to perform cloudwatch:PutMetricData',
    ]);
  });

  it('writes Embedded Metric Format lines to stdout in the configured namespace', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    const m = new CompanionMetrics({ cloudwatch: 'emf', namespace: 'DMSCompanion', log: silentLogger() });
    await m.record(FIXER, 2.5);
    const docs = out.map(
      (l) =>
        JSON.parse(l) as Record<string, unknown> & {
          _aws: {
            CloudWatchMetrics: {
              Namespace: string;
              Dimensions: string[][];
              Metrics: { Name: string; Unit: string }[];
            }[];
          };
        },
    );
    expect(
      docs.map((d) => [
        d._aws.CloudWatchMetrics[0]!.Namespace,
        d._aws.CloudWatchMetrics[0]!.Metrics[0]!.Name,
        d._aws.CloudWatchMetrics[0]!.Dimensions[0],
      ]),
    ).toEqual([
      ['DMSCompanion', 'JobDuration', ['Job']],
      ['DMSCompanion', 'RowsRepaired', ['Job', 'Table']],
      ['DMSCompanion', 'TaskRestarts', ['Task', 'Reason']],
    ]);
    expect(docs[1]).toMatchObject({ RowsRepaired: 2, Job: 'fixer', Table: 'public.rental' });
    expect(docs[2]).toMatchObject({ TaskRestarts: 1, Task: 'app', Reason: 'fixer' });
  });
});
