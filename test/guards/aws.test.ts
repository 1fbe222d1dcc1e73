import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  RebootReplicationInstanceCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { DescribeClustersCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runMaintenanceTick } from '../../jobs/maintenance-guard/index.js';
import { runMemoryTick } from '../../jobs/memory-guard/index.js';
import { ManualClock } from '../../lib/clock.js';
import { parsedEnvConfig, SIM_TASK_CONFIG } from '../helpers/config.js';
import { envDeps } from '../helpers/deps.js';
import { fakeDmsTask } from '../helpers/dms-mock.js';
import { useEnvironment } from '../helpers/env.js';
import { dropStateStore } from '../helpers/task-control.js';

/** The exact AWS requests the guards make, with the SDK clients faked by aws-sdk-client-mock. */
const env = useEnvironment('guards_aws');
const dms = mockClient(DatabaseMigrationServiceClient);
const rs = mockClient(RedshiftClient);
const cw = mockClient(CloudWatchClient);
const ARN = SIM_TASK_CONFIG.arn;

beforeEach(async () => {
  await dropStateStore(env().targetAdmin);
  rs.reset();
  cw.reset();
});

describe('guards against the AWS SDK', () => {
  it('maintenance: DescribeClusters, then StopReplicationTask before the window and StartReplicationTask resume-processing after', async () => {
    const task = fakeDmsTask(dms, ARN);
    const clock = new ManualClock('2026-06-03T07:27:00Z');
    const start = new Date('2026-06-03T07:30:00Z');
    let availability = 'Available';
    rs.on(DescribeClustersCommand).callsFake(() => ({
      Clusters: [
        {
          ClusterIdentifier: 'sim-cluster',
          ClusterStatus: availability === 'Available' ? 'available' : 'rebooting',
          ClusterAvailabilityStatus: availability,
          PreferredMaintenanceWindow: 'WED:07:30-WED:08:00',
          NextMaintenanceWindowStartTime:
            clock.now() < new Date('2026-06-03T07:31:00Z') ? start : new Date('2026-06-10T07:30:00Z'),
        },
      ],
    }));
    const deps = envDeps(env(), parsedEnvConfig(env()), clock);
    const held = await runMaintenanceTick(deps, { dryRun: false });
    expect(held.phase).toBe('holding');
    expect(held.window).toMatchObject({
      start: '2026-06-03T07:30:00.000Z',
      plannedStop: '2026-06-03T07:25:00.000Z',
      plannedResume: '2026-06-03T08:00:00.000Z',
    });
    expect(rs.commandCalls(DescribeClustersCommand)[0]!.args[0].input).toEqual({ ClusterIdentifier: 'sim-cluster' });
    expect(dms.commandCalls(StopReplicationTaskCommand).map((c) => c.args[0].input)).toEqual([
      { ReplicationTaskArn: ARN },
    ]);
    expect(dms.commandCalls(DescribeReplicationTasksCommand)[0]!.args[0].input).toEqual({
      Filters: [{ Name: 'replication-task-arn', Values: [ARN] }],
      WithoutSettings: true,
    });
    expect(task.status).toBe('stopped');

    // Maintenance: the cluster reboots; at the planned resume it is back.
    await clock.set('2026-06-03T07:45:00Z');
    availability = 'Maintenance';
    expect((await runMaintenanceTick(deps, { dryRun: false })).phase).toBe('holding');
    await clock.set('2026-06-03T08:00:30Z');
    availability = 'Available';
    const released = await runMaintenanceTick(deps, { dryRun: false });
    expect(released.actions).toEqual([{ task: 'pagila', action: 'release', result: 'resumed' }]);
    expect(dms.commandCalls(StartReplicationTaskCommand).map((c) => c.args[0].input)).toEqual([
      { ReplicationTaskArn: ARN, StartReplicationTaskType: 'resume-processing' },
    ]);
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(1);
    // The next tick does nothing more.
    await runMaintenanceTick(deps, { dryRun: false });
    expect(dms.commandCalls(StartReplicationTaskCommand)).toHaveLength(1);
  });

  it('memory: GetMetricData for FreeableMemory and SwapUsage, a stop and a resume-processing, never a reboot', async () => {
    fakeDmsTask(dms, ARN);
    const clock = new ManualClock('2026-06-10T10:00:00Z');
    const at = (s: number) => new Date(clock.now().getTime() - s * 1000);
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'm0', Timestamps: [at(180), at(120), at(60)], Values: [2.1e9, 1.6e9, 1.2e9], StatusCode: 'Complete' },
        { Id: 'm1', Timestamps: [at(60)], Values: [3e8], StatusCode: 'Complete' },
      ],
    });
    const deps = envDeps(env(), parsedEnvConfig(env()), clock);
    const r = await runMemoryTick(deps, { dryRun: false });
    expect(r.instances[0]).toMatchObject({
      instance: 'sim-instance',
      decision: 'restart',
      freeableMemory: 1.2e9,
      minimum: 1.2e9,
      swapUsage: 3e8,
      restarted: [{ task: 'pagila', result: 'stopped and resumed' }],
    });
    const input = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input).toEqual({
      MetricDataQueries: [
        {
          Id: 'm0',
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/DMS',
              MetricName: 'FreeableMemory',
              Dimensions: [{ Name: 'ReplicationInstanceIdentifier', Value: 'sim-instance' }],
            },
            Period: 60,
            Stat: 'Minimum',
          },
        },
        {
          Id: 'm1',
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/DMS',
              MetricName: 'SwapUsage',
              Dimensions: [{ Name: 'ReplicationInstanceIdentifier', Value: 'sim-instance' }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
      StartTime: new Date('2026-06-10T09:50:00Z'),
      EndTime: new Date('2026-06-10T10:00:00Z'),
      ScanBy: 'TimestampAscending',
      NextToken: undefined,
    });
    expect(dms.commandCalls(StopReplicationTaskCommand).map((c) => c.args[0].input)).toEqual([
      { ReplicationTaskArn: ARN },
    ]);
    expect(dms.commandCalls(StartReplicationTaskCommand).map((c) => c.args[0].input)).toEqual([
      { ReplicationTaskArn: ARN, StartReplicationTaskType: 'resume-processing' },
    ]);
    expect(dms.commandCalls(RebootReplicationInstanceCommand)).toHaveLength(0);
  });

  it('memory: stale or missing datapoints mean no action and a warning', async () => {
    fakeDmsTask(dms, ARN);
    const clock = new ManualClock('2026-06-10T12:00:00Z');
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'm0', Timestamps: [], Values: [], StatusCode: 'Complete' }],
    });
    const deps = envDeps(env(), parsedEnvConfig(env()), clock);
    const r = await runMemoryTick(deps, { dryRun: false });
    expect(r.instances[0]).toMatchObject({ decision: 'no-data', restarted: [] });
    expect(r.instances[0]!.warnings[0]).toMatch(/no FreeableMemory datapoints for sim-instance/);
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(0);
  });
});
