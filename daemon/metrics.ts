import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { Counter, Histogram, Registry } from 'prom-client';
import type { Logger } from '../lib/log.js';
import { errorMessage } from '../lib/errors.js';
import type { JobOutcome } from '../jobs/registry.js';

/**
 * The companion's own metrics, so users can alarm on the companion itself: rows repaired, gaps
 * found by class, task restarts by reason, job duration, job failures. Always as Prometheus text
 * (prom-client, GET /metrics); to CloudWatch as well, as Embedded Metric Format lines on stdout
 * (`aws-embedded-metrics`, picked up from the log stream) or with PutMetricData — per config,
 * in a namespace of the user's choice.
 */

export interface MetricsOptions {
  cloudwatch: 'emf' | 'put-metric-data' | 'off';
  namespace: string;
  /** For put-metric-data. */
  client?: CloudWatchClient;
  log: Logger;
}

interface Point {
  name: string;
  value: number;
  unit: 'Count' | 'Seconds';
  dimensions: Record<string, string>;
}

export class CompanionMetrics {
  readonly registry = new Registry();
  private readonly rowsRepaired = new Counter({
    name: 'dms_companion_rows_repaired_total',
    help: 'Rows the companion wrote or deleted on the target',
    labelNames: ['job', 'table', 'action'],
    registers: [this.registry],
  });
  private readonly gapsFound = new Counter({
    name: 'dms_companion_gaps_found_total',
    help: 'Differences gap-filling found, by class',
    labelNames: ['table', 'class'],
    registers: [this.registry],
  });
  private readonly restarts = new Counter({
    name: 'dms_companion_task_restarts_total',
    help: 'Replication tasks stopped by the companion, by reason',
    labelNames: ['task', 'reason'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'dms_companion_job_duration_seconds',
    help: 'Job run duration',
    labelNames: ['job'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'dms_companion_job_failures_total',
    help: 'Job runs that failed or left a problem',
    labelNames: ['job'],
    registers: [this.registry],
  });
  private readonly runs = new Counter({
    name: 'dms_companion_job_runs_total',
    help: 'Job runs, by outcome',
    labelNames: ['job', 'outcome'],
    registers: [this.registry],
  });

  constructor(private readonly o: MetricsOptions) {}

  /** Records a finished run (and its repairs, gaps and restarts). */
  async record(outcome: JobOutcome | { job: string; ok: false; error: string }, seconds: number): Promise<void> {
    const points: Point[] = [];
    const job = outcome.job;
    this.duration.observe({ job }, seconds);
    points.push({ name: 'JobDuration', value: seconds, unit: 'Seconds', dimensions: { Job: job } });
    this.runs.inc({ job, outcome: outcome.ok ? 'ok' : 'problem' });
    if (!outcome.ok) {
      this.failures.inc({ job });
      points.push({ name: 'JobFailures', value: 1, unit: 'Count', dimensions: { Job: job } });
    }
    if ('effects' in outcome) {
      for (const e of outcome.effects) {
        if (e.kind === 'repaired') {
          this.rowsRepaired.inc({ job, table: e.table, action: e.action }, e.rows);
          points.push({ name: 'RowsRepaired', value: e.rows, unit: 'Count', dimensions: { Job: job, Table: e.table } });
        } else if (e.kind === 'gap') {
          this.gapsFound.inc({ table: e.table, class: e.cls }, e.keys);
          points.push({
            name: 'GapsFound',
            value: e.keys,
            unit: 'Count',
            dimensions: { Table: e.table, Class: e.cls },
          });
        } else {
          this.restarts.inc({ task: e.task, reason: e.reason }, 1);
          points.push({
            name: 'TaskRestarts',
            value: 1,
            unit: 'Count',
            dimensions: { Task: e.task, Reason: e.reason },
          });
        }
      }
    }
    await this.publish(points).catch((err: unknown) =>
      this.o.log.warn({ err: errorMessage(err) }, 'could not publish metrics to CloudWatch'),
    );
  }

  private async publish(points: Point[]): Promise<void> {
    if (this.o.cloudwatch === 'off' || points.length === 0) return;
    if (this.o.cloudwatch === 'emf') {
      const { createMetricsLogger, Unit } = await loadEmf();
      for (const p of points) {
        const m = createMetricsLogger();
        m.setNamespace(this.o.namespace);
        m.setDimensions(p.dimensions);
        m.putMetric(p.name, p.value, p.unit === 'Seconds' ? Unit.Seconds : Unit.Count);
        await m.flush();
      }
      return;
    }
    if (!this.o.client) return;
    const data: MetricDatum[] = points.map((p) => ({
      MetricName: p.name,
      Value: p.value,
      Unit: p.unit,
      Dimensions: Object.entries(p.dimensions).map(([Name, Value]) => ({ Name, Value })),
    }));
    for (let i = 0; i < data.length; i += 1000)
      await this.o.client.send(
        new PutMetricDataCommand({ Namespace: this.o.namespace, MetricData: data.slice(i, i + 1000) }),
      );
  }
}

/**
 * aws-embedded-metrics, loaded on first use. Its environment is decided when the module loads
 * (from AWS_EMF_ENVIRONMENT, else by probing — which calls the EC2 metadata service): unless the
 * user chose one, it is set to `Local` first, so EMF lines go to stdout, the container's (or the
 * function's) log stream.
 */
function loadEmf(): Promise<typeof import('aws-embedded-metrics')> {
  process.env.AWS_EMF_ENVIRONMENT ??= 'Local';
  return import('aws-embedded-metrics');
}
