import type { ReplicationTaskState } from '../aws/dms.js';
import { errorMessage } from '../errors.js';
import type { SqlExecutor } from '../sql/client.js';
import type { Hold, HoldState } from '../state/store.js';
import { describeTask, type ControlContext } from './context.js';
import { abandonHolds, addHold, moveHold } from './record.js';
import { isRetryable } from './retry.js';
import { stopRefusal } from './stop-budget.js';
import { isRunning } from './states.js';

export interface TakeHoldInput {
  taskArn: string;
  owner: string;
  reason: string;
  until?: Date | undefined;
  runId?: string | undefined;
  recordOnly?: boolean | undefined;
  /** Set when StopReplicationTask went out (kept even when the transaction then fails: the journal needs it). */
  sent?: { wasRunning: boolean } | undefined;
}

export type TakeHoldDecision =
  | { kind: 'taken' | 'already'; hold: Hold; status: ReplicationTaskState; stopSent: boolean }
  | { kind: 'refused'; why: string; breaker: boolean; status: ReplicationTaskState };

/**
 * The locked part of taking a hold (runs inside the holds lock): reads the task's status and the task's holds, then
 * records the hold and — when the task runs — sends StopReplicationTask before the lock is let go, so no resume can
 * slip in between.
 *
 * - The owner already holds the task: nothing new (a pending stop is completed by the caller).
 * - A `held` task that runs again was started by a person: its holds are abandoned and this hold is refused.
 * - A person's action on the task within the breaker window: refused (the companion leaves the task alone).
 * - A `resume-pending` hold (the last owner released, the resume not yet confirmed) is superseded: released without a
 *   resume; the new hold inherits its "was running" and stops the task again if the resume already went out.
 * - "Was running" comes from the first active hold, else from the status read here.
 * - The circuit breaker may refuse a stop (lib/task-control/stop-budget.ts).
 */
export async function takeHoldLocked(
  ctx: ControlContext,
  tx: SqlExecutor,
  i: TakeHoldInput,
): Promise<TakeHoldDecision> {
  const now = ctx.clock.now();
  let active = await ctx.store.activeHolds(i.taskArn, tx);
  const status = await describeTask(ctx, i.taskArn);
  const mine = active.find((h) => h.owner === i.owner && h.state !== 'resume-pending');
  if (mine) return { kind: 'already', hold: mine, status, stopSent: false };

  const held = active.filter((h) => h.state === 'held');
  if (held.length > 0 && isRunning(status.status)) {
    const why = `replication task is ${status.status} while held by ${held.map((h) => h.owner).join(', ')}: started by someone else`;
    await abandonHolds(ctx, tx, active, `${why}; the companion leaves it alone`);
    return { kind: 'refused', why: `${why}; holds abandoned, not stopped again`, breaker: false, status };
  }
  if (i.owner !== 'person' && active.length === 0) {
    const since = new Date(now.getTime() - ctx.o.stopWindow * 1000);
    const abandoned = await ctx.store.lastAbandoned(tx, i.taskArn, since);
    const until = abandoned && new Date(abandoned.getTime() + ctx.o.stopWindow * 1000);
    if (abandoned && until)
      return {
        kind: 'refused',
        why:
          `a person acted on replication task ${i.taskArn} at ${abandoned.toISOString()} while it was held: ` +
          `${i.owner} leaves it alone until ${until.toISOString()}`,
        breaker: false,
        status,
      };
  }
  for (const p of active.filter((h) => h.state === 'resume-pending'))
    await moveHold(ctx, tx, p, 'released', `superseded by ${i.owner}'s hold before the resume was confirmed`);
  active = active.filter((h) => h.state !== 'released');

  const needsStop = !i.recordOnly && isRunning(status.status);
  if (needsStop) {
    const refusal = await stopRefusal(ctx, tx, i.taskArn, i.owner);
    if (refusal) return { kind: 'refused', why: refusal, breaker: true, status };
  }
  const first = active[0];
  const wasRunning = first ? first.wasRunning : isRunning(status.status);
  const state: HoldState = needsStop
    ? 'stop-requested'
    : status.status === 'stopping' && !i.recordOnly
      ? 'stopping'
      : 'held';
  const hold: Hold = {
    taskArn: i.taskArn,
    owner: i.owner,
    reason: i.reason,
    createdAt: now,
    until: i.until,
    wasRunning,
    runId: i.runId,
    state,
  };
  await addHold(ctx, tx, hold, `${i.reason} (task ${status.status})`);
  const stopSent = state === 'stop-requested' && status.status === 'running' && (await sendStop(ctx, tx, hold));
  if (stopSent) i.sent = { wasRunning };
  return { kind: 'taken', hold, status, stopSent };
}

/**
 * StopReplicationTask for a `stop-requested` hold, inside the holds lock, then `stopping` (recorded as a stop sent).
 * @returns false when the call failed in a way worth retrying (the hold stays `stop-requested`).
 * @throws what StopReplicationTask throws otherwise.
 */
export async function sendStop(ctx: ControlContext, tx: SqlExecutor, hold: Hold): Promise<boolean> {
  try {
    ctx.log.info({ taskArn: hold.taskArn, owner: hold.owner }, 'stopping replication task');
    await ctx.tasks.stopTask(hold.taskArn);
  } catch (err) {
    if (!isRetryable(err)) throw err;
    ctx.log.warn({ taskArn: hold.taskArn, err: errorMessage(err) }, 'StopReplicationTask failed; retrying');
    return false;
  }
  await moveHold(ctx, tx, hold, 'stopping', 'StopReplicationTask accepted', true);
  return true;
}
