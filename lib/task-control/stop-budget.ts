import type { SqlExecutor } from '../sql/client.js';
import type { ControlContext } from './context.js';

/**
 * The circuit breaker: at most `maxStops` StopReplicationTask calls per task in `stopWindow` seconds, counted over every
 * job's stops (the transitions table). Owners in `exemptOwners` (the maintenance guard, a person) are never refused —
 * their stops protect the data — but they count.
 * @returns undefined when the stop may go ahead, else the refusal (the alert text).
 */
export async function stopRefusal(
  ctx: ControlContext,
  tx: SqlExecutor,
  taskArn: string,
  owner: string,
): Promise<string | undefined> {
  if (ctx.o.exemptOwners.includes(owner)) return undefined;
  const since = new Date(ctx.clock.now().getTime() - ctx.o.stopWindow * 1000);
  const stops = await ctx.store.stopsSince(tx, taskArn, since);
  if (stops < ctx.o.maxStops) return undefined;
  return (
    `circuit breaker: replication task ${taskArn} was stopped ${stops} time(s) since ${since.toISOString()} ` +
    `(at most ${ctx.o.maxStops} per ${ctx.o.stopWindow} s); ${owner} does not stop it again — a person must look at it`
  );
}
