import type { ScheduledTask } from 'node-cron';

/**
 * Liveness as `GET /healthz` reports it: the process is up and its scheduler is ticking. Nothing about what the
 * jobs found: a task a person stopped, a guard at its limit or the target down are readiness (`/readyz`), and a
 * container replaced for them would come back to the same situation.
 *
 * Measured on the real clock (`Date.now`), never the jobs' clock: a heartbeat timer shows the event loop turns, and
 * every scheduled job's tick must come within `stallSeconds` of when node-cron said it would (each tick records
 * the next one; a scheduler that stopped firing leaves that time in the past).
 */

export interface LivenessReport {
  ok: boolean;
  /** Seconds since the last heartbeat of the event loop. */
  heartbeatAge: number;
  /** Why it is not live (job names and seconds only: no job output). */
  problems: string[];
}

/** How often the heartbeat beats (milliseconds). */
const BEAT_MS = 1000;

export class Liveness {
  private lastBeat = Date.now();
  private timer: NodeJS.Timeout | undefined;
  /** Per scheduled job: its cron task and when its next tick is due (real time, ms). */
  private readonly due = new Map<string, { task: ScheduledTask; at: number | undefined }>();

  /** @param stallSeconds how late a heartbeat or a scheduled tick may be before the process counts as stuck */
  constructor(private readonly stallSeconds: number) {}

  /** Starts the heartbeat (an unref'd timer: it never keeps the process alive). */
  start(): void {
    this.lastBeat = Date.now();
    this.timer ??= setInterval(() => (this.lastBeat = Date.now()), BEAT_MS).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Records a job's tick (and its scheduling): its next tick is due when node-cron says. */
  ticked(job: string, task: ScheduledTask): void {
    this.due.set(job, { task, at: task.getNextRun()?.getTime() });
  }

  /** Liveness now (`schedules: false`: only the heartbeat counts, e.g. while shutting down). */
  check(now = Date.now(), o: { schedules?: boolean } = {}): LivenessReport {
    const problems: string[] = [];
    const heartbeatAge = Math.max(0, (now - this.lastBeat) / 1000);
    if (heartbeatAge > this.stallSeconds)
      problems.push(`the event loop has not turned for ${Math.round(heartbeatAge)} s`);
    for (const [job, { task, at }] of o.schedules === false ? [] : this.due) {
      const status = task.getStatus();
      if (status === 'stopped' || status === 'destroyed') problems.push(`the ${job} schedule is ${status}`);
      else if (at !== undefined && (now - at) / 1000 > this.stallSeconds)
        problems.push(`the ${job} schedule is ${Math.round((now - at) / 1000)} s overdue`);
    }
    return { ok: problems.length === 0, heartbeatAge: Math.round(heartbeatAge * 10) / 10, problems };
  }
}
