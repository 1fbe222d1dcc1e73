import type { TestProject } from 'vitest/node';
import { EnvironmentError } from '../sim/postgres-binaries.js';
import { prepareTemplates, startEmbeddedServer, type EmbeddedServer, type ServerInfo } from '../sim/embedded.js';

/**
 * Starts one embedded PostgreSQL server for the whole test run and prepares the Pagila and
 * Redshift-emulation templates once; each test file clones its own databases from them.
 */
let server: EmbeddedServer | undefined;

export default async function setup(project: TestProject) {
  try {
    server = await startEmbeddedServer();
  } catch (err) {
    // A machine problem (sim/postgres-binaries.ts) is one sentence with its fix, not a stack trace.
    if (!(err instanceof EnvironmentError)) throw err;
    process.stderr.write(`\nnpm test: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  await prepareTemplates(server);
  const info: ServerInfo = {
    host: server.host,
    port: server.port,
    superuser: server.superuser,
    password: server.password,
  };
  project.provide('pgServer', info);
  return async () => {
    await server?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgServer: ServerInfo;
  }
}
