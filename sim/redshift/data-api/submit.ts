import type pg from 'pg';
import { optionalInteger, optionalString, requiredString, resultFormat, statementName } from './checks.js';
import type { EndpointContext } from './context.js';
import { constraint, DataApiError, validation } from './errors.js';
import { epochSeconds } from './json.js';
import { bindParameters, checkParameters, placeholderNames, type NamedParameter } from './parameters.js';
import { failUnconnected, runOnClient } from './run.js';
import type { Session } from './sessions.js';
import { ACTIVE, type StatementRecord } from './statements.js';
import { placement } from './target.js';

/**
 * ExecuteStatement and BatchExecuteStatement: check the request, record the statement (SUBMITTED),
 * answer with its `Id` at once and run it in the background ("Calls to the Data API are
 * asynchronous": https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html).
 *
 * Refusals before anything runs:
 * - statement text over the size limit: ValidationException "Cannot process query string larger
 *   than 100kB" (AWS documents the 100 KB limit but not the text; this is the text users report
 *   from the service, e.g. the Stack Exchange question by Zbynek R. on the 100 KB limit);
 * - `Sqls` with more than 40 statements or none (model `SqlList` length 1–40), a parameter with an
 *   empty value (model `ParameterValue` length ≥ 1): the model-validation message;
 * - a parameter given but used by no statement ("Each provided parameter must be referenced by at
 *   least one SQL statement in the batch": model, `BatchExecuteStatementInput.Parameters`), or a
 *   placeholder without a value (the texts are this endpoint's);
 * - more active statements than the limit: ActiveStatementsExceededException (text this endpoint's).
 *
 * A session whose connection cannot be opened answers ExecuteStatementException /
 * BatchExecuteStatementException ("The SQL statement encountered an environmental error while
 * running", HTTP 500, with `StatementId`).
 */

interface Submission {
  sqls: string[];
  batch: boolean;
  parameters?: NamedParameter[] | undefined;
  executionMode?: 'TRANSACTION' | 'AUTO_COMMIT' | undefined;
}

export function executeStatement(
  ctx: EndpointContext,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const sql = requiredString(input, 'Sql');
  checkSqlSize(ctx, sql);
  const parameters = checkParameters(input.Parameters);
  checkReferences([sql], parameters);
  return submit(ctx, input, { sqls: [sql], batch: false, parameters });
}

export function batchExecuteStatement(
  ctx: EndpointContext,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const sqls = input.Sqls;
  if (sqls === undefined || sqls === null) throw constraint('sqls', 'Member must not be null');
  if (!Array.isArray(sqls) || sqls.some((s) => typeof s !== 'string'))
    throw validation('Sqls must be a list of SQL statement strings');
  if (sqls.length < 1) throw constraint('sqls', 'Member must have length greater than or equal to 1', '[]');
  if (sqls.length > ctx.limits.maxBatchStatements) {
    throw constraint(
      'sqls',
      `Member must have length less than or equal to ${ctx.limits.maxBatchStatements}`,
      `[${sqls.length} statements]`,
    );
  }
  for (const s of sqls as string[]) checkSqlSize(ctx, s);
  const parameters = checkParameters(input.Parameters);
  checkReferences(sqls as string[], parameters);
  const mode = optionalString(input, 'ExecutionMode');
  if (mode !== undefined && mode !== 'TRANSACTION' && mode !== 'AUTO_COMMIT') {
    throw constraint('executionMode', 'Member must satisfy enum value set: [TRANSACTION, AUTO_COMMIT]', mode);
  }
  return submit(ctx, input, { sqls: sqls as string[], batch: true, parameters, executionMode: mode });
}

function checkSqlSize(ctx: EndpointContext, sql: string): void {
  if (Buffer.byteLength(sql, 'utf8') > ctx.limits.maxSqlBytes)
    throw validation('Cannot process query string larger than 100kB');
}

/** Every parameter is used by some statement, and every placeholder has a value. */
function checkReferences(sqls: string[], parameters: NamedParameter[] | undefined): void {
  const used = new Set<string>();
  for (const sql of sqls) {
    for (const name of placeholderNames(sql)) used.add(name);
    bindParameters(sql, parameters);
  }
  for (const p of parameters ?? []) {
    if (!used.has(p.name))
      throw validation(`Parameter ${p.name} is not referenced by the SQL statement${sqls.length > 1 ? 's' : ''}`);
  }
}

async function submit(
  ctx: EndpointContext,
  input: Record<string, unknown>,
  sub: Submission,
): Promise<Record<string, unknown>> {
  forgetExpired(ctx);
  const token = optionalString(input, 'ClientToken');
  const earlier = token !== undefined ? ctx.clientTokens.get(token) : undefined;
  if (earlier) return earlier.answer;
  const name = statementName(input);
  resultFormat(input);
  const wait = optionalInteger(input, 'WaitTimeSeconds', 1, ctx.limits.maxWaitSeconds);
  const where = placement(ctx, input, ctx.limits.maxKeepAliveSeconds);
  if (ctx.store.activeCount() >= ctx.limits.maxActiveStatements) {
    throw new DataApiError(
      'ActiveStatementsExceededException',
      `Active statements exceeded the allowed quota (${ctx.limits.maxActiveStatements}).`,
    );
  }

  let session: Session | undefined;
  if (where.kind === 'session') {
    session = where.session;
    if (where.keepAliveSeconds !== undefined) session.keepAliveSeconds = where.keepAliveSeconds;
  }
  const target = where.kind === 'session' ? where.session.target : where.target;
  const record = ctx.store.create({ ...sub, statementName: name, target });
  if (!session && where.kind === 'new' && where.keepAliveSeconds !== undefined) {
    session = await openSession(ctx, record, where.target, where.keepAliveSeconds, sub.batch);
    record.target = session.target;
    for (const s of record.subStatements ?? []) s.target = session.target;
  }
  if (session) ctx.sessions.claim(session, record);
  startInBackground(ctx, record, session);

  const answer = submitAnswer(ctx, record);
  if (token !== undefined) ctx.clientTokens.set(token, { answer, at: Date.now() });
  if (wait === undefined) return answer;
  await Promise.race([ctx.store.when(record.id, (st) => !ACTIVE.has(st)), delay(wait * 1000)]);
  return { ...answer, Status: record.status, RedshiftPid: record.redshiftPid, HasResultSet: record.hasResultSet };
}

async function openSession(
  ctx: EndpointContext,
  record: StatementRecord,
  target: StatementRecord['target'],
  keepAlive: number,
  batch: boolean,
): Promise<Session> {
  let client: pg.Client;
  try {
    client = await ctx.connections.openSession(target.database, target.dbUser);
  } catch (err) {
    failUnconnected(ctx, record, err);
    const type = batch ? 'BatchExecuteStatementException' : 'ExecuteStatementException';
    throw new DataApiError(type, `Could not open a session: ${(err as Error).message}`, { StatementId: record.id });
  }
  return ctx.sessions.open(client, keepAlive, target);
}

function startInBackground(ctx: EndpointContext, record: StatementRecord, session: Session | undefined): void {
  const run = (async () => {
    if (session) {
      const { broken } = await runOnClient(ctx, record, session.client);
      // A session whose connection broke is gone, as the backend it stood for is.
      if (broken) await ctx.sessions.expire(session.id);
      else ctx.sessions.release(session);
      return;
    }
    let client: pg.PoolClient;
    try {
      client = await ctx.connections.pool(record.target.database, record.target.dbUser).connect();
    } catch (err) {
      failUnconnected(ctx, record, err);
      return;
    }
    const { broken, opensTransaction } = await runOnClient(ctx, record, client);
    // Outside a session each statement has a connection of its own: a transaction it opened ends with it.
    client.release(broken || opensTransaction ? true : undefined);
  })();
  ctx.running.add(run);
  void run.finally(() => ctx.running.delete(run));
}

function submitAnswer(ctx: EndpointContext, r: StatementRecord): Record<string, unknown> {
  const t = r.target;
  return {
    Id: r.id,
    CreatedAt: epochSeconds(r.createdAt),
    Database: t.database,
    ...(t.dbUser !== undefined ? { DbUser: t.dbUser } : {}),
    ...(t.secretArn !== undefined ? { SecretArn: t.secretArn } : {}),
    // Model: ClusterIdentifier "is not returned when connecting to a serverless workgroup", and the reverse.
    ...(!ctx.serverless && t.clusterIdentifier !== undefined ? { ClusterIdentifier: t.clusterIdentifier } : {}),
    ...(ctx.serverless && t.workgroupName !== undefined ? { WorkgroupName: t.workgroupName } : {}),
    ...(t.sessionId !== undefined ? { SessionId: t.sessionId } : {}),
  };
}

/** Drops statements and client tokens past their retention time. */
function forgetExpired(ctx: EndpointContext): void {
  const now = Date.now();
  ctx.store.prune(new Date(now - ctx.limits.resultRetentionSeconds * 1000));
  for (const [token, t] of ctx.clientTokens)
    if (t.at < now - ctx.limits.clientTokenSeconds * 1000) ctx.clientTokens.delete(token);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
