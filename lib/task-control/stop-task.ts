import { AwsStateError } from '../errors.js';
import type { Hold } from '../state/store.js';
import { coolDown, describeTask, type ControlContext } from './context.js';
import { moveHold } from './record.js';
import { sendStop } from './take-hold.js';
import { isStopped, jobOfOwner } from './states.js';

/**
 * Drives `owner`'s hold from `stop-requested`/`stopping` to `held`: sends StopReplicationTask when it has not gone out
 * yet (retrying throttled calls with back-off), then polls DescribeReplicationTasks until the task is stopped.
 *
 * When `timeoutSeconds` run out the hold is KEPT in its state (the task may still stop; the next hold, release or
 * settle call for the task completes it), the owner's job gets a cool-down, and the error is thrown.
 * @returns the task status once the hold is `held` (or when the hold is gone: released by someone else).
 * @throws AwsStateError when the task did not stop in time.
 */
export async function completeStop(
  ctx: ControlContext,
  taskArn: string,
  owner: string,
  timeoutSeconds: number,
): Promise<string> {
  const deadline = ctx.clock.now().getTime() + timeoutSeconds * 1000;
  let attempt = 0;
  let last = '';
  for (;;) {
    const step = await ctx.store.withHoldsLocked(async (tx) => {
      const active = await ctx.store.activeHolds(taskArn, tx);
      const mine = active.find((h) => h.owner === owner);
      const status = (await describeTask(ctx, taskArn)).status;
      if (!mine || (mine.state !== 'stop-requested' && mine.state !== 'stopping')) return { done: true, status };
      const pending = active.filter((h) => h.state === 'stop-requested' || h.state === 'stopping');
      if (isStopped(status)) {
        for (const h of pending) {
          if (h.state === 'stop-requested') await moveHold(ctx, tx, h, 'stopping', `task already ${status}`);
          await moveHold(ctx, tx, h, 'held', `task ${status}`);
        }
        return { done: true, status };
      }
      if (status === 'running' && pending.every((h) => h.state === 'stop-requested')) {
        const sent = await sendStop(ctx, tx, mine);
        if (sent)
          for (const h of pending.filter((x) => x !== mine))
            await moveHold(ctx, tx, h, 'stopping', 'stop sent by another hold');
        else attempt++;
      }
      return { done: false, status };
    });
    if (step.done) return step.status;
    last = step.status;
    if (ctx.clock.now().getTime() >= deadline) return timedOut(ctx, taskArn, owner, timeoutSeconds, last);
    const wait = attempt > 0 ? Math.min(ctx.o.pollInterval, 2 ** (attempt - 1) * ctx.o.retryDelay) : ctx.o.pollInterval;
    await ctx.clock.sleep(Math.max(1, wait) * 1000);
  }
}

async function timedOut(
  ctx: ControlContext,
  taskArn: string,
  owner: string,
  timeoutSeconds: number,
  last: string,
): Promise<never> {
  const why =
    `replication task ${taskArn} did not stop within ${timeoutSeconds} s (last status ${last}); ` +
    `the ${owner} hold stays (the next call for this task completes the stop)`;
  ctx.log.error({ taskArn, owner }, why);
  await coolDown(ctx, taskArn, jobOfOwner(owner), why);
  throw new AwsStateError(why);
}

/** The hold `owner` has on the task now (undefined when none), read without the lock. */
export async function currentHold(ctx: ControlContext, taskArn: string, owner: string): Promise<Hold | undefined> {
  return (await ctx.store.activeHolds(taskArn)).find((h) => h.owner === owner);
}
