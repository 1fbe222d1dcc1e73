import {
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  type DatabaseMigrationServiceClient,
  type ReplicationTask,
} from '@aws-sdk/client-database-migration-service';
import { createWaiter, WaiterState, type WaiterResult } from '@smithy/core/client';
import { AwsStateError } from '../errors.js';

/**
 * The DMS API as the jobs use it: read a replication task, stop it, resume it
 * (`resume-processing`), and wait for it to reach a state. The simulator implements the same
 * interface, so the jobs run unchanged against it or against AWS.
 *
 * Only `lib/task-control` (holds) calls stop/resume; every job goes through it.
 */

/** `ReplicationTask.Status` values (docs/aws-facts.md §4). */
export type ReplicationTaskStatus =
  | 'moving'
  | 'creating'
  | 'deleting'
  | 'failed'
  | 'failed-move'
  | 'modifying'
  | 'ready'
  | 'running'
  | 'starting'
  | 'stopped'
  | 'stopping'
  | 'testing';

export interface ReplicationTaskState {
  arn: string;
  /** The user-given ReplicationTaskIdentifier. */
  identifier: string;
  status: ReplicationTaskStatus;
  stopReason?: string | undefined;
  lastFailureMessage?: string | undefined;
  /** 0–100; 100 once full load is done (or for a CDC-only task). */
  fullLoadProgressPercent?: number | undefined;
  migrationType?: string | undefined;
  replicationInstanceArn?: string | undefined;
}

/** A replication instance as the memory guard reads it (DescribeReplicationInstances, docs/aws-facts.md §65). */
export interface ReplicationInstanceInfo {
  /** ReplicationInstanceIdentifier. */
  identifier: string;
  /** ReplicationInstanceClass, e.g. `dms.r5.large`. */
  instanceClass: string;
}

export interface ReplicationTaskApi {
  /**
   * DescribeReplicationInstances filtered on `replication-instance-id`.
   * @throws AwsStateError when the instance does not exist or the answer has no ReplicationInstanceClass.
   */
  describeInstance(identifier: string): Promise<ReplicationInstanceInfo>;
  /** @throws AwsStateError when the task does not exist or the answer has no status. */
  describeTask(taskArn: string): Promise<ReplicationTaskState>;
  /** StopReplicationTask. */
  stopTask(taskArn: string): Promise<void>;
  /** StartReplicationTask with `resume-processing` (continue from the last stop position). */
  resumeTask(taskArn: string): Promise<void>;
  /**
   * Waits until the task reports `want`, for at most `timeoutSeconds`.
   * @returns the task state once it is `want`.
   * @throws AwsStateError when the task fails, reaches a state it cannot leave for `want`, or the
   *   time runs out (the message names the last status seen).
   */
  waitForStatus(taskArn: string, want: 'stopped' | 'running', timeoutSeconds: number): Promise<ReplicationTaskState>;
}

const STATUSES = new Set<string>([
  'moving',
  'creating',
  'deleting',
  'failed',
  'failed-move',
  'modifying',
  'ready',
  'running',
  'starting',
  'stopped',
  'stopping',
  'testing',
]);

/** The resource id at the end of a task ARN (`arn:aws:dms:…:task:ABC` → `ABC`). */
export function taskResourceId(taskArn: string): string {
  const i = taskArn.lastIndexOf(':');
  return i === -1 ? taskArn : taskArn.slice(i + 1);
}

export interface AwsReplicationTasksOptions {
  /** Waiter delays in seconds (the SDK's DMS waiters use 15–120 s). */
  minDelay?: number;
  maxDelay?: number;
  /**
   * Seconds after a resume during which `stopped`/`stopping` are still read as "not started yet"
   * rather than as failure (default 120). DescribeReplicationTasks keeps answering `stopped`
   * for a while after StartReplicationTask returns.
   */
  resumeGrace?: number;
}

export class AwsReplicationTasks implements ReplicationTaskApi {
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly resumeGrace: number;

  constructor(
    private readonly client: DatabaseMigrationServiceClient,
    options: AwsReplicationTasksOptions = {},
  ) {
    this.minDelay = options.minDelay ?? 15;
    this.maxDelay = options.maxDelay ?? 120;
    this.resumeGrace = options.resumeGrace ?? 120;
  }

  async describeTask(taskArn: string): Promise<ReplicationTaskState> {
    const out = await this.client.send(
      new DescribeReplicationTasksCommand({
        Filters: [{ Name: 'replication-task-arn', Values: [taskArn] }],
        WithoutSettings: true,
      }),
    );
    const task =
      out.ReplicationTasks?.find((t) => t.ReplicationTaskArn === taskArn) ??
      (out.ReplicationTasks?.length === 1 ? out.ReplicationTasks[0] : undefined);
    if (!task)
      throw new AwsStateError(
        `replication task ${taskArn} not found (DescribeReplicationTasks returned ${out.ReplicationTasks?.length ?? 0} tasks)`,
      );
    return toState(taskArn, task);
  }

  async describeInstance(identifier: string): Promise<ReplicationInstanceInfo> {
    const out = await this.client.send(
      new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-id', Values: [identifier] }] }),
    );
    const found = out.ReplicationInstances?.find(
      (i) => i.ReplicationInstanceIdentifier?.toLowerCase() === identifier.toLowerCase(),
    );
    if (!found)
      throw new AwsStateError(
        `replication instance ${identifier} not found (DescribeReplicationInstances returned ` +
          `${out.ReplicationInstances?.length ?? 0} instances)`,
      );
    if (!found.ReplicationInstanceClass)
      throw new AwsStateError(
        `replication instance ${identifier}: DescribeReplicationInstances gave no ReplicationInstanceClass`,
      );
    return { identifier, instanceClass: found.ReplicationInstanceClass };
  }

  async stopTask(taskArn: string): Promise<void> {
    await this.client.send(new StopReplicationTaskCommand({ ReplicationTaskArn: taskArn }));
  }

  async resumeTask(taskArn: string): Promise<void> {
    await this.client.send(
      new StartReplicationTaskCommand({ ReplicationTaskArn: taskArn, StartReplicationTaskType: 'resume-processing' }),
    );
  }

  /**
   * Uses the SDK's waiter engine (`createWaiter`, the one behind `waitUntilReplicationTask…`) with
   * acceptors that avoid the stock waiters' pitfalls (docs/aws-facts.md §4): the stock Running waiter
   * fails at once on the `stopped` a task still shows right after a resume, and the stock Stopped
   * waiter fails on `starting`. Here those are retried; only `failed` (or, for running, a task
   * still stopped after the grace period) ends the wait early.
   */
  async waitForStatus(
    taskArn: string,
    want: 'stopped' | 'running',
    timeoutSeconds: number,
  ): Promise<ReplicationTaskState> {
    const started = Date.now();
    let last: ReplicationTaskState | undefined;
    const check = async (): Promise<WaiterResult> => {
      try {
        last = await this.describeTask(taskArn);
      } catch (err) {
        return { state: WaiterState.RETRY, reason: err };
      }
      const s = last.status;
      if (s === want) return { state: WaiterState.SUCCESS, reason: last };
      if (s === 'failed' || s === 'failed-move' || s === 'deleting')
        return { state: WaiterState.FAILURE, reason: last };
      if (want === 'running' && (s === 'stopped' || s === 'ready') && Date.now() - started > this.resumeGrace * 1000) {
        return { state: WaiterState.FAILURE, reason: last };
      }
      return { state: WaiterState.RETRY, reason: last };
    };
    const minDelay = Math.min(this.minDelay, timeoutSeconds / 2);
    const result = await createWaiter(
      {
        client: this.client,
        maxWaitTime: timeoutSeconds,
        minDelay,
        maxDelay: Math.max(minDelay, Math.min(this.maxDelay, timeoutSeconds)),
      },
      undefined,
      check,
    ).catch((err: unknown): WaiterResult => ({ state: WaiterState.FAILURE, reason: err }));
    if (result.state === WaiterState.SUCCESS && last) return last;
    const seen = last ? describeState(last) : 'no status read';
    if (result.state === WaiterState.TIMEOUT) {
      throw new AwsStateError(
        `replication task ${taskArn} did not reach "${want}" within ${timeoutSeconds} s (last: ${seen})`,
      );
    }
    throw new AwsStateError(`replication task ${taskArn} cannot reach "${want}": ${seen}`);
  }
}

function describeState(s: ReplicationTaskState): string {
  return [
    `status ${s.status}`,
    s.stopReason ? `stop reason "${s.stopReason}"` : '',
    s.lastFailureMessage ? `last failure "${s.lastFailureMessage}"` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function toState(taskArn: string, t: ReplicationTask): ReplicationTaskState {
  const status = t.Status;
  if (!status || !STATUSES.has(status)) {
    throw new AwsStateError(
      `replication task ${taskArn}: DescribeReplicationTasks returned an unknown status ${JSON.stringify(status)}`,
    );
  }
  return {
    arn: t.ReplicationTaskArn ?? taskArn,
    identifier: t.ReplicationTaskIdentifier ?? taskResourceId(taskArn),
    status: status as ReplicationTaskStatus,
    stopReason: t.StopReason,
    lastFailureMessage: t.LastFailureMessage,
    fullLoadProgressPercent: t.ReplicationTaskStats?.FullLoadProgressPercent,
    migrationType: t.MigrationType,
    replicationInstanceArn: t.ReplicationInstanceArn,
  };
}
