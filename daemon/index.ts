import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Agent } from 'node:https';
import cron, { type ScheduledTask } from 'node-cron';
import type { TaskConfig } from '../config/schema.js';
import type { SNSClient } from '@aws-sdk/client-sns';
import { CompanionError, errorMessage } from '../lib/errors.js';
import { renderDoctor, runDoctor } from '../jobs/registry.js';
import { createNotifier } from '../jobs/notices.js';
import type { JobDeps } from '../jobs/runtime.js';
import type { Notifier } from '../lib/notify/notifier.js';
import { alarmRequests, type JobName, type JobRequest } from './actions.js';
import { DaemonHttp, type ReadinessReport } from './http.js';
import { Liveness, type LivenessReport } from './liveness.js';
import { lastDays, renderStatusPage } from './status-page.js';
import { historyView } from '../jobs/history/model.js';
import { readStateHistory, taskNames } from '../jobs/history/read.js';
import { displayName } from '../lib/sql/quote.js';
import { CompanionMetrics } from './metrics.js';
import { JobRunner, type SubmitResult } from './runner.js';
import { SnsHandler } from './sns.js';

/**
 * The daemon behind `dms-companion run`: schedules every enabled job with node-cron (UTC, never two
 * runs of the same job at once — see {@link JobRunner}), serves /healthz (liveness), /readyz (job health),
 * /metrics, the status page and /sns (see http.ts), and shuts down gracefully.
 *
 * Startup recovery: a fixer run that was interrupted — by a shutdown (run status `interrupted`) or
 * by a kill (its `fixer` hold is still there) — makes the fixer run for that task at once: it
 * completes the repair (missing rows are re-checked inside the inserting transaction) or releases
 * the hold. Memory-guard and maintenance-guard holds are reconciled by their own ticks; gap-filling
 * catches up on the days it has not finished.
 *
 * Shutdown ({@link Daemon.stop}): no new runs; the jobs' abort signal fires, so each running job
 * stops at its next safe point (before stopping a task, before a repair, between backfill chunks)
 * and releases the holds it took with the reason recorded; the daemon waits `daemon.shutdownGrace`
 * for that. A write in progress is never cut: a repair transaction either commits or rolls back.
 */

/** Days of gap-filling coverage on the status page. */
const STATUS_DAYS = 7;

/** Scheduled jobs and their config keys. */
const SCHEDULED: { job: JobName; key: 'checker' | 'gapfill' | 'maintenanceGuard' | 'memoryGuard' }[] = [
  { job: 'checker', key: 'checker' },
  { job: 'gapfill', key: 'gapfill' },
  { job: 'maintenance-guard', key: 'maintenanceGuard' },
  { job: 'memory-guard', key: 'memoryGuard' },
];

export interface DaemonOptions {
  /** Replaces a job's cron expression (5 or 6 fields; the demo runs on seconds). */
  schedules?: Partial<Record<JobName, string>>;
  /** Do not schedule anything (tests submit runs themselves). */
  noSchedules?: boolean;
  /** Serve HTTP (default true). */
  http?: boolean;
  /** Overrides `daemon.port` (0 = any free port). */
  port?: number;
  /** HTTPS agent for SNS certificates (tests only; see SnsHandler). */
  snsAgent?: Agent;
  /** Every run is a dry run (plans and logs; stops no task, writes nothing). */
  dryRun?: boolean;
  /** CloudWatch client for `metrics.cloudwatch: put-metric-data`. */
  cloudwatch?: CloudWatchClient;
  /** Run `doctor` before starting and refuse to start on a failed check (default true). */
  doctor?: boolean;

  /** SNS client for `notify.sns` (tests pass a mocked one). */
  snsClient?: SNSClient;
}

export class Daemon {
  readonly runner: JobRunner;
  readonly metrics: CompanionMetrics;
  readonly sns: SnsHandler | undefined;
  /** Sends the notices of every run (`notify:`), when configured. */
  readonly notifier: Notifier | undefined;
  private readonly abort = new AbortController();
  private readonly crons: ScheduledTask[] = [];
  private readonly liveness: Liveness;
  private http: DaemonHttp | undefined;
  private startedAt: Date;
  /** The bound HTTP port once started. */
  port: number | undefined;
  private stopping: Promise<StopReport> | undefined;

  /** `deps` are the jobs' dependencies; the daemon adds its abort signal to them. */
  constructor(
    private readonly depsIn: JobDeps,
    private readonly o: DaemonOptions = {},
  ) {
    const deps: JobDeps = { ...depsIn, signal: this.abort.signal };
    this.startedAt = deps.clock.now();
    this.liveness = new Liveness(deps.config.daemon.livenessStall);
    this.metrics = new CompanionMetrics({
      cloudwatch: deps.config.metrics.cloudwatch,
      namespace: deps.config.metrics.namespace,
      client: o.cloudwatch,
      log: deps.log,
    });
    this.notifier = createNotifier(deps.config, deps.clock, deps.log, { sns: o.snsClient });
    this.runner = new JobRunner(deps, deps.log, this.metrics, o.dryRun ?? false, this.notifier);
    this.sns =
      deps.config.alarms.topics.length > 0
        ? new SnsHandler({
            alarms: deps.config.alarms,
            clock: deps.clock,
            log: deps.log,
            requests: (a) => alarmRequests(deps, a),
            submit: (r) => this.runner.submit(r),
            agent: o.snsAgent,
          })
        : undefined;
  }

  private get deps(): JobDeps {
    return this.depsIn;
  }

  /** The jobs this daemon schedules (enabled in the config), with their cron expressions. */
  scheduled(): { job: JobName; schedule: string }[] {
    return SCHEDULED.filter(({ key }) => this.deps.config.jobs[key].enabled).map(({ job, key }) => ({
      job,
      schedule: this.o.schedules?.[job] ?? this.deps.config.jobs[key].schedule,
    }));
  }

  /** Recovers what an interrupted companion left, schedules the jobs, listens. */
  /**
   * The setup check (`dms-companion doctor`): warnings are logged, a failure stops the start.
   * @throws CompanionError listing the failed checks and their fixes.
   */
  private async preflight(): Promise<void> {
    const report = await runDoctor(this.deps);
    for (const c of report.checks.filter((x) => x.status !== 'ok'))
      this.deps.log[c.status === 'fail' ? 'error' : 'warn'](
        { check: c.name, fix: c.fix },
        `doctor: ${c.name}: ${c.detail}`,
      );
    if (!report.ok)
      throw new CompanionError(
        `not starting: ${report.counts.fail} doctor check(s) failed (run \`dms-companion doctor\`):\n${renderDoctor({
          ...report,
          checks: report.checks.filter((c) => c.status === 'fail'),
        })}`,
      );
  }

  async start(): Promise<void> {
    const log = this.deps.log;
    this.startedAt = this.deps.clock.now();
    if (this.o.doctor ?? true) await this.preflight();
    await this.recover();
    this.liveness.start();
    if (!this.o.noSchedules) {
      for (const { job, schedule } of this.scheduled()) {
        const task = cron.schedule(
          schedule,
          () => {
            this.liveness.ticked(job, task);
            if (this.runner.submit({ job }, { queue: false }) === 'skipped')
              log.info({ job }, `${job}: previous run still in progress; this tick skipped`);
          },
          { timezone: 'UTC', noOverlap: true, name: job },
        );
        this.crons.push(task);
        this.liveness.ticked(job, task);
        // A slot node-cron noticed it missed (the process was paused) still shows a live scheduler.
        task.on('execution:missed', () => this.liveness.ticked(job, task));
        log.info({ job, schedule }, `scheduled ${job} (${schedule}, UTC)`);
      }
    }
    if (this.o.http ?? true) {
      const { host, token } = this.deps.config.daemon;
      this.http = new DaemonHttp({
        host,
        port: this.o.port ?? this.deps.config.daemon.port,
        liveness: () => this.live(),
        readiness: () => this.readiness(),
        statusPage: () => this.statusPage(),
        metrics: this.metrics,
        sns: this.sns,
        token,
        log,
      });
      this.port = await this.http.listen();
      log.info(
        { port: this.port, token: token ? 'required' : 'none' },
        `listening on ${host}:${this.port} (GET /healthz, GET /readyz, GET /metrics${this.sns ? ', POST /sns' : ''})`,
      );
      if (!token && !isLoopback(host))
        log.warn(
          { host },
          `daemon.host ${host} serves other hosts without daemon.token: job health and metrics are readable by anyone who can connect`,
        );
    }
  }

  /** Starts a run now (or coalesces it into the one in progress). */
  submit(r: JobRequest): SubmitResult {
    return this.runner.submit(r);
  }

  /**
   * Liveness as /healthz reports it: the process and its scheduler tick (see liveness.ts). While shutting down the
   * schedules are stopped on purpose; only the event loop counts then.
   */
  live(): LivenessReport {
    return this.liveness.check(Date.now(), { schedules: !this.stopping });
  }

  /** Readiness as /readyz reports it: every scheduled job must have succeeded within its `daemon.healthMaxAge`. */
  readiness(): ReadinessReport {
    const now = this.deps.clock.now().getTime();
    const maxAge = this.deps.config.daemon.healthMaxAge;
    const limits: Record<string, number> = {
      checker: maxAge.checker,
      gapfill: maxAge.gapfill,
      'maintenance-guard': maxAge.maintenanceGuard,
      'memory-guard': maxAge.memoryGuard,
    };
    const jobs: ReadinessReport['jobs'] = {};
    for (const { job } of this.scheduled()) {
      const h = this.runner.health.get(job);
      const limit = limits[job]!;
      const since = h?.lastSuccess?.getTime() ?? this.startedAt.getTime();
      const age = (now - since) / 1000;
      const ok = age <= limit;
      jobs[job] = {
        ok,
        lastSuccess: h?.lastSuccess?.toISOString(),
        lastFailure: h?.lastFailure?.toISOString(),
        maxAge: limit,
        running: h?.running ?? false,
        problem: ok
          ? undefined
          : h?.lastSuccess
            ? `no successful run for ${Math.round(age)} s (limit ${limit} s)`
            : `no successful run since the start ${Math.round(age)} s ago (limit ${limit} s)`,
      };
    }
    return { ok: Object.values(jobs).every((j) => j.ok) && !this.stopping, jobs };
  }

  /**
   * The status page (GET /): tasks and holds now, the jobs, recent repairs and the gap-filling coverage of the last
   * {@link STATUS_DAYS} days, read from the state store and the runner (read-only).
   */
  async statusPage(): Promise<string> {
    const config = this.deps.config;
    const now = this.deps.clock.now();
    const days = lastDays(now, STATUS_DAYS);
    const history = await readStateHistory(this.deps.state, new Date(`${days[0]}T00:00:00Z`));
    const holds = await this.deps.control.holds();
    const ready = this.readiness();
    return renderStatusPage({
      now: now.toISOString(),
      tasks: config.tasks.map((t) => ({
        name: t.name,
        arn: t.arn,
        holds: holds
          .filter((h) => h.taskArn === t.arn)
          .map((h) => ({
            owner: h.owner,
            reason: h.reason,
            since: h.createdAt.toISOString(),
            until: h.until?.toISOString(),
          })),
      })),
      jobs: this.scheduled().map(({ job }) => {
        const h = this.runner.health.get(job);
        return {
          job,
          running: h?.running ?? false,
          lastSuccess: h?.lastSuccess?.toISOString(),
          lastFailure: h?.lastFailure?.toISOString(),
          ready: ready.jobs[job]?.ok ?? true,
        };
      }),
      history: historyView(history, taskNames(config), now),
      days,
      tables: config.tasks.flatMap((t) => t.tables.filter((x) => x.dayColumn).map((x) => displayName(x.target))),
    });
  }

  /**
   * Stops: no new runs, running jobs abort at their next safe point (holds released with the reason
   * recorded), at most `daemon.shutdownGrace` seconds; then HTTP closes. Idempotent.
   */
  stop(reason = 'stop requested'): Promise<StopReport> {
    this.stopping ??= this.doStop(reason);
    return this.stopping;
  }

  private async doStop(reason: string): Promise<StopReport> {
    const log = this.deps.log;
    const running = this.runner.running;
    log.warn(
      { reason, running },
      `shutting down (${reason}): ` +
        (running
          ? `waiting up to ${this.deps.config.daemon.shutdownGrace} s for ${running} running job(s) to reach a safe point`
          : 'no job running'),
    );
    for (const c of this.crons) await c.stop();
    this.abort.abort(new Error(reason));
    const drained = await this.runner.drain(this.deps.config.daemon.shutdownGrace * 1000);
    if (!drained)
      log.error(
        'shutdown grace elapsed with a job still running: its holds stay recorded (with their expected end) and the next start recovers them',
      );
    for (const c of this.crons) await c.destroy();
    this.liveness.stop();
    await this.http?.close();
    log.info('stopped');
    return { drained };
  }

  private async recover(): Promise<void> {
    const log = this.deps.log;
    let holds;
    try {
      holds = await this.deps.control.holds();
    } catch (err) {
      log.error(
        { err: errorMessage(err) },
        'startup: could not read holds from the state store; recovery left to the jobs',
      );
      return;
    }
    const redo = new Set<TaskConfig>();
    for (const h of holds.filter((x) => x.owner === 'fixer')) {
      const task = this.deps.config.tasks.find((t) => t.arn === h.taskArn);
      if (!task) {
        log.warn(
          { taskArn: h.taskArn },
          'startup: a fixer hold on a task that is not in the config; left for a person (`dms-companion holds`)',
        );
        continue;
      }
      log.warn(
        { task: task.name, since: h.createdAt.toISOString(), runId: h.runId },
        'startup: a fixer run was killed mid-repair (its hold is still there); running the fixer again to complete it',
      );
      redo.add(task);
    }
    for (const task of this.deps.config.tasks) {
      if (redo.has(task)) continue;
      const last = (await this.deps.state.recentRuns('fixer', task.arn, 1).catch(() => []))[0];
      if (last?.status !== 'interrupted') continue;
      log.warn(
        { task: task.name, runId: last.runId },
        'startup: the last fixer run was interrupted by a shutdown; running the fixer again to complete it',
      );
      redo.add(task);
    }
    for (const task of redo) this.runner.submit({ job: 'fixer', task });
  }
}

/** True for a loopback address (only this host can connect). */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export interface StopReport {
  /** Every running job reached a safe point within the grace. */
  drained: boolean;
}
