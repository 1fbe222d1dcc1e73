import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../lib/errors.js';
import { DMS_VARIANTS, type DmsVariantName } from '../sim/dms/variants.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';

function number(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${name} must be a number ≥ ${min}`);
    return n;
  };
}

function knownVariant(name: string): DmsVariantName {
  if (!Object.hasOwn(DMS_VARIANTS, name))
    throw new UsageError(
      `--dms-variant must be one of ${Object.keys(DMS_VARIANTS).join(', ')}; got ${JSON.stringify(name)}`,
    );
  return name as DmsVariantName;
}

/** The demo module, loaded only when the demo runs: it needs the dev dependencies (embedded PostgreSQL). */
async function loadDemo(): Promise<typeof import('../sim/demo.js')> {
  try {
    return await import('../sim/demo.js');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND')
      throw new UsageError(
        `the demo needs the development dependencies (run \`npm ci\` in a clone of the repository): ${(err as Error).message}`,
      );
    throw err;
  }
}

/**
 * `dms-companion demo`: the whole product on a laptop — embedded Pagila source and emulated
 * Redshift, the simulated task with a workload and a seeded fault schedule, and the daemon with
 * every job on accelerated schedules; a live status line and a log of what each job found and did;
 * at the end a summary per fault and the proof that target equals source (sim/demo.ts).
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'run the daemon against the simulated replication (Pagila → emulated Redshift) with injected faults, then show when each was detected and repaired',
    )
    .option(
      '--duration <seconds>',
      'real seconds of scenario (default: 90 simulated minutes at --speed, 90 s at 60×)',
      number('--duration', 1),
    )
    .option(
      '--speed <n>',
      'simulated seconds per real second (default 60 with --target direct, 30 over the Data API: each statement is several HTTP calls)',
      number('--speed', 1),
    )
    .option('--seed <n>', 'seed of the workload', number('--seed', 0), 1)
    .option('--notify-webhook <url>', "send the companion's notifications to this Slack-compatible webhook")
    .option(
      '--dms-variant <name>',
      `how the simulated DMS behaves where AWS leaves room: ${Object.keys(DMS_VARIANTS).join(', ')} ` +
        '(default failed-batch: one-by-one for the failed batch only, as AWS describes it)',
      'failed-batch',
    )
    .addOption(
      new Option(
        '--target <kind>',
        'how the companion reaches the emulated Redshift: direct (PostgreSQL protocol), ' +
          'data-api (local Data API endpoint, provisioned cluster) or serverless (the endpoint as a Serverless workgroup)',
      )
        .choices(['direct', 'data-api', 'serverless'])
        .default('direct'),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 every fault detected and repaired and target equals source, 1 otherwise, 2 usage error.',
    )
    .action(
      async (
        opts: {
          duration?: number;
          speed?: number;
          seed: number;
          notifyWebhook?: string;
          dmsVariant: string;
          target: 'direct' | 'data-api' | 'serverless';
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const tty = process.stderr.isTTY;
        let lastPrinted = 0;
        let statusShown = false;
        const onStatus = (line: string) => {
          if (tty) {
            process.stderr.write(`\r\x1b[2K${line}`);
            statusShown = true;
          } else if (Date.now() - lastPrinted >= 10_000) {
            lastPrinted = Date.now();
            process.stderr.write(`${line}\n`);
          }
        };
        const onEvent = (line: string) => {
          process.stderr.write(`${tty && statusShown ? '\r\x1b[2K' : ''}${line}\n`);
          statusShown = false;
        };
        await runCommand(g.json, async () => {
          const { runDemo, renderDemo, MIN_DEMO_SECONDS } = await loadDemo();
          const dir = mkdtempSync(path.join(os.tmpdir(), 'dms-companion-demo-'));
          const logFile = path.join(dir, 'companion.log');
          const stateFile = path.join(dir, 'state.json');
          if (!g.json)
            process.stderr.write(
              `starting the embedded PostgreSQL (Pagila source, emulated Redshift target), the simulated DMS task and the daemon…\njobs' full JSON log: ` +
                `${logFile}\n`,
            );
          const speed = opts.speed ?? (opts.target === 'direct' ? 60 : 30);
          // The scenario needs MIN_DEMO_SECONDS real seconds at 60×: as many simulated seconds at any speed.
          const needed = Math.ceil((MIN_DEMO_SECONDS * 60) / speed);
          const duration = opts.duration ?? Math.ceil((90 * 60) / speed);
          if (duration < needed)
            throw new UsageError(`--duration must be a number ≥ ${needed} (real seconds at --speed ${speed})`);
          const report = await runDemo({
            duration,
            speed,
            seed: opts.seed,
            dmsVariant: knownVariant(opts.dmsVariant),
            logFile,
            notifyWebhook: opts.notifyWebhook,
            stateFile,
            target: opts.target,
            onStatus: g.json ? undefined : onStatus,
            onEvent: g.json ? undefined : onEvent,
          });
          if (tty && !g.json) process.stderr.write('\n');
          printResult(report, g.json, renderDemo);
          if (!g.json)
            process.stderr.write(
              `\nwhat the companion did, from the demo's state: dms-companion history --state-file ${stateFile} --since 1h\n`,
            );
          return report.targetEqualsSource && report.allRepaired ? 0 : 1;
        });
      },
    );
}
