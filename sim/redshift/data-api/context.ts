import type { RunContext } from './run.js';
import type { SessionStore } from './sessions.js';

/** What every operation of the endpoint shares. */
export interface EndpointContext extends RunContext {
  sessions: SessionStore;
  /** The provisioned cluster or Serverless workgroup the endpoint stands for; undefined: any name. */
  clusterIdentifier?: string | undefined;
  workgroupName?: string | undefined;
  /** Records per GetStatementResult page. */
  pageRows: number;
  /** Answers already given per `ClientToken` (idempotent retries of Execute and BatchExecute), with when. */
  clientTokens: Map<string, { answer: Record<string, unknown>; at: number }>;
  /** Statements running in the background; awaited when the endpoint closes. */
  running: Set<Promise<void>>;
}
