import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { cancelStatement, requestCancel } from './cancel.js';
import { Connections, type TargetConnection } from './connections.js';
import type { EndpointContext } from './context.js';
import { describeStatement } from './describe.js';
import { DataApiError } from './errors.js';
import { createDataApiServer } from './http.js';
import { DATA_API_LIMITS, type DataApiLimits } from './limits.js';
import { getStatementResult } from './result.js';
import { defaultKeepAliveTimer, SessionStore, type KeepAliveTimer } from './sessions.js';
import { StatementStore, type StatementStatus, type StatementView } from './statements.js';
import { batchExecuteStatement, executeStatement } from './submit.js';

/**
 * A local Amazon Redshift Data API endpoint for tests and the demo: an HTTP server on 127.0.0.1
 * speaking the service's AWS JSON 1.1 protocol, reachable by the real `@aws-sdk/client-redshift-data`
 * (`new RedshiftDataClient({ endpoint: url, region, credentials })`; signatures are not checked),
 * and running the statements on the emulated Redshift target (a PostgreSQL database carrying
 * sim/redshift/emulation.sql).
 *
 * Operations: ExecuteStatement, BatchExecuteStatement, DescribeStatement, GetStatementResult,
 * CancelStatement. Others answer UnknownOperationException.
 *
 * Each module of this folder documents the behaviour it emulates and its source: limits.ts (limits),
 * errors.ts (error shapes), target.ts (cluster / workgroup / session members), parameters.ts
 * (`:name` parameters), submit.ts (Execute, BatchExecute), run.ts (execution, error texts),
 * fields.ts (type mapping), describe.ts, result.ts (paging), cancel.ts, sessions.ts,
 * serverless.ts (Serverless refusals).
 */

export type { TargetConnection } from './connections.js';
export type { DataApiLimits } from './limits.js';
export type { KeepAliveTimer } from './sessions.js';
export type { StatementStatus, StatementView } from './statements.js';
export { DATA_API_LIMITS } from './limits.js';

export interface DataApiEndpointOptions {
  /** The emulated target's PostgreSQL server and the user statements run as. */
  connection: TargetConnection;
  /**
   * Redshift Serverless: requests must name a `WorkgroupName` (a `ClusterIdentifier` is refused) and
   * statements reading STL/STV/SVL/SVCS views fail as on a workgroup. Default false: a provisioned
   * cluster, which requires `ClusterIdentifier` and refuses `WorkgroupName`.
   */
  serverless?: boolean;
  /** The cluster (provisioned) or workgroup (Serverless) the endpoint stands for; default: any name. */
  clusterIdentifier?: string;
  workgroupName?: string;
  /** `DbUser` names that run as their own database user, with their passwords (others run as `connection.user`). */
  dbUsers?: Readonly<Record<string, string>>;
  /** Lower limits than the service's (see limits.ts), e.g. to exceed them with a few rows. */
  limits?: Partial<DataApiLimits>;
  /** Records per GetStatementResult page (default 1000). */
  pageRows?: number;
  /** Pooled connections per database and user (default 4); each session has one more of its own. */
  poolSize?: number;
  /** Starts a session's keep-alive countdown (default: a timer); tests pass one they fire themselves. */
  keepAliveTimer?: KeepAliveTimer;
  /**
   * Checks every statement (parameters bound as `$n`) before it runs: what it throws fails the
   * statement with that message, raised on its connection; a text it returns runs instead
   * (sim/target-kinds.ts passes the Redshift dialect gate, which also folds quoted identifiers). Default: none.
   */
  check?: (sql: string) => Promise<string | void>;
}

export interface DataApiEndpoint {
  /** `http://127.0.0.1:<port>`: the `endpoint` of a RedshiftDataClient. */
  url: string;
  /** What the endpoint did with each statement, for tests and the demo. */
  statements: {
    get(id: string): StatementView | undefined;
    list(): StatementView[];
    /** Resolves when the statement reaches one of `statuses` (at once if it has). */
    whenStatus(id: string, ...statuses: StatementStatus[]): Promise<StatementView>;
  };
  /** Open sessions; `expire` closes one now, as its keep-alive time running out does. */
  sessions: { ids(): string[]; expire(id: string): Promise<void> };
  /** Cancels what still runs, closes sessions and connections, stops the server. */
  close(): Promise<void>;
}

/**
 * Starts the endpoint on a free port of 127.0.0.1.
 * @throws Error when the target database cannot be reached (the message names host, port, database
 *   and user, never the password).
 */
export async function startDataApiEndpoint(options: DataApiEndpointOptions): Promise<DataApiEndpoint> {
  await checkTarget(options.connection);
  const connections = new Connections({
    target: options.connection,
    dbUsers: options.dbUsers,
    poolSize: options.poolSize,
  });
  const store = new StatementStore();
  const ctx: EndpointContext = {
    store,
    connections,
    limits: { ...DATA_API_LIMITS, ...options.limits },
    serverless: options.serverless ?? false,
    check: options.check,
    sessions: new SessionStore(options.keepAliveTimer ?? defaultKeepAliveTimer, (c) => connections.closeSession(c)),
    clusterIdentifier: options.clusterIdentifier,
    workgroupName: options.workgroupName,
    pageRows: options.pageRows ?? 1000,
    clientTokens: new Map(),
    running: new Set(),
  };
  const server = createDataApiServer((operation, input) => dispatch(ctx, operation, input));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    statements: {
      get: (id) => store.view(id),
      list: () => store.views(),
      whenStatus: async (id, ...statuses) => {
        await store.when(id, (s) => statuses.includes(s));
        return store.view(id)!;
      },
    },
    sessions: { ids: () => ctx.sessions.ids(), expire: (id) => ctx.sessions.expire(id) },
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await Promise.all(store.active().map((s) => requestCancel(ctx, s)));
        await Promise.allSettled([...ctx.running]);
        await ctx.sessions.closeAll();
        await connections.close();
        await stopped;
      })()),
  };
}

function dispatch(ctx: EndpointContext, operation: string, input: Record<string, unknown>): Promise<unknown> {
  switch (operation) {
    case 'ExecuteStatement':
      return executeStatement(ctx, input);
    case 'BatchExecuteStatement':
      return batchExecuteStatement(ctx, input);
    case 'DescribeStatement':
      return describeStatement(ctx, input);
    case 'GetStatementResult':
      return Promise.resolve(getStatementResult(ctx, input));
    case 'CancelStatement':
      return cancelStatement(ctx, input);
    default:
      return Promise.reject(
        new DataApiError('UnknownOperationException', `Operation ${operation} is not served by this endpoint`),
      );
  }
}

async function checkTarget(t: TargetConnection): Promise<void> {
  const client = new pg.Client({
    host: t.host,
    port: t.port,
    database: t.database,
    user: t.user,
    password: t.password,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const reason = (err as Error).message;
    throw new Error(
      `Data API endpoint: cannot reach the target database ${t.database} at ${t.host}:${t.port} as ${t.user}: ${reason}`,
      { cause: err },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
