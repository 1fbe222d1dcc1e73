import type { Command } from 'commander';
import { configPath, loadConfig, maskSecrets } from '../config/load.js';
import { printResult, runCommand, toYaml, type GlobalOptions } from './output.js';

/** `dms-companion config check`: validates the config and prints it resolved (units in seconds and bytes), secrets masked. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('work with the configuration file');
  config
    .command('check')
    .description(
      'validate the configuration and print it resolved (durations in seconds, sizes in bytes), secrets masked',
    )
    .addHelpText('after', '\nExit codes: 0 valid, 2 invalid (every problem is listed with its path).')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () => {
        const file = configPath(g.config);
        const resolved = maskSecrets(loadConfig(file));
        printResult({ file, valid: true, config: resolved }, g.json, (r) => `${r.file}: valid\n\n${toYaml(r.config)}`);
      });
    });
}
