import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  RedshiftDataClient,
  type ExecuteStatementCommandInput,
} from '@aws-sdk/client-redshift-data';
import { COMPANION_USER, LOCAL_PASSWORD, type Environment } from '../../sim/embedded.js';
import {
  startDataApiEndpoint,
  type DataApiEndpoint,
  type DataApiEndpointOptions,
} from '../../sim/redshift/data-api/index.js';

/** Starts a local Data API endpoint on the environment's target database, running statements as the companion's user. */
export function endpointOn(
  env: Environment,
  options: Omit<DataApiEndpointOptions, 'connection'> = {},
): Promise<DataApiEndpoint> {
  return startDataApiEndpoint({
    connection: {
      host: env.server.host,
      port: env.server.port,
      database: env.databases.target,
      user: COMPANION_USER,
      password: LOCAL_PASSWORD,
    },
    ...options,
  });
}

/** The real SDK client, pointed at the endpoint; one attempt per call (a refusal is not retried). */
export function sdkFor(endpoint: DataApiEndpoint): RedshiftDataClient {
  return new RedshiftDataClient({
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
}

/** Connection members of a provisioned cluster request. */
export function clusterTarget(env: Environment) {
  return { ClusterIdentifier: 'companion-test', Database: env.databases.target, DbUser: COMPANION_USER };
}

/**
 * Submits one statement and waits (on the endpoint's own record, not by polling) until it ends.
 * @returns the Id and the DescribeStatement answer.
 */
export async function runStatement(
  endpoint: DataApiEndpoint,
  sdk: RedshiftDataClient,
  input: ExecuteStatementCommandInput,
) {
  const out = await sdk.send(new ExecuteStatementCommand(input));
  await endpoint.statements.whenStatus(out.Id!, 'FINISHED', 'FAILED', 'ABORTED');
  const desc = await sdk.send(new DescribeStatementCommand({ Id: out.Id! }));
  return { id: out.Id!, out, desc };
}

/** The SDK's error, for asserting its name and message. */
export async function sdkError(
  p: Promise<unknown>,
): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}
