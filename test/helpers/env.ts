import { afterAll, beforeAll, inject } from 'vitest';
import { dropDatabases, openEnvironment, type Environment } from '../../sim/embedded.js';

let counter = 0;

/**
 * Opens a fresh embedded environment (Pagila source + emulated Redshift target) for the test
 * file, closed and dropped after it. Returns a getter, valid inside tests.
 */
export function useEnvironment(name: string): () => Environment {
  let env: Environment | undefined;
  const prefix = `${name.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${++counter}`;
  beforeAll(async () => {
    env = await openEnvironment(inject('pgServer'), prefix);
  });
  afterAll(async () => {
    if (!env) return;
    await env.close();
    await dropDatabases(env.server, env.databases);
  });
  return () => {
    if (!env) throw new Error('environment not open (use inside a test)');
    return env;
  };
}
