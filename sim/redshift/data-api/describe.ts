import { optionalInteger, statementId } from './checks.js';
import type { EndpointContext } from './context.js';
import { DataApiError } from './errors.js';
import { epochSeconds } from './json.js';
import { ACTIVE, durationNanos, type StatementRecord } from './statements.js';

/**
 * DescribeStatement: the statement's status, error, timings and result size (model
 * `DescribeStatementResponse`). For a batch: no `QueryString`, `ResultRows` and `ResultSize` -1,
 * `RedshiftQueryId` 0, and one `SubStatements` entry per SQL text, as the service answers it
 * (ballerina-platform/module-ballerinax-aws.redshiftdata, `ballerina/tests/describe_statement_test.bal`,
 * testBatchDescribeStatement). An unknown id: ResourceNotFoundException "Query does not exist."
 * (same project, `get_statement_result_test.bal`, testIncorrectStatementId).
 */

export function findStatement(ctx: EndpointContext, id: string): StatementRecord {
  const s = ctx.store.get(id);
  if (!s) throw new DataApiError('ResourceNotFoundException', 'Query does not exist.', { ResourceId: id });
  return s;
}

export async function describeStatement(
  ctx: EndpointContext,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const id = statementId(input);
  const wait = optionalInteger(input, 'WaitTimeSeconds', 1, ctx.limits.maxWaitSeconds);
  const s = findStatement(ctx, id);
  if (wait !== undefined && ACTIVE.has(s.status)) {
    await Promise.race([
      ctx.store.when(id, (st) => !ACTIVE.has(st)),
      new Promise((r) => setTimeout(r, wait * 1000).unref()),
    ]);
  }
  const t = s.target;
  const batch = s.subStatements !== undefined;
  return {
    Id: s.id,
    ...(t.secretArn !== undefined ? { SecretArn: t.secretArn } : {}),
    ...(t.dbUser !== undefined ? { DbUser: t.dbUser } : {}),
    Database: t.database,
    ...(t.clusterIdentifier !== undefined ? { ClusterIdentifier: t.clusterIdentifier } : {}),
    ...(t.workgroupName !== undefined ? { WorkgroupName: t.workgroupName } : {}),
    ...(t.sessionId !== undefined ? { SessionId: t.sessionId } : {}),
    Duration: durationNanos(s),
    ...(s.error !== undefined ? { Error: s.error } : {}),
    Status: s.status,
    CreatedAt: epochSeconds(s.createdAt),
    UpdatedAt: epochSeconds(s.updatedAt),
    RedshiftPid: s.redshiftPid,
    HasResultSet: s.hasResultSet,
    ...(batch ? {} : { QueryString: s.sql }),
    ResultRows: batch ? -1 : s.resultRows,
    ResultSize: batch ? -1 : s.resultSize,
    RedshiftQueryId: batch ? 0 : s.redshiftQueryId,
    ...(s.parameters ? { QueryParameters: s.parameters } : {}),
    ResultFormat: 'JSON',
    ...(batch ? { ExecutionMode: s.executionMode, SubStatements: s.subStatements!.map(subStatement) } : {}),
  };
}

function subStatement(s: StatementRecord): Record<string, unknown> {
  return {
    Id: s.id,
    Duration: durationNanos(s),
    ...(s.error !== undefined ? { Error: s.error } : {}),
    Status: s.status,
    CreatedAt: epochSeconds(s.createdAt),
    UpdatedAt: epochSeconds(s.updatedAt),
    QueryString: s.sql,
    ResultRows: s.resultRows,
    ResultSize: s.resultSize,
    RedshiftQueryId: s.redshiftQueryId,
    HasResultSet: s.hasResultSet,
  };
}
