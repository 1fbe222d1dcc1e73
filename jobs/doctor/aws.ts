import type { ReplicationTaskState } from '../../lib/aws/dms.js';
import { taskResourceId } from '../../lib/aws/dms.js';
import { instanceDimensions, taskDimensions } from '../../lib/aws/cloudwatch.js';
import type { JobDeps } from '../runtime.js';
import { ok, probe, warn, type DoctorCheck } from './check.js';

/**
 * The AWS calls the enabled jobs make, each made once for real (read-only calls; none of these
 * APIs has a DryRun flag, so StopReplicationTask/StartReplicationTask cannot be probed without
 * stopping a task: their permission is the IAM policy's, deploy/iam-policy.json).
 * @returns the checks, and the tasks DescribeReplicationTasks reported (for the visibility check).
 */
export async function awsChecks(
  deps: Pick<JobDeps, 'config' | 'tasks' | 'metrics' | 'clusters' | 'clock'>,
): Promise<{ checks: DoctorCheck[]; tasks: ReplicationTaskState[] }> {
  const { config } = deps;
  const checks: DoctorCheck[] = [];
  const tasks: ReplicationTaskState[] = [];
  const iam = 'allow it to the companion’s role (deploy/iam-policy.json), and check region and ARN in the config';
  for (const t of config.tasks) {
    checks.push(
      ...(await probe(`aws: DescribeReplicationTasks ${t.name}`, iam, async () => {
        const s = await deps.tasks.describeTask(t.arn);
        tasks.push(s);
        return s.status === 'running'
          ? ok(`aws: DescribeReplicationTasks ${t.name}`, `status ${s.status}`)
          : warn(
              `aws: DescribeReplicationTasks ${t.name}`,
              `status ${s.status}${s.stopReason ? ` (${s.stopReason})` : ''}`,
              'the jobs act on running tasks; start it when it should run',
            );
      })),
    );
  }
  const { checker, memoryGuard, maintenanceGuard } = config.jobs;
  if (checker.enabled || memoryGuard.enabled) {
    const first = config.tasks[0]!;
    const end = deps.clock.now();
    const start = new Date(end.getTime() - 600_000);
    checks.push(
      ...(await probe('aws: GetMetricData', iam, async () => {
        const points = await deps.metrics.getDmsMetrics(
          [
            {
              metric: 'CDCLatencyTarget',
              dimensions: taskDimensions(first.replicationInstance, taskResourceId(first.arn)),
              stat: 'Maximum',
            },
            { metric: 'FreeableMemory', dimensions: instanceDimensions(first.replicationInstance), stat: 'Minimum' },
          ],
          start,
          end,
          60,
        );
        const [latency, memory] = points.map((p) => p.length);
        return latency === 0 && memory === 0
          ? warn(
              'aws: GetMetricData',
              `no CDCLatencyTarget or FreeableMemory datapoint for ${first.replicationInstance} in the last 10 min`,
              'check replicationInstance (the ReplicationInstanceIdentifier, not the ARN) in the config',
            )
          : ok('aws: GetMetricData', `${latency} CDCLatencyTarget and ${memory} FreeableMemory datapoint(s) in 10 min`);
      })),
    );
  }
  if (maintenanceGuard.enabled) {
    const id = config.cluster?.identifier;
    if (!id)
      checks.push(
        warn(
          'aws: DescribeClusters',
          'no cluster.identifier: the maintenance guard has nothing to watch',
          'set cluster.identifier',
        ),
      );
    else
      checks.push(
        ...(await probe('aws: DescribeClusters', iam, async () => {
          const c = await deps.clusters.describeCluster(id);
          return ok('aws: DescribeClusters', `${c.identifier} ${c.status}`);
        })),
      );
  }
  return { checks, tasks };
}
