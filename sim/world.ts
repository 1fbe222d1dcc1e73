import type { Datapoint, MetricQuery, MetricsApi } from '../lib/aws/cloudwatch.js';
import { taskResourceId, type ReplicationTaskApi, type ReplicationTaskState } from '../lib/aws/dms.js';
import type { ClusterApi, ClusterInfo } from '../lib/aws/redshift.js';
import type { Clock } from '../lib/clock.js';
import { AwsStateError } from '../lib/errors.js';
import type { CapturedChange } from './dms/capture.js';
import { SimTask, type ChangeVerdict } from './dms/task.js';

/**
 * The simulated AWS side: replication tasks, replication instances (FreeableMemory), a Redshift
 * cluster (maintenance windows, availability) and CloudWatch metrics, all on one clock, with a
 * fault schedule. It exposes the same interfaces as the toolkit's AWS adapters
 * ({@link ReplicationTaskApi}, {@link MetricsApi}, {@link ClusterApi}), so jobs run unchanged
 * against it or against AWS.
 *
 * `step()` advances everything to the clock's now. With a ManualClock the world steps on every
 * clock advance (so a job waiting for a task to stop moves the simulation); with the system
 * clock, the caller runs `step()` in a loop (the demo does).
 */

export type ChangeFaultKind = 'lose-insert' | 'lose-update' | 'lose-delete' | 'duplicate-insert';

export type FaultSpec =
  | {
      kind: ChangeFaultKind;
      /** `schema.table` of the source table whose change is hit. */
      table: string;
      /** Hit the nth matching change (1 = the first) counted from the fault's start. */
      nth?: number;
      /** Only a change of this key (text values, key column order). */
      key?: string[];
      /** Armed this many seconds after the world starts. */
      afterSeconds?: number;
    }
  | {
      kind: 'memory-leak';
      instance: string;
      atSeconds: number;
      bytesPerSecond: number;
      /** The leak comes back after every restart (memory recovers, then drains again). */
      persistent?: boolean;
    };

export interface InjectedFault {
  kind: FaultSpec['kind'] | 'maintenance-reboot';
  injectedAt: Date;
  task?: string;
  table?: string;
  key?: string[];
  detail?: string;
}

export interface MaintenanceEvent {
  /** Window start (UTC). */
  start: Date;
  /** How long the cluster is unavailable from the start (seconds). */
  rebootSeconds: number;
}

export interface SimClusterSpec {
  identifier: string;
  /** `ddd:hh24:mi-ddd:hh24:mi`, UTC (reported as is). */
  preferredMaintenanceWindow: string;
  /** Maintenance reboots that happen (unless deferred). */
  maintenance: MaintenanceEvent[];
  /** Report NextMaintenanceWindowStartTime (else only the preferred window is reported). */
  reportNextStart: boolean;
  deferred: { start: Date; end: Date }[];
}

export interface SimInstanceSpec {
  identifier: string;
  /** FreeableMemory when healthy (bytes). */
  baselineFreeableMemory: number;
  /** ReplicationInstanceClass DescribeReplicationInstances answers (default `dms.r5.large`). */
  instanceClass?: string;
}

const MIB = 1024 * 1024;

class SimInstance {
  free: number;
  leak: { rate: number; since: number; persistent: boolean } | undefined;
  constructor(readonly spec: SimInstanceSpec) {
    this.free = spec.baselineFreeableMemory;
  }
  swap(): number {
    return this.free < 512 * MIB ? 512 * MIB - this.free : 0;
  }
}

interface Sample {
  t: number;
  v: number;
}

export class SimWorld {
  readonly tasks = new Map<string, SimTask>();
  readonly instances = new Map<string, SimInstance>();
  readonly injected: InjectedFault[] = [];
  readonly startedAt: number;
  private readonly samples = new Map<string, Sample[]>();
  private readonly faultState: { spec: FaultSpec; seen: number; done: boolean }[];
  private readonly rebootsDone = new Set<number>();
  private lastStep: number;
  private stepping: Promise<void> = Promise.resolve();
  /** Errors a step ran into (a task apply failing, …): the demo and tests read them. */
  readonly errors: string[] = [];

  constructor(
    readonly clock: Clock,
    readonly cluster: SimClusterSpec,
    instances: SimInstanceSpec[],
    faults: FaultSpec[] = [],
  ) {
    for (const i of instances) this.instances.set(i.identifier, new SimInstance(i));
    this.faultState = faults.map((spec) => ({ spec, seen: 0, done: false }));
    this.startedAt = clock.now().getTime();
    this.lastStep = this.startedAt;
    const c = clock as Clock & { onAdvance?: (l: () => Promise<void>) => void };
    c.onAdvance?.(() => this.step());
  }

  /** Arms one more fault (tests arm a lost change for a key they have just written). */
  arm(spec: FaultSpec): void {
    this.faultState.push({ spec, seen: 0, done: false });
  }

  /** Adds a task (already set up) to the world. */
  addTask(task: SimTask): void {
    if (!this.instances.has(task.spec.replicationInstance))
      throw new Error(`no simulated instance ${task.spec.replicationInstance}`);
    this.tasks.set(task.arn, task);
  }

  /** The change-fault hook the tasks call at capture. */
  onCapture = (task: SimTask, change: CapturedChange): ChangeVerdict => {
    const now = this.clock.now();
    for (const f of this.faultState) {
      const s = f.spec;
      if (f.done || s.kind === 'memory-leak') continue;
      if (s.afterSeconds !== undefined && now.getTime() - this.startedAt < s.afterSeconds * 1000) continue;
      const t = task.spec.tables[change.table]!.source;
      if (`${t.schema}.${t.name}` !== s.table) continue;
      const op =
        s.kind === 'lose-insert' || s.kind === 'duplicate-insert'
          ? 'INSERT'
          : s.kind === 'lose-update'
            ? 'UPDATE'
            : 'DELETE';
      if (change.op !== op || change.newKey) continue;
      if (s.key && s.key.join('\u0000') !== change.key.join('\u0000')) continue;
      f.seen++;
      if (f.seen < (s.nth ?? 1)) continue;
      f.done = true;
      this.injected.push({ kind: s.kind, injectedAt: now, task: task.spec.name, table: s.table, key: change.key });
      return s.kind === 'duplicate-insert' ? 'duplicate' : 'lose';
    }
    return 'apply';
  };

  /** True while the cluster is rebooting for maintenance. */
  clusterUnavailable(now = this.clock.now().getTime()): boolean {
    return this.activeReboot(now) !== undefined;
  }

  private activeReboot(now: number): MaintenanceEvent | undefined {
    return this.cluster.maintenance.find(
      (m) => !this.deferred(m) && now >= m.start.getTime() && now < m.start.getTime() + m.rebootSeconds * 1000,
    );
  }

  private deferred(m: MaintenanceEvent): boolean {
    return this.cluster.deferred.some((d) => m.start >= d.start && m.start <= d.end);
  }

  /** Advances the world to the clock's now. Steps never overlap. */
  step(): Promise<void> {
    this.stepping = this.stepping
      .then(() => this.doStep())
      .catch((err: unknown) => {
        this.errors.push(err instanceof Error ? err.message : String(err));
      });
    return this.stepping;
  }

  private async doStep(): Promise<void> {
    const now = this.clock.now().getTime();
    const dt = Math.max(0, (now - this.lastStep) / 1000);
    this.lastStep = now;
    // Time-based faults.
    for (const f of this.faultState) {
      if (f.done || f.spec.kind !== 'memory-leak') continue;
      if (now - this.startedAt >= f.spec.atSeconds * 1000) {
        f.done = true;
        const inst = this.instances.get(f.spec.instance);
        if (inst) inst.leak = { rate: f.spec.bytesPerSecond, since: now, persistent: f.spec.persistent ?? false };
        this.injected.push({
          kind: 'memory-leak',
          injectedAt: new Date(now),
          detail: `${f.spec.instance}: ${Math.round(f.spec.bytesPerSecond / MIB)} MiB/s`,
        });
      }
    }
    const reboot = this.activeReboot(now);
    if (reboot && !this.rebootsDone.has(reboot.start.getTime())) {
      this.rebootsDone.add(reboot.start.getTime());
      const broken = [...this.tasks.values()].filter(
        (t) => t.status === 'running' || t.status === 'starting' || t.status === 'stopping',
      );
      this.injected.push({
        kind: 'maintenance-reboot',
        injectedAt: new Date(now),
        detail: broken.length ? `broke ${broken.map((t) => t.spec.name).join(', ')}` : 'no task was running',
      });
    }
    for (const task of this.tasks.values()) {
      // A reboot terminates running queries (docs/aws-facts.md §6); the task keeps "running" but applies nothing more.
      if (reboot) task.breakByReboot();
      await task.step();
    }
    // Memory.
    for (const inst of this.instances.values()) {
      const tasks = [...this.tasks.values()].filter((t) => t.spec.replicationInstance === inst.spec.identifier);
      if (inst.leak && tasks.length > 0 && tasks.every((t) => t.lastResumedAt > inst.leak!.since)) {
        // Every task was stopped and resumed since the leak began: the memory comes back.
        inst.free = inst.spec.baselineFreeableMemory;
        inst.leak = inst.leak.persistent ? { ...inst.leak, since: now } : undefined;
      }
      if (inst.leak && tasks.some((t) => t.status === 'running'))
        inst.free = Math.max(64 * MIB, inst.free - inst.leak.rate * dt);
      this.sample('FreeableMemory', { ReplicationInstanceIdentifier: inst.spec.identifier }, now, inst.free);
      this.sample('SwapUsage', { ReplicationInstanceIdentifier: inst.spec.identifier }, now, inst.swap());
    }
    for (const task of this.tasks.values()) {
      if (task.status !== 'running') continue;
      const dims = {
        ReplicationInstanceIdentifier: task.spec.replicationInstance,
        ReplicationTaskIdentifier: taskResourceId(task.arn),
      };
      this.sample('CDCLatencyTarget', dims, now, task.latencySeconds(now));
      this.sample('CDCLatencySource', dims, now, task.sourceLatencySeconds(now));
      this.sample('CDCIncomingChanges', dims, now, task.backlog);
    }
  }

  private sample(metric: string, dims: Record<string, string>, t: number, v: number): void {
    const key = metricKey(metric, dims);
    let list = this.samples.get(key);
    if (!list) this.samples.set(key, (list = []));
    const last = list[list.length - 1];
    if (last && t - last.t < 1000) last.v = v;
    else list.push({ t, v });
    if (list.length > 20_000) list.splice(0, list.length - 20_000);
  }

  /** The adapters the jobs use. */
  readonly api: { tasks: ReplicationTaskApi; metrics: MetricsApi; clusters: ClusterApi } = {
    tasks: {
      describeTask: (arn) => settle(() => this.describeTask(arn)),
      describeInstance: (id) =>
        settle(() => {
          const i = this.instances.get(id);
          if (!i)
            throw new AwsStateError(
              `replication instance ${id} not found (DescribeReplicationInstances returned 0 instances)`,
            );
          return { identifier: id, instanceClass: i.spec.instanceClass ?? 'dms.r5.large' };
        }),
      stopTask: (arn) => settle(() => this.task(arn).requestStop()),
      resumeTask: (arn) => settle(() => this.task(arn).requestResume()),
      waitForStatus: async (arn, want, timeoutSeconds) => {
        const deadline = this.clock.now().getTime() + timeoutSeconds * 1000;
        for (;;) {
          const state = this.describeTask(arn);
          if (state.status === want) return state;
          if (state.status === 'failed')
            throw new AwsStateError(
              `replication task ${arn} cannot reach "${want}": status failed, last failure "${state.lastFailureMessage ?? ''}"`,
            );
          if (this.clock.now().getTime() >= deadline)
            throw new AwsStateError(
              `replication task ${arn} did not reach "${want}" within ${timeoutSeconds} s (last: status ${state.status})`,
            );
          await this.clock.sleep(1000);
        }
      },
    },
    metrics: {
      getDmsMetrics: (queries, start, end, period) =>
        settle(() => queries.map((q) => this.metric(q, start, end, period))),
    },
    clusters: {
      describeCluster: (identifier) => settle(() => this.describeCluster(identifier)),
    },
  };

  task(arn: string): SimTask {
    const t = this.tasks.get(arn);
    if (!t) throw new AwsStateError(`replication task ${arn} not found (DescribeReplicationTasks returned 0 tasks)`);
    return t;
  }

  private describeTask(arn: string): ReplicationTaskState {
    const t = this.task(arn);
    return {
      arn,
      identifier: t.spec.name,
      status: t.status,
      stopReason: t.stopReason,
      lastFailureMessage: t.lastFailureMessage,
      fullLoadProgressPercent: 100,
      migrationType: 'full-load-and-cdc',
    };
  }

  private describeCluster(identifier: string): ClusterInfo {
    if (identifier !== this.cluster.identifier)
      throw new AwsStateError(`Redshift cluster ${identifier} not found (DescribeClusters returned 0 clusters)`);
    const now = this.clock.now().getTime();
    const down = this.clusterUnavailable(now);
    const next = this.cluster.maintenance
      .filter((m) => !this.deferred(m) && m.start.getTime() > now)
      .sort((a, b) => a.start.getTime() - b.start.getTime())[0];
    return {
      identifier,
      status: down ? 'rebooting' : 'available',
      availability: down ? 'Maintenance' : 'Available',
      preferredMaintenanceWindow: this.cluster.preferredMaintenanceWindow,
      nextMaintenanceWindowStartTime: this.cluster.reportNextStart ? next?.start : undefined,
      deferredMaintenanceWindows: this.cluster.deferred.map((d, i) => ({
        identifier: `dfr-${i}`,
        start: d.start,
        end: d.end,
      })),
    };
  }

  private metric(q: MetricQuery, start: Date, end: Date, period: number): Datapoint[] {
    const samples = (this.samples.get(metricKey(q.metric, q.dimensions)) ?? []).filter(
      (s) => s.t >= start.getTime() && s.t < end.getTime(),
    );
    const p = Math.max(1, period) * 1000;
    const buckets = new Map<number, number[]>();
    for (const s of samples) {
      const b = start.getTime() + Math.floor((s.t - start.getTime()) / p) * p;
      let list = buckets.get(b);
      if (!list) buckets.set(b, (list = []));
      list.push(s.v);
    }
    return [...buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([t, vs]) => ({
        timestamp: new Date(t),
        value:
          q.stat === 'Minimum'
            ? Math.min(...vs)
            : q.stat === 'Maximum'
              ? Math.max(...vs)
              : q.stat === 'Sum'
                ? vs.reduce((a, b) => a + b, 0)
                : vs.reduce((a, b) => a + b, 0) / vs.length,
      }));
  }

  /** FreeableMemory of an instance now (bytes). */
  freeableMemory(instance: string): number {
    const i = this.instances.get(instance);
    if (!i) throw new Error(`no simulated instance ${instance}`);
    return i.free;
  }
}

/** Runs `fn` and returns its result as a promise: a throw becomes a rejection, as an SDK call's would. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}

function metricKey(metric: string, dims: Record<string, string>): string {
  return `${metric}|${Object.entries(dims)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`;
}
