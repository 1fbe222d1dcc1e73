import { AwsStateError, errorMessage } from '../errors.js';
import { coolDown, describeTask, type ControlContext } from './context.js';
import { moveHold } from './record.js';
import { backoffSeconds, isRetryable } from './retry.js';
import { jobOfOwner } from './states.js';

export interface ResumeOutcome {
  resumed: boolean;
  /** A person stopped the task while it was resuming: the hold is abandoned. */
  abandoned?: boolean;
  why?: string;
  status: string;
}

type Attempt =
  | { kind: 'gone'; why: string; status: string }
  | { kind: 'running'; status: string }
  | { kind: 'sent' }
  | { kind: 'wait'; status: string }
  | { kind: 'retry'; err: unknown };

/**
 * Drives `owner`'s `resume-pending` hold to `released`: StartReplicationTask (`resume-processing`) is sent inside the
 * holds lock after re-reading the hold — a hold taken meanwhile supersedes this one and no resume goes out — then
 * DescribeReplicationTasks is polled until `running`. Throttling, timeouts and dropped connections are retried with
 * back-off; the hold is deleted only once DMS reports `running`.
 *
 * A task that went `starting`/`running` and then `stopping`/`stopped` was stopped by a person: the hold is abandoned
 * and the task left stopped. A task still `stopped` after `resumeGrace` seconds did not take the start: sent again.
 * @throws AwsStateError when the task is not running after `resumeAttempts` attempts or `resumeTimeout` seconds: the
 *   hold stays `resume-pending` (the next call for this task tries again) and the owner's job gets a cool-down.
 */
export async function completeResume(ctx: ControlContext, taskArn: string, owner: string): Promise<ResumeOutcome> {
  const deadline = ctx.clock.now().getTime() + ctx.o.resumeTimeout * 1000;
  let attempts = 0;
  let sentAt: number | undefined;
  let sawStart = false;
  let last = '';
  for (;;) {
    const step: Attempt = await ctx.store.withHoldsLocked(async (tx) => {
      const active = await ctx.store.activeHolds(taskArn, tx);
      const mine = active.find((h) => h.owner === owner);
      if (!mine || mine.state !== 'resume-pending') {
        const by = active.map((h) => h.owner).join(', ');
        return { kind: 'gone', why: by ? `superseded by a hold of ${by}` : 'the hold is gone', status: '' };
      }
      const status = (await describeTask(ctx, taskArn)).status;
      if (status === 'running') {
        const detail = sentAt === undefined ? 'task already running' : 'resumed: DMS reports running';
        // The release reason stays the owner's (recorded when the hold went resume-pending).
        await moveHold(ctx, tx, mine, 'released', detail, false, mine.stateDetail ?? detail);
        return { kind: 'running', status };
      }
      if (status === 'starting') sawStart = true;
      if (sawStart && (status === 'stopping' || status === 'stopped')) {
        const why = `replication task went ${status} while resuming: stopped by someone else; not resumed again`;
        await moveHold(ctx, tx, mine, 'abandoned', why);
        return { kind: 'gone', why, status };
      }
      const graceOver = sentAt === undefined || ctx.clock.now().getTime() - sentAt >= ctx.o.resumeGrace * 1000;
      if ((status === 'stopped' || status === 'failed' || status === 'ready') && graceOver) {
        try {
          ctx.log.info({ taskArn, owner, attempt: attempts + 1 }, 'resuming replication task (resume-processing)');
          await ctx.tasks.resumeTask(taskArn);
          return { kind: 'sent' };
        } catch (err) {
          if (!isRetryable(err) && attempts + 1 >= ctx.o.resumeAttempts) throw err;
          return { kind: 'retry', err };
        }
      }
      return { kind: 'wait', status };
    });
    if (step.kind === 'gone') {
      if (step.status) return { resumed: false, abandoned: true, why: step.why, status: step.status };
      return { resumed: false, why: step.why, status: (await describeTask(ctx, taskArn)).status };
    }
    if (step.kind === 'running') return { resumed: sentAt !== undefined, status: step.status };
    let wait = ctx.o.pollInterval;
    if (step.kind === 'sent') {
      attempts++;
      sentAt = ctx.clock.now().getTime();
    } else if (step.kind === 'retry') {
      attempts++;
      ctx.log.warn(
        { taskArn, attempt: attempts, err: errorMessage(step.err) },
        'StartReplicationTask failed; retrying',
      );
      wait = backoffSeconds(attempts, ctx.o.retryDelay);
      last = `StartReplicationTask failed: ${errorMessage(step.err)}`;
    } else last = `status ${step.status}`;
    if (attempts >= ctx.o.resumeAttempts && step.kind === 'retry')
      return gaveUp(ctx, taskArn, owner, `${attempts} attempts; ${last}`);
    if (ctx.clock.now().getTime() >= deadline) return gaveUp(ctx, taskArn, owner, `${ctx.o.resumeTimeout} s; ${last}`);
    await ctx.clock.sleep(Math.max(1, wait) * 1000);
  }
}

async function gaveUp(ctx: ControlContext, taskArn: string, owner: string, what: string): Promise<never> {
  const why =
    `replication task ${taskArn} not confirmed running after ${what}; the ${owner} hold stays resume-pending ` +
    `(the next call for this task tries again)`;
  ctx.log.error({ taskArn, owner }, why);
  await coolDown(ctx, taskArn, jobOfOwner(owner), why);
  throw new AwsStateError(why);
}
