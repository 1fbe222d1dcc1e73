import { Duration } from 'aws-cdk-lib';
import { Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { TaskProps } from './props.js';

/**
 * The CloudWatch metrics the alarms and the dashboard use.
 *
 * AWS DMS (namespace `AWS/DMS`; AWS DMS user guide, "AWS Database Migration Service metrics",
 * https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html#CHAP_Monitoring.Metrics;
 * docs/aws-facts.md §5): replication instance metrics have the dimension
 * `ReplicationInstanceIdentifier` — `FreeableMemory` and `SwapUsage` in bytes; replication task
 * metrics have `ReplicationInstanceIdentifier` + `ReplicationTaskIdentifier` — `CDCLatencyTarget`
 * in seconds. The task dimension is the task ARN's resource id, as the companion reads it
 * (lib/aws/cloudwatch.ts `taskDimensions`).
 *
 * The companion's own metrics (lib/daemon/metrics.ts), in its namespace: `JobDuration` (seconds)
 * and `JobFailures` (count) with dimension `Job`; `RowsRepaired` (`Job`, `Table`); `GapsFound`
 * (`Table`, `Class`); `TaskRestarts` (`Task`, `Reason`).
 */

export const DMS_NAMESPACE = 'AWS/DMS';

/** The resource id at the end of a replication task ARN (`arn:aws:dms:…:task:<id>`). */
export function taskResourceId(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf(':') + 1);
}

/** The task's short name: its `name`, else the ARN's resource id. */
export function taskName(task: TaskProps): string {
  return task.name ?? taskResourceId(task.arn);
}

export function cdcLatencyTarget(replicationInstance: string, task: TaskProps, periodSeconds: number): Metric {
  return new Metric({
    namespace: DMS_NAMESPACE,
    metricName: 'CDCLatencyTarget',
    dimensionsMap: { ReplicationInstanceIdentifier: replicationInstance, ReplicationTaskIdentifier: taskResourceId(task.arn) },
    statistic: Stats.MAXIMUM,
    period: Duration.seconds(periodSeconds),
  });
}

export function instanceMetric(replicationInstance: string, name: 'FreeableMemory' | 'SwapUsage', periodSeconds: number): Metric {
  return new Metric({
    namespace: DMS_NAMESPACE,
    metricName: name,
    dimensionsMap: { ReplicationInstanceIdentifier: replicationInstance },
    // Memory running out shows in the lowest FreeableMemory and the highest SwapUsage of a period.
    statistic: name === 'FreeableMemory' ? Stats.MINIMUM : Stats.MAXIMUM,
    period: Duration.seconds(periodSeconds),
  });
}

export function jobMetric(namespace: string, name: 'JobFailures' | 'JobDuration', job: string, periodSeconds = 300): Metric {
  return new Metric({
    namespace,
    metricName: name,
    dimensionsMap: { Job: job },
    statistic: name === 'JobFailures' ? Stats.SUM : Stats.MAXIMUM,
    period: Duration.seconds(periodSeconds),
  });
}
