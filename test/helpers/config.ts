import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { COMPANION_USER, LOCAL_PASSWORD, type Environment } from '../../sim/embedded.js';

/**
 * A config file for an embedded environment: the source and a direct target as the companion's
 * user, one task replicating `tables`. Returns its path.
 */
export function writeEnvConfig(env: Environment, extra: Record<string, unknown> = {}): string {
  const conn = (database: string) => ({ host: env.server.host, port: env.server.port, database, user: COMPANION_USER, password: '${LOCAL_PG_PASSWORD}' });
  const config = {
    region: 'us-east-1',
    source: conn(env.databases.source),
    target: { kind: 'direct', ...conn(env.databases.target) },
    dmsUser: 'dms_user',
    cluster: { identifier: 'sim-cluster' },
    tasks: [
      {
        name: 'pagila',
        arn: 'arn:aws:dms:us-east-1:123456789012:task:PAGILA',
        replicationInstance: 'sim-instance',
        tables: [
          { source: 'public.rental', primaryKey: ['rental_id'], dayColumn: 'rental_date', versionColumn: 'last_update' },
          { source: 'public.film', primaryKey: ['film_id'] },
        ],
      },
    ],
    ...extra,
  };
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'companion-config-')), 'config.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/** Environment for CLI runs against {@link writeEnvConfig} files. */
export const ENV_FOR_CONFIG = { LOCAL_PG_PASSWORD: LOCAL_PASSWORD };
