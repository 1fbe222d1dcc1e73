import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { AwsStateError } from '../errors.js';

/**
 * Reading DMS metrics from CloudWatch (namespace `AWS/DMS`, docs/aws-facts.md §5) with `GetMetricData`.
 *
 * Instance metrics (dimension `ReplicationInstanceIdentifier`): `FreeableMemory`, `SwapUsage`
 * (bytes). Task metrics (dimensions `ReplicationInstanceIdentifier` + `ReplicationTaskIdentifier`):
 * `CDCLatencyTarget` (seconds), `CDCIncomingChanges` (count). The simulator implements the same
 * interface.
 */

export type DmsMetricName =
  | 'FreeableMemory'
  | 'FreeMemory'
  | 'AvailableMemory'
  | 'SwapUsage'
  | 'CPUUtilization'
  | 'CDCLatencySource'
  | 'CDCLatencyTarget'
  | 'CDCIncomingChanges';

export interface MetricQuery {
  metric: DmsMetricName;
  /** e.g. `{ ReplicationInstanceIdentifier: 'dms-1' }`. */
  dimensions: Record<string, string>;
  stat: 'Minimum' | 'Maximum' | 'Average' | 'Sum';
}

export interface Datapoint {
  /** UTC. */
  timestamp: Date;
  /** In the metric's unit: bytes for memory metrics, seconds for latency. */
  value: number;
}

export interface MetricsApi {
  /**
   * Reads several metrics over [start, end) with one period (seconds). Datapoints come back in
   * ascending time order, one array per query, in the order of `queries`.
   * @throws AwsStateError when CloudWatch reports an error for a query.
   */
  getDmsMetrics(queries: readonly MetricQuery[], start: Date, end: Date, periodSeconds: number): Promise<Datapoint[][]>;
}

/** Dimensions of a task metric. The task dimension is the ARN's resource id. */
export function taskDimensions(replicationInstance: string, taskResourceId: string): Record<string, string> {
  return { ReplicationInstanceIdentifier: replicationInstance, ReplicationTaskIdentifier: taskResourceId };
}

/** Dimensions of an instance metric. */
export function instanceDimensions(replicationInstance: string): Record<string, string> {
  return { ReplicationInstanceIdentifier: replicationInstance };
}

export class AwsMetrics implements MetricsApi {
  constructor(private readonly client: CloudWatchClient) {}

  async getDmsMetrics(
    queries: readonly MetricQuery[],
    start: Date,
    end: Date,
    periodSeconds: number,
  ): Promise<Datapoint[][]> {
    if (queries.length === 0) return [];
    const period = Math.max(60, Math.round(periodSeconds / 60) * 60);
    const dataQueries: MetricDataQuery[] = queries.map((q, i) => ({
      Id: `m${i}`,
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/DMS',
          MetricName: q.metric,
          Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: period,
        Stat: q.stat,
      },
    }));
    const series: Datapoint[][] = queries.map(() => []);
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new GetMetricDataCommand({
          MetricDataQueries: dataQueries,
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampAscending',
          NextToken: token,
        }),
      );
      for (const r of out.MetricDataResults ?? []) {
        const i = Number(r.Id?.slice(1));
        const target = series[i];
        if (!target) continue;
        if (r.StatusCode === 'InternalError' || r.StatusCode === 'Forbidden') {
          throw new AwsStateError(
            `GetMetricData: ${queries[i]!.metric} returned ${r.StatusCode}${r.Messages?.length ? `: ${r.Messages.map((m) => m.Value).join('; ')}` : ''}`,
          );
        }
        const ts = r.Timestamps ?? [];
        const vs = r.Values ?? [];
        for (let k = 0; k < Math.min(ts.length, vs.length); k++) target.push({ timestamp: ts[k]!, value: vs[k]! });
      }
      token = out.NextToken;
    } while (token);
    for (const s of series) s.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
    return series;
  }
}
