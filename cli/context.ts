import { configPath, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createRuntime, type Runtime } from '../jobs/runtime.js';
import type { GlobalOptions } from './output.js';
import { abortOnStopSignal } from './stop-signal.js';

/**
 * Loads the config named by --config / DMS_COMPANION_CONFIG, builds the runtime, runs `body`,
 * and closes every connection afterwards. SIGINT (Ctrl-C) and SIGTERM abort the jobs' signal, so
 * the job stops at its next safe point as under the daemon (cli/stop-signal.ts); a second one exits at once (130).
 * @throws ConfigError (exit 2) for a missing or invalid config.
 */
export async function withRuntime<T>(g: GlobalOptions, body: (rt: Runtime, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(configPath(g.config));
  const rt = createRuntime(config);
  const stop = abortOnStopSignal(
    process,
    (s) =>
      process.stderr.write(`dms-companion: ${s} received: stopping at the next safe point (again to exit at once)\n`),
    (s) => {
      process.stderr.write(
        `dms-companion: second ${s}: exiting now; the next run completes what task control recorded\n`,
      );
      process.exit(130);
    },
  );
  rt.signal = stop.signal;
  try {
    return await body(rt, config);
  } finally {
    stop.dispose();
    await rt.close();
  }
}
