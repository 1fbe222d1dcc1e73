import {
  DatabaseMigrationServiceClient,
  DescribeReplicationTasksCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { AwsReplicationTasks } from '../../lib/aws/dms.js';

/**
 * A replication task faked at the SDK boundary: DescribeReplicationTasks answers the current
 * status; StopReplicationTask makes it `stopped`, StartReplicationTask `running`.
 */
export function fakeDmsTask(mock: AwsClientStub<DatabaseMigrationServiceClient>, arn: string, initial = 'running') {
  const task = { status: initial };
  mock.reset();
  mock
    .on(DescribeReplicationTasksCommand)
    .callsFake(() => ({ ReplicationTasks: [{ ReplicationTaskArn: arn, Status: task.status }] }));
  mock.on(StopReplicationTaskCommand).callsFake(() => {
    task.status = 'stopped';
    return {};
  });
  mock.on(StartReplicationTaskCommand).callsFake(() => {
    task.status = 'running';
    return {};
  });
  return task;
}

/** The real DMS adapter with millisecond waiter delays (the SDK client is the mocked one). */
export function fastTasksApi(): AwsReplicationTasks {
  return new AwsReplicationTasks(new DatabaseMigrationServiceClient({ region: 'us-east-1' }), {
    minDelay: 0.001,
    maxDelay: 0.002,
    resumeGrace: 5,
  });
}
