import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { envConfig } from '../../sim/companion.js';
import type { Environment } from '../../sim/embedded.js';

export { ENV_FOR_CONFIG, envConfig, parsedEnvConfig, SIM_TASK_CONFIG } from '../../sim/companion.js';

/** {@link envConfig} written to a temporary YAML file; returns its path. */
export function writeEnvConfig(env: Environment, overrides: Record<string, unknown> = {}): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'companion-config-')), 'config.yaml');
  writeFileSync(file, stringify(envConfig(env, overrides)));
  return file;
}
