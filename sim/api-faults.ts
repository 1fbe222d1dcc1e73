import type { ReplicationInstanceInfo, ReplicationTaskApi, ReplicationTaskState } from '../lib/aws/dms.js';
import type { Random } from './random.js';

/**
 * Fault injection at the DMS API boundary of the simulator, seeded: throttled calls (`ThrottlingException`, nothing
 * happens), and calls whose answer is lost (the call takes effect, the caller sees a `TimeoutError` — as a client
 * timeout or a dropped connection after the request reached DMS). Wraps the simulated world's task API; the jobs see
 * the same interface as lib/aws/dms.ts. Rates are probabilities per call; `enabled` switches every fault off.
 */
export interface ApiFaultRates {
  throttle: number;
  lostAnswer: number;
}

export class FaultyTaskApi implements ReplicationTaskApi {
  enabled = true;
  /** Faults injected, by kind and call. */
  readonly injected = new Map<string, number>();

  constructor(
    private readonly inner: ReplicationTaskApi,
    private readonly rng: Random,
    private readonly rates: ApiFaultRates,
  ) {}

  private count(kind: string): void {
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
  }

  private async call<T>(op: string, effect: boolean, fn: () => Promise<T>): Promise<T> {
    if (this.enabled && this.rng.chance(this.rates.throttle)) {
      this.count(`throttle ${op}`);
      throw Object.assign(new Error(`Rate exceeded (${op})`), { name: 'ThrottlingException' });
    }
    const result = await fn();
    if (effect && this.enabled && this.rng.chance(this.rates.lostAnswer)) {
      this.count(`lost answer ${op}`);
      throw Object.assign(new Error(`${op}: socket timed out`), { name: 'TimeoutError' });
    }
    return result;
  }

  describeTask(taskArn: string): Promise<ReplicationTaskState> {
    return this.call('DescribeReplicationTasks', false, () => this.inner.describeTask(taskArn));
  }
  describeInstance(identifier: string): Promise<ReplicationInstanceInfo> {
    return this.call('DescribeReplicationInstances', false, () => this.inner.describeInstance(identifier));
  }
  stopTask(taskArn: string): Promise<void> {
    return this.call('StopReplicationTask', true, () => this.inner.stopTask(taskArn));
  }
  resumeTask(taskArn: string): Promise<void> {
    return this.call('StartReplicationTask', true, () => this.inner.resumeTask(taskArn));
  }
  waitForStatus(taskArn: string, want: 'stopped' | 'running', timeoutSeconds: number): Promise<ReplicationTaskState> {
    return this.inner.waitForStatus(taskArn, want, timeoutSeconds);
  }
}
