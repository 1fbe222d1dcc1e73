import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { COMPANION_USER, LOCAL_PASSWORD, type Environment } from '../../sim/embedded.js';
import { DEFAULT_TASK } from '../../sim/simulation.js';

/** The simulated task's tables as config entries. */
export const SIM_TASK_CONFIG = {
  name: DEFAULT_TASK.name,
  arn: DEFAULT_TASK.arn,
  replicationInstance: DEFAULT_TASK.replicationInstance,
  tables: DEFAULT_TASK.tables.map((t) => ({ source: `${t.source.schema}.${t.source.name}`, target: `${t.target.schema}.${t.target.name}`, primaryKey: t.primaryKey })),
};

/**
 * A config document for an embedded environment: the source and a direct target as the
 * companion's user (password from `${LOCAL_PG_PASSWORD}`), the simulated task unless `tasks`
 * says otherwise, and any other top-level keys.
 */
export function envConfig(env: Environment, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const conn = (database: string) => ({ host: env.server.host, port: env.server.port, database, user: COMPANION_USER, password: '${LOCAL_PG_PASSWORD}' });
  return {
    region: 'us-east-1',
    source: conn(env.databases.source),
    target: { kind: 'direct', ...conn(env.databases.target) },
    dmsUser: 'dms_user',
    cluster: { identifier: 'sim-cluster' },
    tasks: [SIM_TASK_CONFIG],
    ...overrides,
  };
}

/** Environment for configs made by {@link envConfig}. */
export const ENV_FOR_CONFIG = { LOCAL_PG_PASSWORD: LOCAL_PASSWORD };

/** {@link envConfig}, validated. */
export function parsedEnvConfig(env: Environment, overrides: Record<string, unknown> = {}): Config {
  return parseConfig(stringify(envConfig(env, overrides)), ENV_FOR_CONFIG);
}

/** {@link envConfig} written to a temporary YAML file; returns its path. */
export function writeEnvConfig(env: Environment, overrides: Record<string, unknown> = {}): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'companion-config-')), 'config.yaml');
  writeFileSync(file, stringify(envConfig(env, overrides)));
  return file;
}
