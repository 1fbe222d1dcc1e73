import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { DescribeClustersCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsMetrics, instanceDimensions } from '../../lib/aws/cloudwatch.js';
import { AwsReplicationTasks, taskResourceId } from '../../lib/aws/dms.js';
import { AwsClusters, clusterIsAvailable } from '../../lib/aws/redshift.js';

const ARN = 'arn:aws:dms:us-east-1:123456789012:task:TASKAAA';
const dmsMock = mockClient(DatabaseMigrationServiceClient);
const cwMock = mockClient(CloudWatchClient);
const rsMock = mockClient(RedshiftClient);

function task(Status: string, extra: Record<string, unknown> = {}) {
  return { ReplicationTasks: [{ ReplicationTaskArn: ARN, ReplicationTaskIdentifier: 'orders', Status, ...extra }] };
}

/** Fast waiter delays so the tests run in milliseconds; behaviour is the same as with 15–120 s. */
function tasks(resumeGrace = 0.05) {
  return new AwsReplicationTasks(new DatabaseMigrationServiceClient({ region: 'us-east-1' }), {
    minDelay: 0.001,
    maxDelay: 0.002,
    resumeGrace,
  });
}

beforeEach(() => {
  dmsMock.reset();
  cwMock.reset();
  rsMock.reset();
});

describe('DMS adapter', () => {
  it('stops a task and waits through "stopping" until "stopped"', async () => {
    dmsMock.on(StopReplicationTaskCommand).resolves({});
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .resolvesOnce(task('running'))
      .resolvesOnce(task('stopping'))
      .resolvesOnce(task('stopping'))
      .resolves(task('stopped', { StopReason: 'Stop Reason NORMAL' }));
    const api = tasks();
    await api.stopTask(ARN);
    const state = await api.waitForStatus(ARN, 'stopped', 5);
    expect(state.status).toBe('stopped');
    expect(state.stopReason).toBe('Stop Reason NORMAL');
    expect(dmsMock.commandCalls(StopReplicationTaskCommand)[0]!.args[0].input).toEqual({ ReplicationTaskArn: ARN });
    expect(dmsMock.commandCalls(DescribeReplicationTasksCommand)[0]!.args[0].input).toEqual({
      Filters: [{ Name: 'replication-task-arn', Values: [ARN] }],
      WithoutSettings: true,
    });
    expect(dmsMock.commandCalls(DescribeReplicationTasksCommand)).toHaveLength(4);
  });

  it('resumes with resume-processing and does not fail on the "stopped" shown right after the call', async () => {
    dmsMock.on(StartReplicationTaskCommand).resolves({});
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .resolvesOnce(task('stopped'))
      .resolvesOnce(task('starting'))
      .resolves(task('running', { ReplicationTaskStats: { FullLoadProgressPercent: 100 } }));
    const api = tasks(60);
    await api.resumeTask(ARN);
    const state = await api.waitForStatus(ARN, 'running', 5);
    expect(state.status).toBe('running');
    expect(state.fullLoadProgressPercent).toBe(100);
    expect(dmsMock.commandCalls(StartReplicationTaskCommand)[0]!.args[0].input).toEqual({
      ReplicationTaskArn: ARN,
      StartReplicationTaskType: 'resume-processing',
    });
  });

  it('reports a task that ends in "failed" with its failure message', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .resolvesOnce(task('starting'))
      .resolves(task('failed', { LastFailureMessage: 'Last Error Target endpoint unreachable' }));
    await expect(tasks().waitForStatus(ARN, 'running', 5)).rejects.toThrow(
      /cannot reach "running": status failed, .*Target endpoint unreachable/,
    );
  });

  it('gives up on a task still stopped after the resume grace period', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).resolves(task('stopped', { StopReason: 'Stop Reason FATAL_ERROR' }));
    await expect(tasks(0.01).waitForStatus(ARN, 'running', 5)).rejects.toThrow(
      /cannot reach "running": status stopped, stop reason "Stop Reason FATAL_ERROR"/,
    );
  });

  it('times out with the last status seen', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).resolves(task('stopping'));
    await expect(tasks().waitForStatus(ARN, 'stopped', 0.05)).rejects.toThrow(
      /did not reach "stopped" within 0.05 s \(last: status stopping\)/,
    );
  });

  it('keeps waiting for "stopped" through "starting" (the stock waiter fails there)', async () => {
    dmsMock
      .on(DescribeReplicationTasksCommand)
      .resolvesOnce(task('starting'))
      .resolvesOnce(task('running'))
      .resolves(task('stopped'));
    expect((await tasks().waitForStatus(ARN, 'stopped', 5)).status).toBe('stopped');
  });

  it('rejects an unknown task and an unknown status clearly', async () => {
    dmsMock.on(DescribeReplicationTasksCommand).resolvesOnce({ ReplicationTasks: [] }).resolves(task('exploding'));
    await expect(tasks().describeTask(ARN)).rejects.toThrow(/not found/);
    await expect(tasks().describeTask(ARN)).rejects.toThrow(/unknown status "exploding"/);
  });

  it('reads a replication instance class with DescribeReplicationInstances filtered on its id', async () => {
    dmsMock.on(DescribeReplicationInstancesCommand).resolves({
      ReplicationInstances: [{ ReplicationInstanceIdentifier: 'ri-1', ReplicationInstanceClass: 'dms.r5.large' }],
    });
    expect(await tasks().describeInstance('ri-1')).toEqual({ identifier: 'ri-1', instanceClass: 'dms.r5.large' });
    expect(dmsMock.commandCalls(DescribeReplicationInstancesCommand)[0]!.args[0].input).toEqual({
      Filters: [{ Name: 'replication-instance-id', Values: ['ri-1'] }],
    });
  });

  it('rejects a missing instance, another instance, and an answer without a class', async () => {
    dmsMock
      .on(DescribeReplicationInstancesCommand)
      .resolvesOnce({ ReplicationInstances: [] })
      .resolvesOnce({
        ReplicationInstances: [{ ReplicationInstanceIdentifier: 'ri-2', ReplicationInstanceClass: 'dms.t3.micro' }],
      })
      .resolves({ ReplicationInstances: [{ ReplicationInstanceIdentifier: 'ri-1' }] });
    await expect(tasks().describeInstance('ri-1')).rejects.toThrow(
      /replication instance ri-1 not found \(.* 0 instances\)/,
    );
    await expect(tasks().describeInstance('ri-1')).rejects.toThrow(
      /replication instance ri-1 not found \(.* 1 instances\)/,
    );
    await expect(tasks().describeInstance('ri-1')).rejects.toThrow(/gave no ReplicationInstanceClass/);
  });

  it('takes the resource id from a task ARN', () => {
    expect(taskResourceId(ARN)).toBe('TASKAAA');
  });
});

describe('CloudWatch adapter', () => {
  it('reads several AWS/DMS metrics in one GetMetricData call, pages, and sorts by time', async () => {
    const t = (m: number) => new Date(Date.UTC(2026, 10, 21, 12, m));
    cwMock
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'm0', Timestamps: [t(2)], Values: [2e9], StatusCode: 'PartialData' }],
        NextToken: 'n1',
      })
      .resolves({
        MetricDataResults: [
          { Id: 'm0', Timestamps: [t(1)], Values: [1e9], StatusCode: 'Complete' },
          { Id: 'm1', Timestamps: [t(1)], Values: [5], StatusCode: 'Complete' },
        ],
      });
    const metrics = new AwsMetrics(new CloudWatchClient({ region: 'us-east-1' }));
    const [mem, swap] = await metrics.getDmsMetrics(
      [
        { metric: 'FreeableMemory', dimensions: instanceDimensions('ri-1'), stat: 'Minimum' },
        { metric: 'SwapUsage', dimensions: instanceDimensions('ri-1'), stat: 'Maximum' },
      ],
      t(0),
      t(10),
      60,
    );
    expect(mem!.map((d) => d.value)).toEqual([1e9, 2e9]);
    expect(swap!.map((d) => d.value)).toEqual([5]);
    const input = cwMock.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.MetricDataQueries![0]).toEqual({
      Id: 'm0',
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/DMS',
          MetricName: 'FreeableMemory',
          Dimensions: [{ Name: 'ReplicationInstanceIdentifier', Value: 'ri-1' }],
        },
        Period: 60,
        Stat: 'Minimum',
      },
    });
    expect(input.ScanBy).toBe('TimestampAscending');
    expect(cwMock.commandCalls(GetMetricDataCommand)[1]!.args[0].input.NextToken).toBe('n1');
  });

  it('reports a query CloudWatch refused', async () => {
    cwMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'm0', StatusCode: 'Forbidden', Messages: [{ Code: 'x', Value: 'no access' }] }],
    });
    const metrics = new AwsMetrics(new CloudWatchClient({ region: 'us-east-1' }));
    await expect(
      metrics.getDmsMetrics(
        [{ metric: 'FreeableMemory', dimensions: {}, stat: 'Minimum' }],
        new Date(0),
        new Date(60_000),
        60,
      ),
    ).rejects.toThrow(/FreeableMemory returned Forbidden: no access/);
  });
});

describe('Redshift adapter', () => {
  it('maps DescribeClusters maintenance fields', async () => {
    const next = new Date('2026-11-25T07:30:00Z');
    rsMock.on(DescribeClustersCommand).resolves({
      Clusters: [
        {
          ClusterIdentifier: 'c1',
          ClusterStatus: 'available',
          ClusterAvailabilityStatus: 'Available',
          PreferredMaintenanceWindow: 'wed:07:30-wed:08:00',
          NextMaintenanceWindowStartTime: next,
          DeferredMaintenanceWindows: [
            {
              DeferMaintenanceIdentifier: 'd1',
              DeferMaintenanceStartTime: next,
              DeferMaintenanceEndTime: new Date('2026-12-01T00:00:00Z'),
            },
          ],
        },
      ],
    });
    const info = await new AwsClusters(new RedshiftClient({ region: 'us-east-1' })).describeCluster('c1');
    expect(info).toEqual({
      identifier: 'c1',
      status: 'available',
      availability: 'Available',
      preferredMaintenanceWindow: 'wed:07:30-wed:08:00',
      nextMaintenanceWindowStartTime: next,
      deferredMaintenanceWindows: [{ identifier: 'd1', start: next, end: new Date('2026-12-01T00:00:00Z') }],
    });
    expect(clusterIsAvailable(info)).toBe(true);
    expect(clusterIsAvailable({ ...info, availability: 'Maintenance' })).toBe(false);
    expect(rsMock.commandCalls(DescribeClustersCommand)[0]!.args[0].input).toEqual({ ClusterIdentifier: 'c1' });
  });
});
