import { clusterIdentifier, optionalInteger, optionalString, UUID_PATTERN, workgroupName } from './checks.js';
import type { EndpointContext } from './context.js';
import { constraint, DataApiError, validation } from './errors.js';
import type { Session } from './sessions.js';
import type { StatementTarget } from './statements.js';

/**
 * Where a submitted statement runs: a new connection target (`Database` with exactly one of
 * `ClusterIdentifier` or `WorkgroupName`, optionally `DbUser` / `SecretArn`), or an open session
 * (`SessionId`).
 *
 * - Model: `ClusterIdentifier` "is required when connecting to a cluster", `WorkgroupName` "is
 *   required when connecting to a serverless workgroup", `Database` "is required when authenticating
 *   using either Secrets Manager or temporary credentials" (every way of calling here).
 * - A Serverless endpoint hosts no cluster and a provisioned one no workgroup; a name the endpoint
 *   does not host gets the service's answer for an unknown cluster, HTTP 400 "Redshift endpoint
 *   doesn't exist in this region." (ballerina-platform/module-ballerinax-aws.redshiftdata,
 *   `ballerina/tests/execute_statement_test.bal`, testWithInvalidDbConfigs).
 * - `SessionKeepAliveSeconds`: model range 0–86400.
 *
 * AWS does not document the texts for the other refusals here (missing Database, both or neither of
 * ClusterIdentifier and WorkgroupName, SessionId combined with connection members, an expired or
 * busy session); the texts are this endpoint's.
 */

export type Placement =
  | { kind: 'new'; target: Omit<StatementTarget, 'sessionId'>; keepAliveSeconds?: number | undefined }
  | { kind: 'session'; session: Session; keepAliveSeconds?: number | undefined };

const CONNECTION_MEMBERS = ['ClusterIdentifier', 'WorkgroupName', 'Database', 'DbUser', 'SecretArn'] as const;

/** @throws DataApiError as described above. */
export function placement(ctx: EndpointContext, input: Record<string, unknown>, maxKeepAlive: number): Placement {
  const keepAliveSeconds = optionalInteger(input, 'SessionKeepAliveSeconds', 0, maxKeepAlive);
  const sessionId = optionalString(input, 'SessionId');
  if (sessionId !== undefined) {
    if (!UUID_PATTERN.test(sessionId))
      throw constraint(
        'sessionId',
        `Member must satisfy regular expression pattern: ${UUID_PATTERN.source}`,
        sessionId,
      );
    const given = CONNECTION_MEMBERS.filter((m) => input[m] !== undefined && input[m] !== null);
    if (given.length > 0)
      throw validation(
        `SessionId cannot be combined with ${given.join(', ')}: a session keeps the connection it was opened with`,
      );
    const session = ctx.sessions.get(sessionId);
    if (!session)
      throw new DataApiError('ResourceNotFoundException', `Session ${sessionId} does not exist or has expired.`, {
        ResourceId: sessionId,
      });
    if (session.busy)
      throw validation(
        `Session ${sessionId} is running statement ${session.busy.id}; submit the next statement when it has finished.`,
      );
    return { kind: 'session', session, keepAliveSeconds };
  }
  const database = optionalString(input, 'Database');
  const cluster = optionalString(input, 'ClusterIdentifier');
  const workgroup = optionalString(input, 'WorkgroupName');
  if (cluster !== undefined && workgroup !== undefined)
    throw validation('Specify either ClusterIdentifier or WorkgroupName, not both.');
  if (cluster === undefined && workgroup === undefined) {
    throw validation(
      'Either ClusterIdentifier (provisioned cluster) or WorkgroupName (Redshift Serverless) must be specified.',
    );
  }
  if (cluster !== undefined) clusterIdentifier(cluster);
  if (workgroup !== undefined) workgroupName(workgroup);
  const hosted = ctx.serverless
    ? workgroup !== undefined && (ctx.workgroupName === undefined || ctx.workgroupName === workgroup)
    : cluster !== undefined && (ctx.clusterIdentifier === undefined || ctx.clusterIdentifier === cluster);
  if (!hosted) throw validation("Redshift endpoint doesn't exist in this region.");
  if (database === undefined || database === '') {
    throw validation('Database must be specified when connecting with temporary credentials or AWS Secrets Manager.');
  }
  const target = {
    database,
    clusterIdentifier: cluster,
    workgroupName: workgroup,
    dbUser: optionalString(input, 'DbUser'),
    secretArn: optionalString(input, 'SecretArn'),
  };
  return { kind: 'new', target, keepAliveSeconds };
}
