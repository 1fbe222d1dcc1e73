import { afterAll, beforeAll } from 'vitest';
import {
  dropDatabases,
  openEnvironment,
  startEmbeddedServer,
  type EmbeddedServer,
  type Environment,
} from '../../sim/embedded.js';

/**
 * An environment on a server of its own that records commit timestamps (track_commit_timestamp =
 * on, docs/aws-facts.md §71), so the settle rules apply; started before the file's tests, stopped
 * after. Returns a getter, valid inside tests.
 */
export function useCommitTimestampEnvironment(name: string): () => Environment {
  let server: EmbeddedServer | undefined;
  let env: Environment | undefined;
  beforeAll(async () => {
    server = await startEmbeddedServer({ settings: { track_commit_timestamp: 'on' } });
    env = await openEnvironment(server, name);
  }, 180_000);
  afterAll(async () => {
    await env?.close();
    if (env && server) await dropDatabases(server, env.databases);
    await server?.stop();
  });
  return () => {
    if (!env) throw new Error('environment not open (use inside a test)');
    return env;
  };
}
