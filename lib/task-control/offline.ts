import { AwsStateError, errorMessage } from '../errors.js';
import type { Hold } from '../state/store.js';
import { isConnectionError } from '../sql/client.js';
import { describeTask, type ControlContext } from './context.js';
import type { JournalRecord } from './journal.js';
import { backoffSeconds, isRetryable } from './retry.js';
import { isRunning, isStopped } from './states.js';
import type { TakeHoldInput } from './take-hold.js';

/**
 * Task control while the state store is unreachable (docs: README "State store"). Stopping stays possible: the task
 * is stopped and the hold journaled (lib/task-control/journal.ts). A release is journaled and sends no resume — which
 * other holds exist is only known to the store. The first call that reaches the store again flushes the journal.
 */

/** Holds the task without the store. @returns the status and whether this call stopped the task. */
export async function holdOffline(
  ctx: ControlContext,
  i: TakeHoldInput,
  stopTimeout: number,
): Promise<{ alreadyHeld: boolean; stopped: boolean; status: string; wasRunning: boolean; state: Hold['state'] }> {
  const journaled = journalHolds(ctx).filter((h) => h.taskArn === i.taskArn);
  const mine = journaled.find((h) => h.owner === i.owner);
  let status: string = (await describeTask(ctx, i.taskArn)).status;
  const wasRunning = journaled[0]?.wasRunning ?? i.sent?.wasRunning ?? isRunning(status);
  const needsStop = !i.recordOnly && status === 'running';
  // The intent is journaled before the stop goes out: whatever happens next, the stopped task has its hold.
  const initial: Hold['state'] = needsStop ? 'stop-requested' : i.recordOnly || isStopped(status) ? 'held' : 'stopping';
  if (!mine) {
    ctx.journal.append({
      kind: 'hold',
      taskArn: i.taskArn,
      owner: i.owner,
      reason: i.reason,
      at: ctx.clock.now().toISOString(),
      until: i.until?.toISOString(),
      runId: i.runId,
      wasRunning,
      state: initial,
      stopSent: needsStop || i.sent !== undefined,
    });
    ctx.log.warn(
      { taskArn: i.taskArn, owner: i.owner },
      'state store unreachable: hold journaled, written when the store returns',
    );
  }
  if (needsStop) status = await stopOffline(ctx, i.taskArn);
  const deadline = ctx.clock.now().getTime() + stopTimeout * 1000;
  while (!i.recordOnly && !isStopped(status) && ctx.clock.now().getTime() < deadline) {
    await ctx.clock.sleep(ctx.o.pollInterval * 1000);
    status = (await describeTask(ctx, i.taskArn)).status;
  }
  const state = i.recordOnly || isStopped(status) ? 'held' : 'stopping';
  const stopSent = needsStop || i.sent !== undefined;
  if (state === 'stopping')
    throw new AwsStateError(
      `replication task ${i.taskArn} did not stop within ${stopTimeout} s (last status ${status}); the hold is journaled (state store unreachable)`,
    );
  return { alreadyHeld: mine !== undefined, stopped: stopSent, status, wasRunning, state };
}

/**
 * StopReplicationTask without the store, retried on throttling; an error after which the task no longer runs means
 * the stop took effect (its answer was lost). @returns the status afterwards.
 */
async function stopOffline(ctx: ControlContext, taskArn: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.tasks.stopTask(taskArn);
      return (await describeTask(ctx, taskArn)).status;
    } catch (err) {
      const status = (await describeTask(ctx, taskArn)).status;
      if (status !== 'running' && status !== 'starting') return status;
      if (attempt >= ctx.o.apiAttempts || !isRetryable(err)) throw err;
      await ctx.clock.sleep(backoffSeconds(attempt, ctx.o.retryDelay) * 1000);
    }
  }
}

/** Journals a release asked for while the store is unreachable (no resume is sent). */
export function releaseOffline(ctx: ControlContext, taskArn: string, owner: string, reason: string): void {
  ctx.journal.append({ kind: 'release', taskArn, owner, reason, at: ctx.clock.now().toISOString() });
  ctx.log.warn(
    { taskArn, owner },
    'state store unreachable: release journaled; the task is resumed when the store returns',
  );
}

/** The journaled holds not released in the journal, as holds (what `holds` shows while the store is unreachable). */
export function journalHolds(ctx: ControlContext): Hold[] {
  const out: Hold[] = [];
  for (const r of ctx.journal.pending()) {
    if (r.kind === 'hold') {
      if (!out.some((h) => h.taskArn === r.taskArn && h.owner === r.owner)) out.push(toHold(r));
    } else {
      const i = out.findIndex((h) => h.taskArn === r.taskArn && h.owner === r.owner);
      if (i >= 0) out.splice(i, 1);
    }
  }
  return out;
}

function toHold(r: Extract<JournalRecord, { kind: 'hold' }>): Hold {
  return {
    taskArn: r.taskArn,
    owner: r.owner,
    reason: r.reason,
    createdAt: new Date(r.at),
    until: r.until ? new Date(r.until) : undefined,
    wasRunning: r.wasRunning,
    runId: r.runId,
    state: r.state,
    stateAt: new Date(r.at),
    stateDetail: 'journaled while the state store was unreachable',
  };
}

/**
 * Writes the journal into the store, oldest first: a hold is inserted unless its owner already holds the task (its
 * "was running" follows the store's first hold of the task when there is one); a release goes through `release`
 * (which resumes the task when it was the last hold). Stops at the first connection error (the rest stays journaled).
 * @returns how many records were written.
 */
export async function flushJournal(
  ctx: ControlContext,
  release: (taskArn: string, owner: string, reason: string) => Promise<unknown>,
): Promise<number> {
  let n = 0;
  for (const r of ctx.journal.pending()) {
    try {
      if (r.kind === 'hold') await writeHold(ctx, r);
      else
        await release(r.taskArn, r.owner, `${r.reason} (journaled at ${r.at} while the state store was unreachable)`);
    } catch (err) {
      if (isConnectionError(err)) break;
      ctx.log.error(
        { taskArn: r.taskArn, owner: r.owner, err: errorMessage(err) },
        'journaled record could not be written; dropped',
      );
    }
    ctx.journal.dropFirst(1);
    n++;
  }
  if (n > 0) ctx.log.info({ records: n }, 'task-control journal written to the state store');
  return n;
}

async function writeHold(ctx: ControlContext, r: Extract<JournalRecord, { kind: 'hold' }>): Promise<void> {
  await ctx.store.withHoldsLocked(async (tx) => {
    const active = await ctx.store.activeHolds(r.taskArn, tx);
    if (active.some((h) => h.owner === r.owner)) return;
    const h = toHold(r);
    // The first hold decides: one still active, else one that was active when this hold was taken (its task was
    // stopped by the companion then, which the journal could not see), else what the journal saw.
    const earlier = active[0] ?? (await ctx.store.holdActiveAt(tx, r.taskArn, new Date(r.at)));
    h.wasRunning = earlier?.wasRunning ?? r.wasRunning;
    const detail = `${r.reason} (journaled at ${r.at} while the state store was unreachable)`;
    await ctx.store.insertHold(tx, { ...h, stateDetail: detail });
    await ctx.store.addTransition(tx, {
      taskArn: r.taskArn,
      owner: r.owner,
      to: r.state,
      at: new Date(r.at),
      detail,
      runId: r.runId,
      stopSent: r.stopSent,
    });
  });
}
