import type { Command } from 'commander';
import { renderDoctor } from '../jobs/doctor/render.js';
import { runDoctor } from '../jobs/doctor/index.js';
import { EXIT_PROBLEM } from '../lib/errors.js';
import { withRuntime } from './context.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';

/** `dms-companion doctor`: checks the setup (jobs/doctor), one line per check; exit 1 on any failure. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the setup read-only: connections and clocks, system-view visibility, tables, keys, types and privileges, the state schema, the AWS calls, Node.js',
    )
    .addHelpText('after', '\nExit codes: 0 every check ok or warn, 1 a check failed, 2 usage or configuration error.')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt) => {
          const report = await runDoctor(rt);
          printResult(report, g.json, renderDoctor);
          return report.ok ? 0 : EXIT_PROBLEM;
        }),
      );
    });
}
