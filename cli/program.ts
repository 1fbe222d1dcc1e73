import { Command, Option } from 'commander';
import { packageVersion } from '../lib/paths.js';
import { registerConfig } from './config-check.js';
import { registerDemo } from './demo.js';
import { addExamples } from './examples.js';
import { registerDoctor } from './doctor.js';
import { registerTypemap } from './typemap.js';
import { registerCheck } from './check.js';
import { registerFix } from './fix.js';
import { registerHolds } from './holds.js';
import { registerHistory } from './history.js';
import { registerGapfill } from './gapfill.js';
import { registerGuards } from './guards.js';
import { registerRun } from './run.js';
import { registerValidate } from './validate.js';

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
    // Subcommands' help lists --config, --json and --dry-run too.
    .configureHelp({ showGlobalOptions: true })
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
  registerValidate(program);
  registerGuards(program);
  registerDoctor(program);
  registerRun(program);
  registerTypemap(program);
  registerDemo(program);
  for (const c of program.commands) inheritExitOverride(c);
  addExamples(program);
  return program;
}

function inheritExitOverride(cmd: Command): void {
  cmd.exitOverride();
  for (const c of cmd.commands) inheritExitOverride(c);
}
