import type pg from 'pg';
import { isConnectionError } from '../../../lib/sql/client.js';
import { RAW_TYPES, type Connections } from './connections.js';
import { rowBytes, toColumn, toField, redshiftTypeName } from './fields.js';
import type { DataApiLimits } from './limits.js';
import { bindParameters, type NamedParameter } from './parameters.js';
import { provisionedOnlyView, raiseStatement, refusalStatement } from './serverless.js';
import type { StatementRecord, StatementStore } from './statements.js';

/**
 * Runs accepted statements against the emulated target, in the background of the request that
 * submitted them, moving each through PICKED → STARTED → FINISHED / FAILED / ABORTED.
 *
 * - A statement's error is the database's message in the form the Data API reports it: `ERROR: …`,
 *   followed by `\n Position: n` when the server gives a position (the documented example:
 *   `ERROR: syntax error at or near "FROM"\n Position: 12`,
 *   https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html#data-api-calling-considerations-parameters).
 * - A cancelled statement is ABORTED with Redshift's cancel message, `ERROR: Query (<query id>)
 *   cancelled on user's request` (CANCEL, https://docs.aws.amazon.com/redshift/latest/dg/r_CANCEL.html).
 * - BatchExecuteStatement (model: "By default, the SQL statements are run as a single transaction.
 *   If any SQL statement fails, all work is rolled back"): BEGIN, the statements in order, COMMIT;
 *   on a failure ROLLBACK, and the statements after the failed one are ABORTED without running.
 *   With `ExecutionMode: AUTO_COMMIT` each statement commits on its own and a failure does not stop
 *   the others.
 * - A result set larger than the limit fails the statement: "Database response exceeded size limit"
 *   (https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-troubleshooting.html).
 */

export interface RunContext {
  store: StatementStore;
  connections: Connections;
  limits: DataApiLimits;
  serverless: boolean;
  /**
   * Checks each statement before it runs (the Redshift dialect gate); what it throws fails the statement,
   * a text it returns runs instead (identifier folding).
   */
  check?: ((sql: string) => Promise<string | void>) | undefined;
}

/** First keyword of a statement that opens a transaction block outside a session. */
const OPENS_TRANSACTION = /^\s*(begin|start\s+transaction)\b/i;

/**
 * Runs `record` (a statement or a batch) on `client`.
 * @param client the session's connection, or a pooled one.
 * @returns `broken`: the connection failed; `opensTransaction`: a statement began a transaction block
 *   that may still be open on the connection.
 */
export async function runOnClient(
  ctx: RunContext,
  record: StatementRecord,
  client: pg.ClientBase,
): Promise<{ broken: boolean; opensTransaction: boolean }> {
  record.redshiftPid = pidOf(client);
  if (record.status === 'SUBMITTED') ctx.store.setStatus(record, 'PICKED');
  let broken = false;
  try {
    if (record.subStatements) await runBatch(ctx, record, client);
    else await runOne(ctx, record, client, record.parameters);
  } catch (err) {
    broken = true;
    for (const sub of record.subStatements ?? []) if (!isEnded(sub)) ctx.store.setStatus(sub, 'ABORTED');
    if (!isEnded(record)) ctx.store.setStatus(record, 'FAILED', errorText(err));
  }
  const texts = record.subStatements ? record.subStatements.map((s) => s.sql) : [record.sql];
  return { broken, opensTransaction: texts.some((t) => OPENS_TRANSACTION.test(t)) };
}

/** Marks a statement that could not get a connection as FAILED. */
export function failUnconnected(ctx: RunContext, record: StatementRecord, err: unknown): void {
  const text = errorText(err);
  for (const sub of record.subStatements ?? []) ctx.store.setStatus(sub, 'ABORTED');
  ctx.store.setStatus(record, 'FAILED', text);
}

async function runBatch(ctx: RunContext, batch: StatementRecord, client: pg.ClientBase): Promise<void> {
  const inTransaction = batch.executionMode !== 'AUTO_COMMIT';
  batch.redshiftPid = pidOf(client);
  ctx.store.setStatus(batch, 'STARTED');
  if (inTransaction) await client.query('BEGIN');
  let failed: StatementRecord | undefined;
  for (const sub of batch.subStatements!) {
    if ((failed && inTransaction) || batch.cancelRequested) {
      ctx.store.setStatus(sub, 'ABORTED');
      continue;
    }
    ctx.store.setStatus(sub, 'PICKED');
    const ok = await runOne(ctx, sub, client, batch.parameters);
    failed ??= ok ? undefined : sub;
  }
  if (inTransaction) {
    try {
      await client.query(failed ? 'ROLLBACK' : 'COMMIT');
    } catch (err) {
      failed ??= batch;
      batch.error = errorText(err);
    }
  }
  batch.hasResultSet = batch.subStatements!.some((s) => s.hasResultSet);
  if (!failed) ctx.store.setStatus(batch, 'FINISHED');
  else ctx.store.setStatus(batch, failed.status === 'ABORTED' ? 'ABORTED' : 'FAILED', failed.error ?? batch.error);
}

/** Runs one statement text; returns whether it FINISHED. Never throws for a statement error. */
async function runOne(
  ctx: RunContext,
  s: StatementRecord,
  client: pg.ClientBase,
  parameters: readonly NamedParameter[] | undefined,
): Promise<boolean> {
  s.redshiftPid = pidOf(client);
  s.redshiftQueryId = ctx.store.nextQueryId();
  if (s.cancelRequested) {
    ctx.store.setStatus(s, 'ABORTED', cancelText(s));
    return false;
  }
  const view = ctx.serverless ? provisionedOnlyView(s.sql) : undefined;
  let bound = view ? { text: refusalStatement(view), values: [] as unknown[] } : bindParameters(s.sql, parameters);
  const checked = view ? { text: bound.text } : await refusal(ctx, bound.text);
  // The refusal is raised by the server on the same connection, so an open transaction aborts as it would.
  if (checked.refused) bound = { text: raiseStatement(checked.refused, '42601'), values: [] };
  else bound = { ...bound, text: checked.text };
  ctx.store.setStatus(s, 'STARTED');
  let res: pg.QueryArrayResult<(string | null)[]>;
  try {
    const out = (await client.query({ text: bound.text, values: bound.values, rowMode: 'array', types: RAW_TYPES })) as
      pg.QueryArrayResult<(string | null)[]> | pg.QueryArrayResult<(string | null)[]>[];
    // Several statements in one text (no parameters): the last one's result, as psql shows it.
    res = Array.isArray(out) ? out[out.length - 1]! : out;
  } catch (err) {
    const aborted = s.cancelRequested && (err as { code?: string }).code === '57014';
    ctx.store.setStatus(s, aborted ? 'ABORTED' : 'FAILED', aborted ? cancelText(s) : errorText(err));
    // A connection that broke cannot run anything more: the caller discards it.
    if (isConnectionError(err)) throw err;
    return false;
  }
  if (res.fields.length === 0) {
    s.hasResultSet = false;
    s.resultRows = res.rowCount ?? 0;
    s.resultSize = 0;
    ctx.store.setStatus(s, 'FINISHED');
    return true;
  }
  const names = await Promise.all(
    res.fields.map((f) => ctx.connections.typeName(s.target.database, s.target.dbUser, f.dataTypeID)),
  );
  const typeNames = names.map(redshiftTypeName);
  const sizes = res.rows.map(rowBytes);
  const total = sizes.reduce((a, b) => a + b, 0);
  s.hasResultSet = true;
  s.resultRows = res.rows.length;
  s.resultSize = total;
  if (total > ctx.limits.maxResultBytes) {
    const limit = ctx.limits.maxResultBytes;
    ctx.store.setStatus(
      s,
      'FAILED',
      `Database response exceeded size limit (the result set is ${total} bytes; the Data API returns at most ${limit})`,
    );
    return false;
  }
  s.result = {
    columns: res.fields.map((f, i) => toColumn(f.name, typeNames[i]!, f.dataTypeModifier)),
    rows: res.rows.map((row) => row.map((v, i) => toField(typeNames[i]!, v))),
    rowBytes: sizes,
  };
  ctx.store.setStatus(s, 'FINISHED');
  return true;
}

/** The statement text (parameters bound as `$n`) as the check passes it on, or what the check says against it. */
async function refusal(ctx: RunContext, text: string): Promise<{ text: string; refused?: string }> {
  if (!ctx.check) return { text };
  try {
    return { text: (await ctx.check(text)) ?? text };
  } catch (err) {
    return { text, refused: err instanceof Error ? err.message : String(err) };
  }
}

function isEnded(s: StatementRecord): boolean {
  return s.status === 'FINISHED' || s.status === 'FAILED' || s.status === 'ABORTED';
}

/** `ERROR: <message>`, and `\n Position: n` when the server reports one. */
export function errorText(err: unknown): string {
  const e = err as { message?: string; position?: string };
  const message = e?.message ?? String(err);
  return `ERROR: ${message}${e?.position ? `\n Position: ${e.position}` : ''}`;
}

function cancelText(s: StatementRecord): string {
  return `ERROR: Query (${s.redshiftQueryId}) cancelled on user's request`;
}

function pidOf(client: pg.ClientBase): number {
  return (client as unknown as { processID?: number }).processID ?? 0;
}
