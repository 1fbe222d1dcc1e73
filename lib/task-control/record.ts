import type { SqlExecutor } from '../sql/client.js';
import type { Hold, HoldState } from '../state/store.js';
import type { ControlContext } from './context.js';
import { assertTransition } from './states.js';

/** Records a new hold and its first transition (inside the holds lock). */
export async function addHold(ctx: ControlContext, tx: SqlExecutor, h: Hold, detail: string): Promise<void> {
  assertTransition(undefined, h.state);
  const at = h.stateAt ?? ctx.clock.now();
  await ctx.store.insertHold(tx, { ...h, stateAt: at, stateDetail: detail });
  await ctx.store.addTransition(tx, { taskArn: h.taskArn, owner: h.owner, to: h.state, at, detail, runId: h.runId });
  ctx.log.info(
    { taskArn: h.taskArn, owner: h.owner, state: h.state, wasRunning: h.wasRunning },
    `hold taken: ${detail}`,
  );
}

/**
 * Moves `h` to `to` and records the transition (inside the holds lock); `h.state` is updated.
 * @param stopSent this move sent StopReplicationTask (the circuit breaker counts it)
 * @param releaseReason what a final move records as the release reason (default `detail`)
 */
export async function moveHold(
  ctx: ControlContext,
  tx: SqlExecutor,
  h: Hold,
  to: HoldState,
  detail: string,
  stopSent = false,
  releaseReason?: string,
): Promise<void> {
  assertTransition(h.state, to);
  const at = ctx.clock.now();
  await ctx.store.setHoldState(tx, h.taskArn, h.owner, to, at, detail, releaseReason);
  await ctx.store.addTransition(tx, {
    taskArn: h.taskArn,
    owner: h.owner,
    from: h.state,
    to,
    at,
    detail,
    runId: h.runId,
    stopSent,
  });
  const line = `hold ${h.state} → ${to}: ${detail}`;
  if (to === 'abandoned') ctx.log.error({ taskArn: h.taskArn, owner: h.owner }, line);
  else ctx.log.info({ taskArn: h.taskArn, owner: h.owner }, line);
  h.state = to;
  h.stateAt = at;
  h.stateDetail = detail;
}

/**
 * A person acted on the task while the companion held it: every active hold of the task is `abandoned` (logged at
 * error level — the alert), so no resume is sent and the person's choice stands.
 */
export async function abandonHolds(ctx: ControlContext, tx: SqlExecutor, holds: Hold[], why: string): Promise<void> {
  for (const h of holds) await moveHold(ctx, tx, h, 'abandoned', why);
}
