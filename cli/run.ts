import type { EventEmitter } from 'node:events';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { InvalidArgumentError, type Command } from 'commander';
import { configPath, loadConfig } from '../config/load.js';
import { Daemon } from '../daemon/index.js';
import { EXIT_OK, EXIT_PROBLEM } from '../lib/errors.js';
import { createRuntime } from '../jobs/runtime.js';
import { runCommand, type GlobalOptions } from './output.js';

/** Signals that stop the daemon gracefully. */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Resolves with the first of {@link STOP_SIGNALS} `emitter` (the process) receives; a second one
 * calls `onForce` (the CLI exits at once, leaving recovery to the next start).
 */
export function untilStopSignal(emitter: EventEmitter, onForce: (signal: string) => void): Promise<string> {
  return new Promise((resolve) => {
    let seen = false;
    const handler = (signal: string) => {
      if (seen) {
        onForce(signal);
        return;
      }
      seen = true;
      resolve(signal);
    };
    for (const s of STOP_SIGNALS) emitter.on(s, handler);
  });
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('--port must be an integer from 0 to 65535');
  return n;
}

/**
 * `dms-companion run`: the daemon (lib/daemon). Runs until SIGTERM or SIGINT, then stops
 * gracefully (see Daemon.stop) and exits 0 — or 1 when a job did not reach a safe point within
 * `daemon.shutdownGrace`. A second signal exits at once with 1.
 */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'the daemon: schedule every enabled job (UTC), serve GET /healthz, GET /metrics and POST /sns, stop gracefully on SIGTERM/SIGINT',
    )
    .option('--port <n>', 'HTTP port (default: daemon.port from the config)', port)
    .option('--no-doctor', 'start without running `doctor` first (by default a failed check stops the start)')
    .addHelpText(
      'after',
      '\nWith --dry-run every scheduled run only plans and logs.\nExit codes: 0 stopped cleanly, 1 a job was still running when the shutdown grace ' +
        'ended or a doctor check failed at start, 2 configuration error.',
    )
    .action(async (opts: { port?: number; doctor: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, async () => {
        const config = loadConfig(configPath(g.config));
        const rt = createRuntime(config);
        const cloudwatch =
          config.metrics.cloudwatch === 'put-metric-data' ? new CloudWatchClient({ region: config.region }) : undefined;
        try {
          const daemon = new Daemon(rt, {
            port: opts.port,
            dryRun: g.dryRun ?? false,
            cloudwatch,
            doctor: opts.doctor,
          });
          const signal = untilStopSignal(process, (s) => {
            rt.log.error(
              `${s} again: exiting now; holds taken by running jobs stay recorded and are recovered at the next start`,
            );
            process.exit(EXIT_PROBLEM);
          });
          await daemon.start();
          const stopped = await daemon.stop(`${await signal} received`);
          return stopped.drained ? EXIT_OK : EXIT_PROBLEM;
        } finally {
          cloudwatch?.destroy();
          await rt.close();
        }
      });
    });
}
