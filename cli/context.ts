import { configPath, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createRuntime, type Runtime } from '../jobs/runtime.js';
import type { GlobalOptions } from './output.js';

/**
 * Loads the config named by --config / DMS_COMPANION_CONFIG, builds the runtime, runs `body`,
 * and closes every connection afterwards.
 * @throws ConfigError (exit 2) for a missing or invalid config.
 */
export async function withRuntime<T>(g: GlobalOptions, body: (rt: Runtime, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(configPath(g.config));
  const rt = createRuntime(config);
  try {
    return await body(rt, config);
  } finally {
    await rt.close();
  }
}
