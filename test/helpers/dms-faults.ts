import {
  DatabaseMigrationServiceClient,
  DatabaseMigrationServiceServiceException,
  DescribeReplicationTasksCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/**
 * Replication tasks faked at the SDK boundary with the faults task control must survive: throttled calls, stops that
 * hang in `stopping`, starts that stay `starting`, and hooks that let a test act as a person (or a second companion)
 * at an exact point of a call. StopReplicationTask on a task that is not running (or StartReplicationTask on one that
 * is not stopped) is refused as DMS refuses it (InvalidResourceStateFault).
 */
export interface FakeTask {
  status: string;
  /** StartReplicationTask / StopReplicationTask calls answered with ThrottlingException before one goes through. */
  throttleStarts: number;
  throttleStops: number;
  /** StopReplicationTask leaves the task `stopping` (the test moves it on). */
  stopHangs: boolean;
  /** StartReplicationTask leaves the task `starting` (the test moves it on). */
  startHangs: boolean;
  /** Runs before StartReplicationTask takes effect (after the throttling). */
  beforeStart?: () => Promise<void>;
  /** Runs at every DescribeReplicationTasks, before it answers. */
  onDescribe?: (task: FakeTask) => Promise<void> | void;
  describes: number;
}

export function throttling(op: string): DatabaseMigrationServiceServiceException {
  return new DatabaseMigrationServiceServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `Rate exceeded (${op})`,
  });
}

function invalidState(arn: string, status: string): DatabaseMigrationServiceServiceException {
  return new DatabaseMigrationServiceServiceException({
    name: 'InvalidResourceStateFault',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `task ${arn} is ${status}`,
  });
}

/** Fakes the tasks `arns` (all `initial`) on `mock` (which is reset). */
export function fakeDmsTasks(
  mock: AwsClientStub<DatabaseMigrationServiceClient>,
  arns: string[],
  initial = 'running',
): Map<string, FakeTask> {
  const tasks = new Map<string, FakeTask>(
    arns.map((a) => [
      a,
      { status: initial, throttleStarts: 0, throttleStops: 0, stopHangs: false, startHangs: false, describes: 0 },
    ]),
  );
  const get = (arn: string | undefined) => {
    const t = tasks.get(arn ?? '');
    if (!t) throw new Error(`no fake task ${arn}`);
    return t;
  };
  mock.reset();
  mock.on(DescribeReplicationTasksCommand).callsFake(async (input: { Filters?: { Values?: string[] }[] }) => {
    const arn = input.Filters?.[0]?.Values?.[0];
    const t = get(arn);
    t.describes++;
    await t.onDescribe?.(t);
    return { ReplicationTasks: [{ ReplicationTaskArn: arn, Status: t.status }] };
  });
  mock.on(StopReplicationTaskCommand).callsFake((input: { ReplicationTaskArn?: string }) => {
    const t = get(input.ReplicationTaskArn);
    if (t.throttleStops > 0) {
      t.throttleStops--;
      throw throttling('StopReplicationTask');
    }
    if (t.status !== 'running' && t.status !== 'starting') throw invalidState(input.ReplicationTaskArn!, t.status);
    t.status = t.stopHangs ? 'stopping' : 'stopped';
    return {};
  });
  mock.on(StartReplicationTaskCommand).callsFake(async (input: { ReplicationTaskArn?: string }) => {
    const t = get(input.ReplicationTaskArn);
    if (t.throttleStarts > 0) {
      t.throttleStarts--;
      throw throttling('StartReplicationTask');
    }
    await t.beforeStart?.();
    if (t.status !== 'stopped' && t.status !== 'failed') throw invalidState(input.ReplicationTaskArn!, t.status);
    t.status = t.startHangs ? 'starting' : 'running';
    return {};
  });
  return tasks;
}

/** A person's DMS client: the same (mocked) SDK, used the way a person at the console or CLI would. */
export function personClient(): DatabaseMigrationServiceClient {
  return new DatabaseMigrationServiceClient({ region: 'us-east-1' });
}

/** Resolves once `cond()` holds, checking every few milliseconds (at most `tries` times). */
export async function until(cond: () => Promise<boolean> | boolean, tries = 2000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not reached');
}
