import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { envConfig, SIM_TASK_CONFIG } from '../../sim/companion.js';
import type { Environment } from '../../sim/embedded.js';

export { ENV_FOR_CONFIG, envConfig, parsedEnvConfig, SIM_TASK_CONFIG } from '../../sim/companion.js';

/** {@link envConfig} written to a temporary YAML file; returns its path. */
export function writeEnvConfig(env: Environment, overrides: Record<string, unknown> = {}): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'companion-config-')), 'config.yaml');
  writeFileSync(file, stringify(envConfig(env, overrides)));
  return file;
}

/** The simulated task's rental and payment tables with their day columns (rental with a version column), for gap-filling. */
export const SIM_GAPFILL_TASK = {
  ...SIM_TASK_CONFIG,
  tables: SIM_TASK_CONFIG.tables.map((t) =>
    t.source === 'public.rental'
      ? { ...t, dayColumn: 'rental_date', versionColumn: 'last_update' }
      : t.source === 'public.payment'
        ? { ...t, dayColumn: 'payment_date' }
        : t,
  ),
};
