import { performance } from 'node:perf_hooks';
import { errorMessage, ShutdownError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { failureNotice, outcomeNotices } from '../jobs/notices.js';
import type { JobDeps } from '../jobs/runtime.js';
import type { Notifier } from '../lib/notify/notifier.js';
import { requestKey, runJob, type JobName, type JobOutcome, type JobRequest } from './actions.js';
import type { CompanionMetrics } from './metrics.js';

/**
 * Runs jobs for the daemon: never two runs of the same job (and task) at once. A request for a
 * job that is already running is coalesced: at most one more run follows the current one,
 * however many requests arrive meanwhile (1,000 alarm notifications for one task cause at most two
 * runs). Keeps the health record behind /healthz and reports every run to the metrics.
 */

export interface JobHealth {
  lastSuccess?: Date | undefined;
  lastFailure?: Date | undefined;
  lastError?: string | undefined;
  lastSummary?: string | undefined;
  running: boolean;
  runs: number;
}

/**
 * `started`: runs now; `coalesced`: one more run follows the one in progress; `skipped`: a run is in
 * progress and the request asked not to queue (scheduled ticks); `refused`: the daemon is stopping.
 */
/** A finished run: the job's outcome, or the error it threw. */
export type RunFinished = JobOutcome | { job: JobName; task?: string | undefined; ok: false; error: string };

export type SubmitResult = 'started' | 'coalesced' | 'skipped' | 'refused';

export class JobRunner {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, JobRequest>();
  readonly health = new Map<JobName, JobHealth>();
  private stopping = false;
  /** Listeners for finished and started runs (the demo's log, tests). */
  private readonly listeners: ((o: RunFinished) => void)[] = [];
  private readonly startListeners: ((r: JobRequest) => void)[] = [];

  constructor(
    private readonly deps: JobDeps,
    private readonly log: Logger,
    private readonly metrics?: CompanionMetrics,
    private readonly dryRun = false,
    private readonly notifier?: Notifier,
  ) {}

  /** Called after every run with its outcome (or its error). */
  onFinished(l: (o: RunFinished) => void): void {
    this.listeners.push(l);
  }

  /** Called when a run starts. */
  onStarted(l: (r: JobRequest) => void): void {
    this.startListeners.push(l);
  }

  /**
   * Starts the job now, or — when a run of the same job and task is in progress — coalesces the
   * request into one follow-up run (`queue: true`, alarms) or skips it (`queue: false`, scheduled
   * ticks: the next tick comes anyway).
   */
  submit(r: JobRequest, o: { queue?: boolean } = {}): SubmitResult {
    if (this.stopping) return 'refused';
    const key = requestKey(r);
    if (this.inFlight.has(key)) {
      if (o.queue === false) return 'skipped';
      this.pending.set(key, r);
      return 'coalesced';
    }
    const run = this.execute(r).finally(() => {
      this.inFlight.delete(key);
      const next = this.pending.get(key);
      this.pending.delete(key);
      if (next && !this.stopping) this.submit(next);
    });
    this.inFlight.set(key, run);
    return 'started';
  }

  /** Resolves when the run in progress for this job (and task) ends (at once when none is). */
  async idle(r: JobRequest): Promise<void> {
    for (;;) {
      const p = this.inFlight.get(requestKey(r));
      if (!p) return;
      await p;
    }
  }

  /** Resolves when no run is in progress or queued (the Lambda handler waits for its runs). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight.values());
  }

  /** Number of runs in progress. */
  get running(): number {
    return this.inFlight.size;
  }

  /** Refuses new runs, drops coalesced ones, and waits (at most `graceMs`) for the runs in progress. */
  async drain(graceMs: number): Promise<boolean> {
    this.stopping = true;
    this.pending.clear();
    const all = Promise.all(this.inFlight.values()).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    const done = await Promise.race([all, timeout]);
    if (timer) clearTimeout(timer);
    return done;
  }

  private healthOf(job: JobName): JobHealth {
    let h = this.health.get(job);
    if (!h) this.health.set(job, (h = { running: false, runs: 0 }));
    return h;
  }

  private async execute(r: JobRequest): Promise<void> {
    const h = this.healthOf(r.job);
    h.running = true;
    for (const l of this.startListeners) l(r);
    const t0 = performance.now();
    const log = this.log.child({ job: r.job, ...(r.task ? { task: r.task.name } : {}) });
    try {
      const outcome = await runJob(this.deps, r, this.dryRun);
      const seconds = (performance.now() - t0) / 1000;
      h.runs++;
      h.lastSummary = outcome.summary;
      if (outcome.ok) h.lastSuccess = this.deps.clock.now();
      else h.lastFailure = this.deps.clock.now();
      log[outcome.ok ? 'info' : 'warn'](
        { ok: outcome.ok, seconds: Number(seconds.toFixed(3)) },
        `${r.job}: ${outcome.summary}`,
      );
      await this.metrics?.record(outcome, seconds);
      await this.notifier?.send(outcomeNotices(outcome));
      for (const l of this.listeners) l(outcome);
    } catch (err) {
      const seconds = (performance.now() - t0) / 1000;
      h.runs++;
      h.lastFailure = this.deps.clock.now();
      h.lastError = errorMessage(err);
      if (err instanceof ShutdownError) log.warn(`${r.job}: ${errorMessage(err)}`);
      else log.error({ err: errorMessage(err) }, `${r.job} failed`);
      await this.metrics?.record({ job: r.job, ok: false, error: errorMessage(err) }, seconds);
      if (!(err instanceof ShutdownError))
        await this.notifier?.send([failureNotice(r.job, r.task?.name, errorMessage(err))]);
      for (const l of this.listeners) l({ job: r.job, task: r.task?.name, ok: false, error: errorMessage(err) });
    } finally {
      h.running = false;
    }
  }
}
