import { statementId } from './checks.js';
import type { EndpointContext } from './context.js';
import { findStatement } from './describe.js';
import { validation } from './errors.js';
import { ACTIVE, type StatementRecord } from './statements.js';

/**
 * CancelStatement ("Cancels a running query. To be canceled, a query must be running": model).
 * A statement not yet STARTED is ABORTED before it runs; a STARTED one is cancelled on the server
 * (pg_cancel_backend on its backend) and ends ABORTED. A batch is cancelled as a whole (its id or a
 * sub-statement's). A statement that has ended is refused with a ValidationException (the text is
 * this endpoint's; AWS does not document it). Answers `{ Status: true }`.
 */
export async function cancelStatement(
  ctx: EndpointContext,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const id = statementId(input);
  findStatement(ctx, id);
  const s = findStatement(ctx, id.split(':')[0]!);
  if (!ACTIVE.has(s.status)) throw validation(`Could not cancel a query that is already in ${s.status} state.`);
  await requestCancel(ctx, s);
  return { Status: true };
}

/** Marks `s` (and its sub-statements) cancelled and interrupts whatever of it is running. */
export async function requestCancel(ctx: EndpointContext, s: StatementRecord): Promise<void> {
  s.cancelRequested = true;
  const running: StatementRecord[] = [];
  for (const sub of s.subStatements ?? []) {
    sub.cancelRequested = true;
    if (sub.status === 'STARTED') running.push(sub);
  }
  if (!s.subStatements && s.status === 'STARTED') running.push(s);
  for (const r of running) {
    await cancelOnServer(ctx, r);
    void repeatCancel(ctx, r);
  }
}

const cancelOnServer = (ctx: EndpointContext, r: StatementRecord) =>
  ctx.connections.cancel(r.target.database, r.target.dbUser, r.redshiftPid).catch(() => undefined);

/**
 * A STARTED statement's text may not have reached its backend yet when the first cancel arrives, and PostgreSQL
 * ignores a cancel for an idle backend: the cancel is sent again every 50 ms while the statement is STARTED (at most
 * 200 times), so a cancelled statement always ends, as it does on Redshift.
 */
async function repeatCancel(ctx: EndpointContext, r: StatementRecord): Promise<void> {
  for (let i = 0; i < 200 && r.status === 'STARTED'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (r.status === 'STARTED') await cancelOnServer(ctx, r);
  }
}
