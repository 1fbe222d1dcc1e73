import type { SqlExecutor } from '../sql/client.js';
import type { Hold } from '../state/store.js';
import { describeTask, type ControlContext } from './context.js';
import { abandonHolds, moveHold } from './record.js';
import { isRunning } from './states.js';

export type ReleaseDecision =
  | { kind: 'not-held' }
  | { kind: 'done'; why: string; otherHolds: string[]; status: string; abandoned?: boolean }
  | { kind: 'resume'; hold: Hold };

/**
 * The locked part of a release (runs inside the holds lock), reading the task's status inside the lock:
 *
 * - no hold of `owner`: nothing to do;
 * - the owner's hold is already `resume-pending` (an earlier release whose resume was not confirmed): resume again;
 * - the task runs although the hold is `held`: a person started it — every hold of the task is abandoned, no resume;
 * - other holds remain: this one is released, the task stays stopped;
 * - the task was not running before the first hold: released, never resumed (a person stopped it);
 * - otherwise the hold goes `resume-pending` and the caller resumes the task; the hold stays until DMS confirms
 *   `running`, so a hold taken meanwhile supersedes it (and the resume is not sent inside, say, a maintenance window).
 */
export async function releaseLocked(
  ctx: ControlContext,
  tx: SqlExecutor,
  taskArn: string,
  owner: string,
  reason: string,
): Promise<ReleaseDecision> {
  const active = await ctx.store.activeHolds(taskArn, tx);
  const mine = active.find((h) => h.owner === owner);
  if (!mine) return { kind: 'not-held' };
  if (mine.state === 'resume-pending') return { kind: 'resume', hold: mine };
  const status = (await describeTask(ctx, taskArn)).status;
  const others = active.filter((h) => h !== mine);
  const otherHolds = others.map((h) => h.owner);
  if (mine.state === 'held' && isRunning(status)) {
    const why = `replication task is ${status} while held by ${[owner, ...otherHolds].join(', ')}: started by someone else; resume dropped`;
    await abandonHolds(ctx, tx, active, why);
    return { kind: 'done', why, otherHolds: [], status, abandoned: true };
  }
  if (others.length > 0) {
    await moveHold(ctx, tx, mine, 'released', `${reason}; still held by ${otherHolds.join(', ')}`);
    return { kind: 'done', why: `still held by ${otherHolds.join(', ')}`, otherHolds, status };
  }
  if (!mine.wasRunning) {
    await moveHold(ctx, tx, mine, 'released', `${reason}; the task was not running before the first hold`);
    return { kind: 'done', why: 'the task was not running before the first hold', otherHolds, status };
  }
  if (mine.state === 'stop-requested' && isRunning(status)) {
    await moveHold(ctx, tx, mine, 'released', `${reason}; the stop was never sent`);
    return { kind: 'done', why: `task is already ${status} (the stop was never sent)`, otherHolds, status };
  }
  if (mine.state === 'stop-requested')
    await moveHold(ctx, tx, mine, status === 'stopping' ? 'stopping' : 'held', `task ${status}`);
  await moveHold(ctx, tx, mine, 'resume-pending', reason);
  return { kind: 'resume', hold: mine };
}
